// Argument checks shared by TorchSlim's CPU kernel routing (parallel_gemm.cpp) and the kernels it
// calls (depthwise_conv.cpp, layer_norm.cpp, gelu.cpp).
#pragma once

#include <cstdint>

#include <ATen/core/Tensor.h>
#include <c10/core/SymIntArrayRef.h>

namespace torchslim {
namespace detail {

/// A strided CPU float tensor without lazy conjugate or negative bits.
inline bool is_dense_float(const at::Tensor& t) {
  return t.defined() && t.layout() == at::kStrided && t.scalar_type() == at::kFloat && t.device().is_cpu() &&
         !t.is_conj() && !t.is_neg();
}

/// The CPU runs AVX2 and FMA (the vector loops of layer_norm.cpp and gelu.cpp).
inline bool cpu_has_avx2_fma() {
  static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return yes;
}

/// A two-element size argument (stride, padding, ...) with both elements equal to a.
inline bool pair_is(c10::SymIntArrayRef v, int64_t a) {
  return v.size() == 2 && v[0] == a && v[1] == a;
}

}  // namespace detail
}  // namespace torchslim
