// fp32 matrix products on LibTorch's own threads.
//
// bytedeco's CPU LibTorch does fp32 GEMMs in OpenBLAS, which TorchSlim runs at one thread (its
// spinning workers fight LibTorch's OpenMP pool; see TorchSlim.setBlasThreads). Two costs follow,
// both measured against Python's MKL build (docs/benchmarks.md):
//   - a batch-1 Linear is aten::addmm with one row, and OpenBLAS 0.3.31's sgemm does not forward
//     n = 1 to sgemv: 4096x4096 takes ~5x longer through sgemm than through sgemv;
//   - one large GEMM uses one core where MKL uses all of LibTorch's threads.
// The kernels below replace aten::addmm and aten::mm for CPU float tensors: one row goes to gemv
// (at::cpu::addmv), and work large enough to share is split into one block of rows or columns per
// LibTorch thread (at::parallel_for, the same OpenMP pool), each block computed by LibTorch's own
// CPU kernel (at::cpu::addmm_out / addmv_out, single-threaded OpenBLAS) straight into its slice of
// the result. Everything else (other dtypes, sparse, bad shapes) calls LibTorch's kernel unchanged.
// A Linear's product of two rows or more (the weight is the transpose of a contiguous [out, in]
// matrix) goes to oneDNN's inner product (aten::mkldnn_linear, which LibTorch carries and threads on
// the same OpenMP pool) when the product is large (kOneDnnWork): measured 1.1-1.9x faster than
// OpenBLAS or the split at batch 16 and 128 of a 4096x4096 Linear, on one thread and two
// (docs/benchmarks.md).
// Where OpenBLAS has its small-matrix kernels (AVX-512 cores), a product of at most ~4M multiply-adds runs them
// instead, in the NN form they require, on blocks of output columns shared over the threads (small_kernel_product).
// A batch-1 1x1 convolution is the same product, out[Cout, HW] = W[Cout, Cin] @ x[Cin, HW], and takes
// the same split, whether LibTorch leaves it to its single-threaded "slow" conv2d (small inputs,
// slow_conv2d_kernel below) or sends it to oneDNN (mkldnn_convolution_kernel), where each call
// pays a fixed ~80-150 us for reorders and primitive setup: MobileNetV2's 34 1x1 convs at 224x224 take
// 4.3 ms dense and 1.4 ms with half the channels through the split, against 6.3 and 3.1 ms as LibTorch
// runs them (2 threads; MobileNetConvBenchmark, docs/benchmarks.md).
// A batch-1 3x3 depthwise convolution, which LibTorch also sends to oneDNN, runs a direct kernel
// on the NCHW planes instead (depthwise_conv.cpp). An index_select of a contiguous float tensor (a
// channel-pruned model reading its kept input features, an embedding's rows) is a copy loop, and a small
// LayerNorm runs on one thread in AVX2 registers (layer_norm.cpp), and so does a small GELU (gelu.cpp).
// Autograd is untouched: these sit below it at the CPU key, so backward's mm calls come here too.
// Registration is a torch::Library owned here; dropping it restores LibTorch's kernels.
#include <algorithm>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <immintrin.h>

#include <ATen/ExpandUtils.h>
#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <ATen/core/Tensor.h>
#include <ATen/ops/addmm_cpu_dispatch.h>
#include <ATen/ops/addmv_cpu_dispatch.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/gelu_cpu_dispatch.h>
#include <ATen/ops/mkldnn_convolution_compositeexplicitautograd_dispatch.h>
#include <ATen/ops/index_select_cpu_dispatch.h>
#include <ATen/ops/mkldnn_linear.h>
#include <ATen/ops/mm_cpu_dispatch.h>
#include <ATen/ops/native_layer_norm_cpu_dispatch.h>
#include <ATen/ops/_slow_conv2d_forward_cpu_dispatch.h>
#include <c10/util/Exception.h>
#include <torch/library.h>

#include "core/depthwise_conv.h"
#include "core/gelu.h"
#include "core/layer_norm.h"
#include "core/error.h"
#include "core/openblas.h"
#include "core/routing.h"
#include "torchslim/core.h"

