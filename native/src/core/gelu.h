// GELU (erf form) of contiguous CPU float tensors in AVX2 registers (used by the CPU kernel routing in
// parallel_gemm.cpp).
#pragma once

#include <ATen/core/Tensor.h>

namespace torchslim {
namespace detail {

/// True when gelu computes x: a contiguous float CPU tensor of at most 8,192 elements (beyond, oneDNN's primitive
/// is as fast), on a CPU with AVX2 and FMA.
bool gelu_applies(const at::Tensor& x);

/// 0.5 x (1 + erf(x / sqrt 2)) as x (1 - erfc(z) / 2) for x >= 0 and x erfc(|z|) / 2 below (z = x / sqrt 2), erfc
/// within 1.2e-7 relative error; from 4,096 elements over LibTorch's threads. GELU(+inf) = +inf; GELU(-inf) and
/// GELU(NaN) are NaN.
at::Tensor gelu(const at::Tensor& x);

}  // namespace detail
}  // namespace torchslim
