// Core entry points: versions, parameter statistics, parameter copies.
// Every function here translates LibTorch errors to torchslim::Error (message without backtrace).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include <torch/nn/module.h>

namespace torchslim {

/// TorchSlim's own version.
std::string version();

/// The LibTorch version these natives were compiled against, "major.minor.patch".
std::string torch_version();

/// True when this library was built with CUDA kernels (-Pgpu).
bool built_with_cuda();

/// Number of elements over all parameters (recursively).
int64_t count_parameters(torch::nn::Module& module);

/// Number of non-zero elements over all parameters (recursively).
int64_t count_nonzero_parameters(torch::nn::Module& module);

/// Bytes held by all parameters and buffers (recursively), at their current dtypes.
int64_t state_bytes(torch::nn::Module& module);

/// Copies every parameter and buffer of source into the same-named one of destination.
/// Both must have the same names and shapes; otherwise throws and leaves destination as it was.
void copy_state(torch::nn::Module& destination, torch::nn::Module& source);

/// Sets the intra-op thread count of LibTorch (at::set_num_threads).
void set_num_threads(int threads);

/// Intra-op thread count of LibTorch.
int num_threads();

/// Sets the thread count of the OpenBLAS that LibTorch uses for fp32 GEMMs, when it is
/// OpenBLAS (bytedeco's CPU builds). Returns false when no OpenBLAS is loaded (MKL builds).
bool set_blas_threads(int threads);

/// OpenBLAS's thread count, or -1 when no OpenBLAS is loaded.
int blas_threads();

/// Routes CPU fp32 aten::addmm / aten::mm (Linear, matmul, their gradients) through TorchSlim's
/// kernels (native/src/core/parallel_gemm.cpp): one row goes to gemv, large products are split over
/// LibTorch's intra-op threads, each block computed by LibTorch's own CPU kernel. false restores
/// LibTorch's kernels. Returns whether it was on before.
bool set_parallel_gemm(bool enabled);

/// Whether TorchSlim's fp32 GEMM routing is on.
bool parallel_gemm();

/// How many of LibTorch's threads one at::parallel_for of this library's own code runs on (over 64
/// items): at::parallel_for is a header template, parallel only when compiled with OpenMP as
/// LibTorch is, so this checks the build (1 without -fopenmp, whatever at::set_num_threads says).
int parallel_for_width();

/// Reads tensors saved by Python's torch.save: a dict of tensors (names sorted), a tuple/list of
/// tensors (names "0", "1", ...) or one tensor (name ""); names come back in names_out.
/// Throws naming the file when it is not a torch.save file or holds anything else.
std::vector<at::Tensor> load_tensors(const std::string& path, std::vector<std::string>& names_out);

}  // namespace torchslim