namespace torchslim {
namespace {

// Below this many multiply-adds a product stays on one thread: splitting costs more than it gains.
constexpr int64_t kParallelWork = int64_t{1} << 18;
// The same for a Linear's product of two rows or more. Its two halves are small GEMMs that OpenBLAS
// runs less efficiently, and the second thread is not always at hand on a shared VM: at 64 rows on
// 2 threads, 64x64 by 64x64 took 15-17 us split against 9-11 us whole, 64x64 by 64x128 15-24 against
// 16 us (median of 1000, C++), and whole models of such layers (the channel-pruned BERT and
// 128-wide TransformerEncoder at 64 tokens) ran 5-10% faster without the split. From 1M multiply-adds
// (64x128 by 128x128) the split is level or ahead.
constexpr int64_t kParallelRowsWork = int64_t{1} << 20;
// One row at or above this many multiply-adds goes to gemv even on one thread.
constexpr int64_t kGemvWork = int64_t{1} << 12;

using detail::is_dense_float;
using detail::pair_is;

bool routable(const at::Tensor& a, const at::Tensor& b) {
  return is_dense_float(a) && is_dense_float(b) && a.dim() == 2 && b.dim() == 2 && a.size(1) == b.size(0) &&
         a.numel() > 0 && b.numel() > 0;
}

// out[m,n] = beta * bias + alpha * a[m,k] @ b[k,n]; bias is expanded to [m,n], or undefined with beta = 0.
// Rows of two or more split from rows_work multiply-adds (kParallelRowsWork for a Linear); one row
// (gemv, bound by reading the weight) from kParallelWork.
void product(const at::Tensor& out, const at::Tensor& bias, const at::Tensor& a, const at::Tensor& b,
             const at::Scalar& beta, const at::Scalar& alpha, bool wide = false,
             int64_t rows_work = kParallelRowsWork) {
  const int64_t m = a.size(0), k = a.size(1), n = b.size(1);
  const int64_t work = m * n * k;
  const int threads = at::get_num_threads();
  const bool parallel = threads > 1 && work >= (m == 1 ? kParallelWork : rows_work) && !at::in_parallel_region();
  const bool has_bias = bias.defined();

  if (m == 1) {
    // gemv on blocks of output columns: out[0, j] = beta * bias[0, j] + alpha * b[:, j] . a[0]
    const at::Tensor x = a.select(0, 0);
    auto block = [&](int64_t begin, int64_t end) {
      at::Tensor o = out.select(0, 0).narrow(0, begin, end - begin);
      at::Tensor self = has_bias ? bias.select(0, 0).narrow(0, begin, end - begin) : o;
      at::cpu::addmv_out(o, self, b.narrow(1, begin, end - begin).t(), x, has_bias ? beta : at::Scalar(0.0f),
                         alpha);
    };
    if (parallel) {
      at::parallel_for(0, n, (n + threads - 1) / threads, block);
    } else {
      block(0, n);
    }
    return;
  }
  if (!parallel) {
    if (has_bias) {
      at::cpu::addmm_out(const_cast<at::Tensor&>(out), bias, a, b, beta, alpha);
    } else {
      at::cpu::mm_out(const_cast<at::Tensor&>(out), a, b);
    }
    return;
  }
  // Enough rows: one contiguous block of rows per thread. Few rows: blocks of columns, so that each
  // thread reads only its part of b (the weight) — the case of small batches through a big layer.
  const bool by_rows = m >= 4 * static_cast<int64_t>(threads) && !(wide && n >= 16 * m);
  const int dim = by_rows ? 0 : 1;
  const int64_t extent = by_rows ? m : n;
  at::parallel_for(0, extent, (extent + threads - 1) / threads, [&](int64_t begin, int64_t end) {
    at::Tensor o = out.narrow(dim, begin, end - begin);
    at::Tensor lhs = by_rows ? a.narrow(0, begin, end - begin) : a;
    at::Tensor rhs = by_rows ? b : b.narrow(1, begin, end - begin);
    if (has_bias) {
      at::cpu::addmm_out(o, bias.narrow(dim, begin, end - begin), lhs, rhs, beta, alpha);
    } else {
      at::cpu::mm_out(o, lhs, rhs);
    }
  });
}

// At or above this many multiply-adds (and two rows or more) a Linear's product goes to oneDNN.
// Below it oneDNN's reorders cost more than they gain: 16x128 by 128x128 took 0.07-0.10 ms there
// against 0.02-0.03 ms in OpenBLAS (quiet machine, 1 and 2 threads); 16x512 by 512x512 (2^22) is even,
// 16x1024 by 1024x1024 already 1.5-2x faster in oneDNN.
constexpr int64_t kOneDnnWork = int64_t{1} << 22;

/// b is the transpose of a contiguous [n, k] matrix (how aten::linear passes its weight), a has two
/// rows or more, and there is enough work for oneDNN's reorders to pay.
bool linear_for_onednn(const at::Tensor& a, const at::Tensor& b) {
  const int64_t m = a.size(0), k = a.size(1), n = b.size(1);
  return m >= 2 && m * n * k >= kOneDnnWork && b.stride(0) == 1 && b.stride(1) == k && at::hasMKLDNN();
}

/// a @ b (+ bias, a contiguous [n] vector) by oneDNN's inner product on b's [n, k] weight.
at::Tensor onednn_linear(const at::Tensor& a, const at::Tensor& b, const at::Tensor& bias) {
  std::optional<at::Tensor> opt_bias;
  if (bias.defined()) opt_bias = bias;
  return at::mkldnn_linear(a.contiguous().to_mkldnn(), b.t(), opt_bias).to_dense();
}

bool worth_routing(const at::Tensor& a, const at::Tensor& b) {
  const int64_t m = a.size(0), k = a.size(1), n = b.size(1);
  const int64_t work = m * n * k;
  return (m == 1 && work >= kGemvWork) ||
         (at::get_num_threads() > 1 && work >= (m == 1 ? kParallelWork : kParallelRowsWork)) ||
         linear_for_onednn(a, b);
}

// OpenBLAS's sgemm_, found by soname (core/openblas.h); nullptr when OpenBLAS is not loaded.
using Sgemm = void (*)(const char*, const char*, const int*, const int*, const int*, const float*, const float*,
                       const int*, const float*, const int*, const float*, float*, const int*);

Sgemm openblas_sgemm() {
  static const Sgemm sgemm = detail::openblas_symbol<Sgemm>("sgemm_");
  return sgemm;
}

/// bias is undefined or a contiguous [n] vector: what the sgemm paths below add to every row.
bool row_bias(const at::Tensor& bias, int64_t n) {
  return !bias.defined() || (bias.dim() == 1 && bias.size(0) == n && bias.is_contiguous());
}

/// Fills each of rows rows of out (row stride ld) with bias[0, cols).
void fill_rows(float* out, int64_t ld, const float* bias, int64_t rows, int64_t cols) {
  for (int64_t i = 0; i < rows; ++i) std::copy(bias, bias + cols, out + i * ld);
}

// A Linear's product of two rows or more below the split threshold: x[m,k] @ W[n,k]^T (+ bias[n]) as one
// OpenBLAS sgemm into a fresh output. LibTorch's addmm around the same sgemm (structured-kernel checks, a
// TensorIterator copy of the bias) costs ~2 us a call: 8.7 against 6.6 us at 64x64x64, the products of a
// channel-pruned small BERT. Undefined when the shapes are not a Linear's or OpenBLAS is not loaded.
// (Where OpenBLAS has small-matrix kernels, small_kernel_product below takes these products first.)
at::Tensor small_linear(const at::Tensor& a, const at::Tensor& b, const at::Tensor& bias) {
  const Sgemm sgemm = openblas_sgemm();
  const int64_t m = a.size(0), k = a.size(1), n = b.size(1);
  if (sgemm == nullptr || m < 2 || m * n * k >= kParallelRowsWork || !a.is_contiguous() || b.stride(0) != 1 ||
      b.stride(1) != k || !row_bias(bias, n)) {
    return at::Tensor();
  }
  at::Tensor out = at::empty({m, n}, a.options().memory_format(at::MemoryFormat::Contiguous));
  float* o = out.data_ptr<float>();
  if (bias.defined()) fill_rows(o, n, bias.const_data_ptr<float>(), m, n);
  // Row-major out = a @ w^T is column-major out^T = w^T' a^T': sgemm("T", "N") on w [n,k] and a [m,k].
  const int mi = static_cast<int>(m), ni = static_cast<int>(n), ki = static_cast<int>(k);
  const float one = 1.0f, beta = bias.defined() ? 1.0f : 0.0f;
  sgemm("T", "N", &ni, &mi, &ki, &one, b.const_data_ptr<float>(), &ki, a.const_data_ptr<float>(), &ki, &beta, o, &ni);
  return out;
}

// OpenBLAS's small-matrix kernels. On its SkylakeX-class cores (AVX-512: SkylakeX, Cooperlake, SapphireRapids;
// this VM's AMD EPYC runs as Cooperlake) OpenBLAS 0.3.x computes a product of at most 100^3 multiply-adds without
// packing, but in the NN form only: its permit refuses TN unless C has at most 1200 elements and k >= 32
// (kernel/x86_64/sgemm_small_kernel_permit_skylakex.c). A Linear's x[m,k] @ W[n,k]^T is TN in column-major BLAS
// terms, so it takes the packing path: 6.6 us at 64x64x64 against 4.6 us NN, 14.9 against 9.0 us at 32x128x128
// (one thread, median of 5000). Here such a product runs NN on blocks of output columns, each reading its rows of
// W transposed into scratch by an 8x8 AVX transpose (0.3 us for 64x64); a contiguous [k,n] right side needs no
// copy. With two threads or more, products from kSmallSplitWork share the blocks (2^19 and 2^20 left the pruned
// small BERT's fastest passes 6% and 14% slower).
constexpr int64_t kSmallKernelWork = 100 * 100 * 100;
constexpr int64_t kSmallSplitWork = int64_t{1} << 18;
// At most this many blocks per thread: beyond, the packed kernels of the split and oneDNN paths are ahead.
constexpr int64_t kSmallBlocksPerThread = 2;
constexpr int64_t kSmallKernelMinRows = 32;

/// OpenBLAS is loaded and runs on one of the cores with small-matrix kernels (AVX-512).
bool small_kernels_apply() {
  static const bool yes = [] {
    const auto corename = detail::openblas_symbol<char* (*)()>("openblas_get_corename");
    if (openblas_sgemm() == nullptr || corename == nullptr || !__builtin_cpu_supports("avx")) return false;
    const std::string core = corename();
    return core == "SkylakeX" || core == "Cooperlake" || core == "SapphireRapids";
  }();
  return yes;
}

/// dst[j * ldd + i] = src[i * lds + j] for i < rows, j < cols: 8x8 tiles in AVX registers.
__attribute__((target("avx"))) void transpose_avx(const float* src, int64_t lds, float* dst, int64_t ldd,
                                                  int64_t rows, int64_t cols) {
  const int64_t rows8 = rows / 8 * 8, cols8 = cols / 8 * 8;
  for (int64_t i0 = 0; i0 < rows8; i0 += 8) {
    for (int64_t j0 = 0; j0 < cols8; j0 += 8) {
      const float* s = src + i0 * lds + j0;
      float* d = dst + j0 * ldd + i0;
      __m256 r0 = _mm256_loadu_ps(s), r1 = _mm256_loadu_ps(s + lds), r2 = _mm256_loadu_ps(s + 2 * lds),
             r3 = _mm256_loadu_ps(s + 3 * lds), r4 = _mm256_loadu_ps(s + 4 * lds), r5 = _mm256_loadu_ps(s + 5 * lds),
             r6 = _mm256_loadu_ps(s + 6 * lds), r7 = _mm256_loadu_ps(s + 7 * lds);
      __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1), t2 = _mm256_unpacklo_ps(r2, r3),
             t3 = _mm256_unpackhi_ps(r2, r3), t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5),
             t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
      __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE),
             u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE),
             u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE),
             u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
      _mm256_storeu_ps(d, _mm256_permute2f128_ps(u0, u4, 0x20));
      _mm256_storeu_ps(d + ldd, _mm256_permute2f128_ps(u1, u5, 0x20));
      _mm256_storeu_ps(d + 2 * ldd, _mm256_permute2f128_ps(u2, u6, 0x20));
      _mm256_storeu_ps(d + 3 * ldd, _mm256_permute2f128_ps(u3, u7, 0x20));
      _mm256_storeu_ps(d + 4 * ldd, _mm256_permute2f128_ps(u0, u4, 0x31));
      _mm256_storeu_ps(d + 5 * ldd, _mm256_permute2f128_ps(u1, u5, 0x31));
      _mm256_storeu_ps(d + 6 * ldd, _mm256_permute2f128_ps(u2, u6, 0x31));
      _mm256_storeu_ps(d + 7 * ldd, _mm256_permute2f128_ps(u3, u7, 0x31));
    }
  }
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = i < rows8 ? cols8 : 0; j < cols; ++j) dst[j * ldd + i] = src[i * lds + j];
  }
}

