#include "kernels.h"

namespace torchslim::kernels {
namespace {

constexpr int kThreads = 256;

int blocks_for(int64_t n) {
  int64_t blocks = (n + kThreads - 1) / kThreads;
  return static_cast<int>(blocks < 65535 * 16 ? blocks : 65535 * 16);
}

__global__ void apply_mask_f32_kernel(float* __restrict__ w, const float* __restrict__ m, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    w[i] *= m[i];
  }
}

__global__ void apply_mask_bool_kernel(float* __restrict__ w, const bool* __restrict__ m, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    if (!m[i]) w[i] = 0.0f;
  }
}

}  // namespace

cudaError_t apply_mask_f32(float* weight, const float* mask, int64_t n, cudaStream_t stream) {
  if (n == 0) return cudaSuccess;
  apply_mask_f32_kernel<<<blocks_for(n), kThreads, 0, stream>>>(weight, mask, n);
  return cudaGetLastError();
}

cudaError_t apply_mask_bool(float* weight, const bool* mask, int64_t n, cudaStream_t stream) {
  if (n == 0) return cudaSuccess;
  apply_mask_bool_kernel<<<blocks_for(n), kThreads, 0, stream>>>(weight, mask, n);
  return cudaGetLastError();
}

}  // namespace torchslim::kernels
