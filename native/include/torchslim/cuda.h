// CUDA streams and kernels. In a build without CUDA (the default), every entry point throws
// torchslim::Error saying so; with CUDA but no device, it throws naming the missing device.
#pragma once

#include <cstdint>

#include <ATen/core/Tensor.h>

namespace torchslim {

/// True when built with CUDA and at least one device is visible.
bool cuda_available();

/// Visible CUDA devices (0 without CUDA).
int cuda_device_count();

/// A CUDA stream from LibTorch's pool on one device. Not copyable.
class CudaStream {
 public:
  explicit CudaStream(int device);
  ~CudaStream();
  CudaStream(const CudaStream&) = delete;
  CudaStream& operator=(const CudaStream&) = delete;

  int device() const;
  /// The raw cudaStream_t, as an integer (for logging and interop).
  int64_t handle() const;
  /// Blocks until all work queued on this stream is done.
  void synchronize();
  /// Makes this stream LibTorch's current stream on its device until restore_current().
  void make_current();
  /// Restores the stream that was current before make_current().
  void restore_current();

 private:
  struct State;
  State* state_;
};

/// weight *= mask, elementwise, on a CUDA stream (the current stream when stream is null).
/// Both tensors on the same CUDA device, same shape; weight float32, mask float32 or bool.
void cuda_apply_mask(at::Tensor& weight, const at::Tensor& mask, CudaStream* stream);

}  // namespace torchslim