/// a[m,k] @ b (+ bias[n]) by OpenBLAS's small-matrix NN kernels on blocks of output columns, where b is a Linear's
/// weight transposed (W[n,k].t()) or a contiguous [k,n] matrix and a is contiguous. Undefined when the product does
/// not fit in at most kSmallBlocksPerThread blocks of at most kSmallKernelWork per thread, or is one row.
at::Tensor small_kernel_product(const at::Tensor& a, const at::Tensor& b, const at::Tensor& bias) {
  if (!small_kernels_apply()) return at::Tensor();
  const int64_t m = a.size(0), k = a.size(1), n = b.size(1);
  const bool weight = b.stride(0) == 1 && b.stride(1) == k;  // W.t(): needs the transposed copy
  const bool plain = b.stride(1) == 1 && b.stride(0) == n;
  // The transposed copy reads the whole weight once more: below kSmallKernelMinRows rows it costs more than it gains
  // (2-16 rows of 64x64 ran 5-30% slower).
  if (m < (weight ? kSmallKernelMinRows : 2) || !a.is_contiguous() || !(weight || plain) || !row_bias(bias, n) ||
      std::max({m, n, k}) > std::numeric_limits<int>::max()) {
    return at::Tensor();
  }
  const int64_t work = m * n * k;
  const int64_t threads = at::get_num_threads();
  const bool parallel = threads > 1 && work >= kSmallSplitWork && !at::in_parallel_region();
  const int64_t workers = parallel ? threads : 1;
  // Fewest blocks within OpenBLAS's bound, at least one per worker; columns in multiples of 8 (whole AVX tiles).
  int64_t blocks = std::max((work + kSmallKernelWork - 1) / kSmallKernelWork, workers);
  blocks = (blocks + workers - 1) / workers * workers;
  int64_t cols = ((n + blocks - 1) / blocks + 7) / 8 * 8;
  while (cols > 8 && m * cols * k > kSmallKernelWork) cols -= 8;
  blocks = (n + cols - 1) / cols;
  if (m * cols * k > kSmallKernelWork || blocks > kSmallBlocksPerThread * workers) return at::Tensor();

  at::Tensor out = at::empty({m, n}, a.options().memory_format(at::MemoryFormat::Contiguous));
  at::Tensor scratch = weight ? at::empty({blocks, k * cols}, a.options()) : at::Tensor();
  const Sgemm sgemm = openblas_sgemm();
  const float* x = a.const_data_ptr<float>();
  const float* w = b.const_data_ptr<float>();
  const float* c = bias.defined() ? bias.const_data_ptr<float>() : nullptr;
  float* o = out.data_ptr<float>();
  float* wt = weight ? scratch.data_ptr<float>() : nullptr;
  auto block = [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const int64_t c0 = i * cols, nc = std::min(cols, n - c0);
      if (c != nullptr) fill_rows(o + c0, n, c + c0, m, nc);
      // Column-major: out[:, c0:c0+nc]^T (nc x m, ld n) = B^T (nc x k) @ a^T (k x m, ld k), with B^T the block's
      // rows of W transposed into scratch (ld nc), or the block's columns of the [k,n] matrix (ld n).
      const float* lhs = w + c0;
      int ld = static_cast<int>(n);
      if (weight) {
        float* t = wt + i * k * cols;
        transpose_avx(w + c0 * k, k, t, nc, nc, k);
        lhs = t;
        ld = static_cast<int>(nc);
      }
      const int mi = static_cast<int>(m), nci = static_cast<int>(nc), ki = static_cast<int>(k), ni = static_cast<int>(n);
      const float one = 1.0f, beta = c != nullptr ? 1.0f : 0.0f;
      sgemm("N", "N", &nci, &mi, &ki, &one, lhs, &ld, x, &ki, &beta, o + c0, &ni);
    }
  };
  if (parallel) {
    at::parallel_for(0, blocks, 1, block);
  } else {
    block(0, blocks);
  }
  return out;
}

