// Low-rank factorization: truncated SVD (exact, or randomized after Halko, Martinsson and Tropp
// for large matrices), Linear -> two Linears and Conv2d -> spatial SVD or Tucker-2 convolutions, as
// rewrites of any TorchScript model. Every result is a plain TorchScript module Python's torch.jit.load runs.
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

/// One line per torch.nn.Conv2d submodule with a 4-D floating weight, in module order:
/// "name<TAB>out<TAB>in<TAB>kh<TAB>kw<TAB>stride_h<TAB>stride_w<TAB>pad_h<TAB>pad_w<TAB>dil_h<TAB>dil_w<TAB>groups
/// <TAB>class<TAB>problem", geometry as its forward's convolution computes it; problem is empty when
/// the layer can be factorized, else why not (groups > 1, transposed, padding_mode, padding='same',
/// its weight read elsewhere, ...).
std::string conv_layers(const ScriptModel& model);

/// The singular values (float32, largest first) a conv factorization truncates: kind "spatial":
/// {s of W as the (Cin*kh) x (Cout*kw) matrix}; kind "tucker": {s of the mode-1 unfolding (Cin rows),
/// s of the mode-0 unfolding (Cout rows)}.
std::vector<at::Tensor> conv_spectra(const at::Tensor& weight, const std::string& kind);

/// The dense weight [Cout, Cin, kh, kw] the factors of a conv factorization compute (spatial: rank
/// rank_in; tucker: rank_in on the input side, rank_out on the output side). Both are orthogonal
/// projections of the weight.
at::Tensor conv_approximation(const at::Tensor& weight, const std::string& kind, int64_t rank_in, int64_t rank_out,
                              const std::string& method, int64_t power_iterations, int64_t seed);

/// out = a copy of model where each Conv2d named in plan ("conv1:8:8,layer1.0.conv2:4:6", name:rank_in:rank_out)
/// is factorized: kind "spatial" -> conv kh x 1 (Cin -> rank_in; vertical stride, padding, dilation) over
/// weight_vertical, then conv 1 x kw (rank_in -> Cout; horizontal ones, the bias) over weight_horizontal;
/// kind "tucker" -> conv 1x1 (Cin -> rank_in, weight_in), the kh x kw core (rank_in -> rank_out, the original
/// stride, padding and dilation, weight_core), conv 1x1 (rank_out -> Cout, the bias, weight_out), by HOSVD.
/// The dense weight is gone. Conv2d modules of one TorchScript class are factorized together or not at all.
void factorize_conv(ScriptModel& out, const ScriptModel& model, const std::string& kind, const std::string& plan,
                    const std::string& method, int64_t power_iterations, int64_t seed);

}  // namespace torchslim
