// A direct 3x3 depthwise convolution for batch-1 NCHW inputs (used by the CPU kernel routing in
// parallel_gemm.cpp).
#pragma once

#include <cstdint>
#include <optional>

#include <ATen/core/Tensor.h>
#include <c10/core/SymIntArrayRef.h>

namespace torchslim {
namespace detail {

/// True for what direct_depthwise computes: one contiguous float NCHW image, a [C, 1, 3, 3] weight
/// with groups = C, padding 1, dilation 1, stride 1 or 2 (both dimensions alike), an optional [C]
/// bias.
bool direct_depthwise_applies(const at::Tensor& input, const at::Tensor& weight, const std::optional<at::Tensor>& bias,
                              c10::SymIntArrayRef padding, c10::SymIntArrayRef stride, c10::SymIntArrayRef dilation,
                              const c10::SymInt& groups);

/// The convolution itself, channels split over LibTorch's threads; bias may be undefined.
at::Tensor direct_depthwise(const at::Tensor& input, const at::Tensor& weight, const at::Tensor& bias, int64_t stride);

}  // namespace detail
}  // namespace torchslim