/// a @ b (+ bias) by small_kernel_product, else small_linear; undefined when neither takes it (small_linear refuses
/// every product worth_routing sends to gemv, the split or oneDNN).
at::Tensor small_product(const at::Tensor& a, const at::Tensor& b, const at::Tensor& bias) {
  at::Tensor out = small_kernel_product(a, b, bias);
  return out.defined() ? out : small_linear(a, b, bias);
}

at::Tensor addmm_kernel(const at::Tensor& self, const at::Tensor& a, const at::Tensor& b, const at::Scalar& beta,
                        const at::Scalar& alpha) {
  if (routable(a, b) && is_dense_float(self) && beta.equal(1) && alpha.equal(1)) {
    at::Tensor out = small_product(a, b, self);
    if (out.defined()) return out;
  }
  if (!routable(a, b) || !is_dense_float(self) || !worth_routing(a, b) ||
      !at::is_expandable_to(self.sizes(), {a.size(0), b.size(1)})) {
    return at::cpu::addmm(self, a, b, beta, alpha);
  }
  if (linear_for_onednn(a, b) && self.dim() == 1 && self.size(0) == b.size(1) && self.is_contiguous() &&
      beta.equal(1) && alpha.equal(1)) {
    return onednn_linear(a, b, self);
  }
  at::Tensor out = at::empty({a.size(0), b.size(1)}, a.options().memory_format(at::MemoryFormat::Contiguous));
  product(out, self.expand({a.size(0), b.size(1)}), a, b, beta, alpha);
  return out;
}

