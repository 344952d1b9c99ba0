// Low-rank factorization: truncated SVD (exact, or randomized after Halko, Martinsson and Tropp
// for large matrices) and Linear -> two Linears as a rewrite of any TorchScript model. Every
// result is a plain TorchScript module Python's torch.jit.load runs.
// Every function translates LibTorch errors to torchslim::Error.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "torchslim/graph.h"

namespace torchslim {

/// Truncated SVD of a 2-D floating matrix a (m x n): {u [m, rank], s [rank], vh [rank, n]} with
/// a ~= u diag(s) vh. method: "exact" (LAPACK, then truncated), "randomized" (a Gaussian sketch of
/// rank + oversample columns, power_iterations passes of subspace iteration, seeded), or "auto"
/// (randomized when min(m, n) >= 1024 and rank + oversample <= min(m, n) / 4, else exact).
std::vector<at::Tensor> truncated_svd(const at::Tensor& a, int64_t rank, const std::string& method,
                                      int64_t power_iterations, int64_t oversample, int64_t seed);

/// One "name<TAB>out_features<TAB>in_features<TAB>class" line per torch.nn.Linear submodule with a
/// 2-D floating weight, in module order. Linears of one class share their TorchScript code (scripted
/// modules of one configuration do): they are factorized together or not at all.
std::string linear_layers(const ScriptModel& model);

/// The singular values of the named Linear's weight, largest first (float32).
at::Tensor linear_singular_values(const ScriptModel& model, const std::string& name);

/// out = a copy of model where each Linear named in plan ("fc1:32,encoder.linear1:8") computes
/// linear(linear(x, weight_v), weight_u, bias) with weight_v = sqrt(S) Vh [rank, in] and
/// weight_u = U sqrt(S) [out, rank] from the truncated SVD of its weight (method etc. as in
/// truncated_svd); the dense weight is gone. Code elsewhere that reads the weight gets weight_u @ weight_v.
void factorize_linear(ScriptModel& out, const ScriptModel& model, const std::string& plan, const std::string& method,
                      int64_t power_iterations, int64_t seed);

}  // namespace torchslim
