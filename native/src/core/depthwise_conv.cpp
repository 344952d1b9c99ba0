// Batch-1 3x3 depthwise convolution, computed directly on NCHW planes.
//
// LibTorch sends every CPU depthwise convolution to oneDNN, which at batch 1 reorders the input to a
// blocked layout and the output back, and sets up the primitive, on every call: ~60-100 us per call
// whatever the size (a 7x7 plane of 960 channels and a 1x1 plane of 3 alike), which is most of the
// cost of the small late-stage layers of MobileNetV2 and EfficientNet and does not shrink when
// channel pruning halves them. This kernel reads the NCHW planes in place: per output row, the three
// input rows it needs (a row of zeros above and below the image), the interior columns in one
// loop the compiler vectorizes (AVX2 + FMA where the CPU has them, chosen at load time), the edge
// columns with bounds checks. Channels are split over LibTorch's threads. (A generic KxK version of the
// same loops ran 5x5 planes at half oneDNN's speed, so 5x5 stays with oneDNN.)
#include "core/depthwise_conv.h"

#include <algorithm>
#include <vector>

#include <ATen/Parallel.h>
#include <ATen/ops/empty.h>

#include "core/routing.h"

namespace torchslim {
namespace detail {
namespace {

// Each thread's share of one call: at least this many multiply-adds, or the call stays on one thread.
constexpr int64_t kDepthwiseGrainWork = int64_t{1} << 15;

struct Taps {
  float w0, w1, w2, w3, w4, w5, w6, w7, w8, b;
};

inline float at_or_zero(const float* row, int64_t i, int64_t width) {
  return i >= 0 && i < width ? row[i] : 0.0f;
}

// One output plane of a 3x3 depthwise conv, padding 1, stride S. Rows above and below the image read
// `zero` (width floats of 0); the edge columns are bounds-checked.
template <int S>
__attribute__((always_inline)) inline void plane_body(float* __restrict out, const float* __restrict in,
                                                      const Taps& t, int64_t height, int64_t width,
                                                      int64_t out_height, int64_t out_width,
                                                      const float* __restrict zero) {
  // Interior columns read no padding: ow * S - 1 >= 0 and ow * S + 1 <= width - 1.
  const int64_t interior_end = width >= 2 ? std::min(out_width, (width - 2) / S + 1) : 1;
  for (int64_t oh = 0; oh < out_height; oh++) {
    const int64_t ih = oh * S - 1;
    const float* __restrict r0 = ih >= 0 ? in + ih * width : zero;
    const float* __restrict r1 = in + (ih + 1) * width;
    const float* __restrict r2 = ih + 2 < height ? in + (ih + 2) * width : zero;
    float* __restrict o = out + oh * out_width;
    auto edge = [&](int64_t ow) {
      const int64_t i = ow * S - 1;
      o[ow] = t.b + t.w0 * at_or_zero(r0, i, width) + t.w1 * at_or_zero(r0, i + 1, width) +
              t.w2 * at_or_zero(r0, i + 2, width) + t.w3 * at_or_zero(r1, i, width) +
              t.w4 * at_or_zero(r1, i + 1, width) + t.w5 * at_or_zero(r1, i + 2, width) +
              t.w6 * at_or_zero(r2, i, width) + t.w7 * at_or_zero(r2, i + 1, width) +
              t.w8 * at_or_zero(r2, i + 2, width);
    };
    edge(0);
    for (int64_t ow = 1; ow < interior_end; ow++) {
      const int64_t i = ow * S - 1;
      o[ow] = t.b + t.w0 * r0[i] + t.w1 * r0[i + 1] + t.w2 * r0[i + 2] + t.w3 * r1[i] + t.w4 * r1[i + 1] +
              t.w5 * r1[i + 2] + t.w6 * r2[i] + t.w7 * r2[i + 1] + t.w8 * r2[i + 2];
    }
    for (int64_t ow = interior_end; ow < out_width; ow++) edge(ow);
  }
}

__attribute__((target_clones("arch=haswell", "default"))) void plane_stride1(
    float* out, const float* in, const Taps& t, int64_t height, int64_t width, int64_t out_height,
    int64_t out_width, const float* zero) {
  plane_body<1>(out, in, t, height, width, out_height, out_width, zero);
}

__attribute__((target_clones("arch=haswell", "default"))) void plane_stride2(
    float* out, const float* in, const Taps& t, int64_t height, int64_t width, int64_t out_height,
    int64_t out_width, const float* zero) {
  plane_body<2>(out, in, t, height, width, out_height, out_width, zero);
}

bool is_contiguous_float(const at::Tensor& t) {
  return is_dense_float(t) && t.is_contiguous();
}

}  // namespace

bool direct_depthwise_applies(const at::Tensor& input, const at::Tensor& weight, const std::optional<at::Tensor>& bias,
                              c10::SymIntArrayRef padding, c10::SymIntArrayRef stride, c10::SymIntArrayRef dilation,
                              const c10::SymInt& groups) {
  if (!is_contiguous_float(input) || !is_contiguous_float(weight) || input.dim() != 4 || weight.dim() != 4) return false;
  const int64_t channels = input.size(1);
  if (input.size(0) != 1 || channels < 1 || input.size(2) < 1 || input.size(3) < 1) return false;
  if (groups != channels || weight.size(0) != channels || weight.size(1) != 1 || weight.size(2) != 3 ||
      weight.size(3) != 3) {
    return false;
  }
  if (!pair_is(padding, 1) || !pair_is(dilation, 1) || !(pair_is(stride, 1) || pair_is(stride, 2))) return false;
  if (bias.has_value() && bias->defined() &&
      (!is_contiguous_float(*bias) || bias->dim() != 1 || bias->size(0) != channels)) {
    return false;
  }
  return true;
}

at::Tensor direct_depthwise(const at::Tensor& input, const at::Tensor& weight, const at::Tensor& bias,
                            int64_t stride) {
  const int64_t channels = input.size(1), height = input.size(2), width = input.size(3);
  const int64_t out_height = (height - 1) / stride + 1, out_width = (width - 1) / stride + 1;
  at::Tensor out = at::empty({1, channels, out_height, out_width}, input.options());
  const float* in = input.const_data_ptr<float>();
  const float* w = weight.const_data_ptr<float>();
  const float* b = bias.defined() ? bias.const_data_ptr<float>() : nullptr;
  float* o = out.mutable_data_ptr<float>();
  const int64_t grain = std::max<int64_t>(1, kDepthwiseGrainWork / (out_height * out_width * 9));
  at::parallel_for(0, channels, grain, [&](int64_t begin, int64_t end) {
    const std::vector<float> zero(static_cast<size_t>(width), 0.0f);
    for (int64_t c = begin; c < end; c++) {
      const float* k = w + c * 9;
      const Taps t{k[0], k[1], k[2], k[3], k[4], k[5], k[6], k[7], k[8], b ? b[c] : 0.0f};
      (stride == 1 ? plane_stride1 : plane_stride2)(o + c * out_height * out_width, in + c * height * width, t,
                                                    height, width, out_height, out_width, zero.data());
    }
  });
  return out;
}

}  // namespace detail
}  // namespace torchslim
