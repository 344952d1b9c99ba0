// Launchers of TorchSlim's CUDA kernels: plain pointers, element counts and a stream.
#pragma once

#include <cstdint>

#include <cuda_runtime_api.h>

namespace torchslim::kernels {

/// weight[i] *= mask[i] for i < n.
cudaError_t apply_mask_f32(float* weight, const float* mask, int64_t n, cudaStream_t stream);

/// weight[i] = mask[i] ? weight[i] : 0 for i < n.
cudaError_t apply_mask_bool(float* weight, const bool* mask, int64_t n, cudaStream_t stream);

}  // namespace torchslim::kernels