at::Tensor mm_kernel(const at::Tensor& a, const at::Tensor& b) {
  if (routable(a, b)) {
    at::Tensor out = small_product(a, b, at::Tensor());
    if (out.defined()) return out;
  }
  if (!routable(a, b) || !worth_routing(a, b)) return at::cpu::mm(a, b);
  if (linear_for_onednn(a, b)) return onednn_linear(a, b, at::Tensor());
  at::Tensor out = at::empty({a.size(0), b.size(1)}, a.options().memory_format(at::MemoryFormat::Contiguous));
  product(out, at::Tensor(), a, b, at::Scalar(0.0f), at::Scalar(1.0f));
  return out;
}

// out[Cout, HW] = W[Cout, Cin] @ x[Cin, HW] (+ bias) for a batch-1 1x1 convolution (the caller
// checked kernel, stride and padding): through the split above, by blocks of columns (pixels) when
// there are many more pixels than output channels. Undefined when the tensors do not fit, or when
// the product is below min_work multiply-adds.
at::Tensor pointwise_product(const at::Tensor& self, const at::Tensor& weight, const std::optional<at::Tensor>& bias,
                             int64_t min_work) {
  const bool has_bias = bias.has_value() && bias->defined();
  if (!(is_dense_float(self) && is_dense_float(weight) && self.dim() == 4 && self.size(0) == 1 &&
        weight.dim() == 4 && weight.size(1) == self.size(1) && self.is_contiguous() && weight.is_contiguous() &&
        (!has_bias || (is_dense_float(*bias) && bias->dim() == 1 && bias->size(0) == weight.size(0))))) {
    return at::Tensor();
  }
  const int64_t cout = weight.size(0), cin = self.size(1), h = self.size(2), w = self.size(3);
  if (cout * cin * h * w < min_work) return at::Tensor();
  at::Tensor out = at::empty({1, cout, h, w}, self.options().memory_format(at::MemoryFormat::Contiguous));
  at::Tensor o = out.view({cout, h * w});
  at::Tensor b = has_bias ? bias->view({cout, 1}).expand({cout, h * w}) : at::Tensor();
  product(o, b, weight.view({cout, cin}), self.view({cin, h * w}), at::Scalar(has_bias ? 1.0f : 0.0f),
          at::Scalar(1.0f), /*wide=*/true, kParallelWork);
  return out;
}

