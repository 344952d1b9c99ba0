// LayerNorm for the CPU kernel routing. LibTorch's CPU kernel splits the rows over the OpenMP threads
// (at::parallel_for with a grain of one row) and computes each row's moments by a cascaded Welford
// update: 4.2-8.4 us for 64 rows of 64 and 4.9-8.2 us for 64 rows of 128 on 2 threads, where one row
// takes 1.6 us (C++, median of 5000, five rounds). A small transformer calls it twice a block at such
// sizes. Here each row takes two passes in AVX2 registers (the mean, then the sum of squared deviations,
// four accumulators each) and one to write, on the calling thread: 2.4-3.6 and 3.6-4.7 us.
#include "core/layer_norm.h"

#include <cmath>
#include <vector>

#include <immintrin.h>

#include <ATen/ops/empty.h>

#include "core/routing.h"

namespace torchslim {
namespace detail {
namespace {

// Above this many elements LibTorch's threaded kernel is left to it.
constexpr int64_t kLayerNormMaxElements = int64_t{1} << 16;

__attribute__((target("avx2,fma"))) inline float sum8(__m256 v) {
  const __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  const __m128 t = _mm_add_ps(s, _mm_movehl_ps(s, s));
  return _mm_cvtss_f32(_mm_add_ss(t, _mm_shuffle_ps(t, t, 1)));
}

/// rows x n: y = (x * rstd - mean * rstd) * w + b per row; w, b may be null. No contraction into FMAs (GCC's
/// default), so that x * rstd is rounded before the shift is added, as in LibTorch's kernel.
__attribute__((target("avx2,fma"), optimize("fp-contract=off"))) void layer_norm_rows(
    const float* x, float* y, float* mean_out, float* rstd_out, const float* w, const float* b, int64_t rows,
    int64_t n, float eps) {
  const int64_t n8 = n / 8 * 8, n32 = n / 32 * 32;
  const float inv_n = 1.0f / static_cast<float>(n);
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * n;
    float* yr = y + r * n;
    // four accumulators: one would chain every add on the last (the loop is latency-bound at these widths)
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
    for (int64_t j = 0; j < n32; j += 32) {
      a0 = _mm256_add_ps(a0, _mm256_loadu_ps(xr + j));
      a1 = _mm256_add_ps(a1, _mm256_loadu_ps(xr + j + 8));
      a2 = _mm256_add_ps(a2, _mm256_loadu_ps(xr + j + 16));
      a3 = _mm256_add_ps(a3, _mm256_loadu_ps(xr + j + 24));
    }
    for (int64_t j = n32; j < n8; j += 8) a0 = _mm256_add_ps(a0, _mm256_loadu_ps(xr + j));
    float sum = sum8(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
    for (int64_t j = n8; j < n; ++j) sum += xr[j];
    const float mean = sum * inv_n;
    const __m256 vmean = _mm256_set1_ps(mean);
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps(), s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
    for (int64_t j = 0; j < n32; j += 32) {
      const __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(xr + j), vmean);
      const __m256 d1 = _mm256_sub_ps(_mm256_loadu_ps(xr + j + 8), vmean);
      const __m256 d2 = _mm256_sub_ps(_mm256_loadu_ps(xr + j + 16), vmean);
      const __m256 d3 = _mm256_sub_ps(_mm256_loadu_ps(xr + j + 24), vmean);
      s0 = _mm256_fmadd_ps(d0, d0, s0);
      s1 = _mm256_fmadd_ps(d1, d1, s1);
      s2 = _mm256_fmadd_ps(d2, d2, s2);
      s3 = _mm256_fmadd_ps(d3, d3, s3);
    }
    for (int64_t j = n32; j < n8; j += 8) {
      const __m256 d = _mm256_sub_ps(_mm256_loadu_ps(xr + j), vmean);
      s0 = _mm256_fmadd_ps(d, d, s0);
    }
    float ss = sum8(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
    for (int64_t j = n8; j < n; ++j) ss += (xr[j] - mean) * (xr[j] - mean);
    const float var = std::max(ss * inv_n, 0.0f);
    const float rstd = 1.0f / std::sqrt(var + eps);
    mean_out[r] = mean;
    rstd_out[r] = rstd;
    const float shift = -mean * rstd;
    const __m256 vscale = _mm256_set1_ps(rstd), vshift = _mm256_set1_ps(shift);
    for (int64_t j = 0; j < n8; j += 8) {
      // x * rstd rounded, then the shift (no FMA), as LibTorch's kernel: a constant row gives exactly 0
      __m256 v = _mm256_add_ps(_mm256_mul_ps(_mm256_loadu_ps(xr + j), vscale), vshift);
      if (w != nullptr) v = _mm256_mul_ps(v, _mm256_loadu_ps(w + j));
      if (b != nullptr) v = _mm256_add_ps(v, _mm256_loadu_ps(b + j));
      _mm256_storeu_ps(yr + j, v);
    }
    for (int64_t j = n8; j < n; ++j) {
      float v = xr[j] * rstd + shift;
      if (w != nullptr) v *= w[j];
      if (b != nullptr) v += b[j];
      yr[j] = v;
    }
  }
}

bool affine_fits(const std::optional<at::Tensor>& t, int64_t n) {
  return !t.has_value() || !t->defined() || (is_dense_float(*t) && t->is_contiguous() && t->numel() == n);
}

const float* affine_data(const std::optional<at::Tensor>& t) {
  return t.has_value() && t->defined() ? t->const_data_ptr<float>() : nullptr;
}

}  // namespace

bool layer_norm_applies(const at::Tensor& input, c10::SymIntArrayRef normalized_shape,
                        const std::optional<at::Tensor>& weight, const std::optional<at::Tensor>& bias) {
  if (!cpu_has_avx2_fma() || !is_dense_float(input) || !input.is_contiguous() || input.numel() == 0 ||
      input.numel() > kLayerNormMaxElements) {
    return false;
  }
  const int64_t axis = input.dim() - static_cast<int64_t>(normalized_shape.size());
  if (normalized_shape.empty() || axis < 0) return false;
  int64_t n = 1;
  for (size_t i = 0; i < normalized_shape.size(); ++i) {
    if (normalized_shape[i] != input.size(axis + static_cast<int64_t>(i))) return false;
    n *= input.size(axis + static_cast<int64_t>(i));
  }
  return affine_fits(weight, n) && affine_fits(bias, n);
}

std::tuple<at::Tensor, at::Tensor, at::Tensor> layer_norm(const at::Tensor& input, c10::SymIntArrayRef normalized_shape,
                                                          const std::optional<at::Tensor>& weight,
                                                          const std::optional<at::Tensor>& bias, double eps) {
  const int64_t axis = input.dim() - static_cast<int64_t>(normalized_shape.size());
  int64_t n = 1;
  for (int64_t d = axis; d < input.dim(); ++d) n *= input.size(d);
  const int64_t rows = input.numel() / n;
  std::vector<int64_t> stat_shape(input.sizes().begin(), input.sizes().end());
  for (int64_t d = axis; d < input.dim(); ++d) stat_shape[d] = 1;
  at::Tensor out = at::empty(input.sizes(), input.options().memory_format(at::MemoryFormat::Contiguous));
  at::Tensor mean = at::empty(stat_shape, input.options());
  at::Tensor rstd = at::empty(stat_shape, input.options());
  layer_norm_rows(input.const_data_ptr<float>(), out.data_ptr<float>(), mean.data_ptr<float>(), rstd.data_ptr<float>(),
                  affine_data(weight), affine_data(bias), rows, n, static_cast<float>(eps));
  return {out, mean, rstd};
}

}  // namespace detail
}  // namespace torchslim
