// LayerNorm of small contiguous CPU float tensors in AVX2 registers, on one thread (used by the CPU kernel
// routing in parallel_gemm.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <tuple>

#include <ATen/core/Tensor.h>
#include <c10/core/SymIntArrayRef.h>

namespace torchslim {
namespace detail {

/// True for what layer_norm computes: a contiguous float input of at most 65,536 elements whose trailing dims are
/// normalized_shape, weight and bias each absent or a contiguous float tensor of normalized_shape's element count,
/// on a CPU with AVX2 and FMA.
bool layer_norm_applies(const at::Tensor& input, c10::SymIntArrayRef normalized_shape,
                        const std::optional<at::Tensor>& weight, const std::optional<at::Tensor>& bias);

/// aten::native_layer_norm's (output, mean, rstd): mean and rstd shaped as input with normalized dims of size 1,
/// rstd = 1 / sqrt(biased variance + eps), output = (x * rstd - mean * rstd) * weight + bias as LibTorch's kernel
/// forms it.
std::tuple<at::Tensor, at::Tensor, at::Tensor> layer_norm(const at::Tensor& input, c10::SymIntArrayRef normalized_shape,
                                                          const std::optional<at::Tensor>& weight,
                                                          const std::optional<at::Tensor>& bias, double eps);

}  // namespace detail
}  // namespace torchslim