// A batch-1 1x1 convolution (stride 1, no padding) whose input is too small for LibTorch to send to
// oneDNN (at most 20,480 elements, ConvParams::use_mkldnn) runs as LibTorch's "slow" conv2d: one
// single-threaded OpenBLAS GEMM, out[Cout, HW] = W[Cout, Cin] @ x[Cin, HW]. Channel pruning makes
// more of a network's 1x1 convs that small (MobileNetV2's late stages), so this product goes to the
// split above when it is large enough to share. Everything else is LibTorch's own kernel.
at::Tensor slow_conv2d_kernel(const at::Tensor& self, const at::Tensor& weight, c10::SymIntArrayRef kernel_size,
                              const std::optional<at::Tensor>& bias, c10::SymIntArrayRef stride,
                              c10::SymIntArrayRef padding) {
  const bool pointwise = pair_is(kernel_size, 1) && pair_is(stride, 1) && pair_is(padding, 0);
  if (pointwise && at::get_num_threads() > 1 && !at::in_parallel_region()) {
    at::Tensor out = pointwise_product(self, weight, bias, kParallelWork);
    if (out.defined()) return out;
  }
  return at::cpu::_slow_conv2d_forward_symint(self, weight, kernel_size, bias, stride, padding);
}

// LibTorch runs every CPU depthwise convolution, and at two threads or more every 1x1 convolution
// whose input has more than 20,480 elements, as aten::mkldnn_convolution (oneDNN). A batch-1 3x3
// depthwise one (padding 1, stride 1 or 2) runs the direct kernel instead, and a batch-1 1x1 one
// (stride 1, no padding, NCHW) the product above; everything else is oneDNN as before.
at::Tensor mkldnn_convolution_kernel(const at::Tensor& self, const at::Tensor& weight,
                                     const std::optional<at::Tensor>& bias, c10::SymIntArrayRef padding,
                                     c10::SymIntArrayRef stride, c10::SymIntArrayRef dilation, c10::SymInt groups) {
  if (detail::direct_depthwise_applies(self, weight, bias, padding, stride, dilation, groups)) {
    return detail::direct_depthwise(self, weight, bias.has_value() ? *bias : at::Tensor(), stride[0].expect_int());
  }
  if (groups == 1 && weight.dim() == 4 && weight.size(2) == 1 && weight.size(3) == 1 && pair_is(stride, 1) &&
      pair_is(padding, 0) && pair_is(dilation, 1) && !at::in_parallel_region()) {
    at::Tensor out = pointwise_product(self, weight, bias, 0);
    if (out.defined()) return out;
  }
  return at::compositeexplicitautograd::mkldnn_convolution_symint(self, weight, bias, padding, stride, dilation,
                                                                  std::move(groups));
}

// x.index_select(dim, index) of a contiguous float tensor: how a channel-pruned model reads the kept features of
// its input (last dim, structural/prune.cpp), and how aten::embedding reads a table's rows (dim 0). LibTorch
// gathers the last dim element by element through TensorIterator: 10 us for 64 x 128 -> 64 x 64 (C++, 2 threads,
// median of 5000), about 3% of the pruned 128-wide encoder's forward, against 4.7 us for this copy loop per row
// (both through the dispatcher); 64 rows of a [1000, 64] table took 3.3-3.8 us there. Here each selected slice
// (one element for the last dim, a row of the trailing dims otherwise) is copied; other dtypes, layouts, index
// types and large outputs are LibTorch's kernel.
constexpr int64_t kGatherMaxOutput = int64_t{1} << 20;
// Slices of more than one element are what LibTorch copies by memcpy too, over the threads from 32,768 elements:
// above this output size, its kernel.
constexpr int64_t kGatherMaxSliceOutput = int64_t{1} << 16;

at::Tensor index_select_kernel(const at::Tensor& self, int64_t dim, const at::Tensor& index) {
  const int64_t rank = self.dim();
  const int64_t d = dim < 0 ? dim + rank : dim;
  if (!(is_dense_float(self) && rank >= 1 && d >= 0 && d < rank && self.is_contiguous() && index.defined() &&
        index.device().is_cpu() && index.scalar_type() == at::kLong && index.dim() == 1 && index.is_contiguous())) {
    return at::cpu::index_select(self, dim, index);
  }
  const int64_t n = self.size(d), k = index.numel();
  int64_t inner = 1;
  for (int64_t i = d + 1; i < rank; ++i) inner *= self.size(i);
  if (n == 0 || inner == 0) return at::cpu::index_select(self, dim, index);
  const int64_t outer = self.numel() / (n * inner);
  if (outer * k * inner > (inner == 1 ? kGatherMaxOutput : kGatherMaxSliceOutput)) {
    return at::cpu::index_select(self, dim, index);
  }
  const int64_t* idx = index.data_ptr<int64_t>();
  for (int64_t j = 0; j < k; ++j) {
    TORCH_CHECK_INDEX(idx[j] >= 0 && idx[j] < n, "index out of range in self");
  }
  std::vector<int64_t> sizes = self.sizes().vec();
  sizes[d] = k;
  at::Tensor out = at::empty(sizes, self.options().memory_format(at::MemoryFormat::Contiguous));
  const float* x = self.const_data_ptr<float>();
  float* y = out.data_ptr<float>();
  for (int64_t o = 0; o < outer; ++o) {
    const float* xo = x + o * n * inner;
    float* yo = y + o * k * inner;
    if (inner == 1) {
      for (int64_t j = 0; j < k; ++j) yo[j] = xo[idx[j]];
    } else {
      for (int64_t j = 0; j < k; ++j) std::copy(xo + idx[j] * inner, xo + (idx[j] + 1) * inner, yo + j * inner);
    }
  }
  return out;
}

// aten::gelu (erf form) of a contiguous float tensor up to 8,192 elements runs the AVX2 loop of gelu.cpp instead
// of oneDNN's primitive and its ~7 us fixed cost a call; the tanh form and everything else are LibTorch's.
at::Tensor gelu_kernel(const at::Tensor& self, c10::string_view approximate) {
  if (approximate == "none" && detail::gelu_applies(self)) return detail::gelu(self);
  return at::cpu::gelu(self, approximate);
}

// aten::native_layer_norm (what LayerNorm and F.layer_norm call) of a contiguous float input of at most 65,536
// elements runs the single-threaded AVX2 rows of layer_norm.cpp instead of LibTorch's row-split kernel.
std::tuple<at::Tensor, at::Tensor, at::Tensor> native_layer_norm_kernel(const at::Tensor& input,
                                                                        c10::SymIntArrayRef normalized_shape,
                                                                        const std::optional<at::Tensor>& weight,
                                                                        const std::optional<at::Tensor>& bias,
                                                                        double eps) {
  if (detail::layer_norm_applies(input, normalized_shape, weight, bias)) {
    return detail::layer_norm(input, normalized_shape, weight, bias, eps);
  }
  return at::cpu::native_layer_norm_symint(input, normalized_shape, weight, bias, eps);
}

// LibTorch warns once when a kernel replaces another at the same key; that replacement is the point here.
class QuietOverride : public c10::WarningHandler {
 public:
  void process(const c10::Warning& warning) override {
    if (warning.msg().find("Overriding a previously registered kernel") == std::string::npos) {
      previous_->process(warning);
    }
  }
  explicit QuietOverride(c10::WarningHandler* previous) : previous_(previous) {}

 private:
  c10::WarningHandler* previous_;
};

std::mutex registration_mutex;
std::unique_ptr<torch::Library> registration;

}  // namespace

bool set_parallel_gemm(bool enabled) {
  TS_API_BEGIN
  std::lock_guard<std::mutex> lock(registration_mutex);
  const bool was = registration != nullptr;
  if (enabled && !was) {
    QuietOverride quiet(c10::WarningUtils::get_warning_handler());
    c10::WarningUtils::WarningHandlerGuard guard(&quiet);
    auto library = std::make_unique<torch::Library>(torch::Library::IMPL, "aten", c10::DispatchKey::CPU,
                                                    __FILE__, __LINE__);
    library->impl("addmm", TORCH_FN(addmm_kernel));
    library->impl("mm", TORCH_FN(mm_kernel));
    library->impl("_slow_conv2d_forward", TORCH_FN(slow_conv2d_kernel));
    library->impl("mkldnn_convolution", TORCH_FN(mkldnn_convolution_kernel));
    library->impl("index_select", TORCH_FN(index_select_kernel));
    library->impl("native_layer_norm", TORCH_FN(native_layer_norm_kernel));
    library->impl("gelu", TORCH_FN(gelu_kernel));
    registration = std::move(library);
  } else if (!enabled && was) {
    registration.reset();
  }
  return was;
  TS_API_END
}

bool parallel_gemm() {
  std::lock_guard<std::mutex> lock(registration_mutex);
  return registration != nullptr;
}

}  // namespace torchslim
