// The CUDA front end of a -Pgpu build: streams from LibTorch's pool, kernels from native/cuda.
#include "torchslim/cuda.h"

#include <optional>
#include <string>

#include <c10/cuda/CUDAFunctions.h>
#include <c10/cuda/CUDAStream.h>

#include "core/error.h"
#include "kernels.h"

namespace torchslim {
namespace {

void require_device(int device) {
  int count = cuda_device_count();
  if (count == 0) {
    throw Error("no CUDA device is visible (torch::cuda device count is 0): CUDA entry points need a GPU");
  }
  if (device < 0 || device >= count) {
    throw Error("CUDA device " + std::to_string(device) + " does not exist; devices are 0.." +
                std::to_string(count - 1));
  }
}

void check(cudaError_t status, const char* what) {
  if (status != cudaSuccess) throw Error(std::string(what) + ": " + cudaGetErrorString(status));
}

}  // namespace

bool cuda_available() { return cuda_device_count() > 0; }

int cuda_device_count() {
  try {
    return static_cast<int>(c10::cuda::device_count());
  } catch (...) {
    return 0;
  }
}

struct CudaStream::State {
  c10::cuda::CUDAStream stream;
  std::optional<c10::cuda::CUDAStream> previous;
};

CudaStream::CudaStream(int device) : state_(nullptr) {
  TS_API_BEGIN
  require_device(device);
  state_ = new State{c10::cuda::getStreamFromPool(false, static_cast<c10::DeviceIndex>(device)),
                     std::nullopt};
  TS_API_END
}

CudaStream::~CudaStream() {
  try {
    if (state_ && state_->previous) c10::cuda::setCurrentCUDAStream(*state_->previous);
  } catch (...) {
    // A destructor must not throw; the stream is going away either way.
  }
  delete state_;
}

int CudaStream::device() const { return state_->stream.device_index(); }

int64_t CudaStream::handle() const {
  return static_cast<int64_t>(reinterpret_cast<intptr_t>(state_->stream.stream()));
}

void CudaStream::synchronize() {
  TS_API_BEGIN
  state_->stream.synchronize();
  TS_API_END
}

void CudaStream::make_current() {
  TS_API_BEGIN
  if (state_->previous) throw Error("CudaStream is already current; restore it before making it current again");
  state_->previous = c10::cuda::getCurrentCUDAStream(state_->stream.device_index());
  c10::cuda::setCurrentCUDAStream(state_->stream);
  TS_API_END
}

void CudaStream::restore_current() {
  TS_API_BEGIN
  if (!state_->previous) throw Error("CudaStream is not current: make_current() was not called");
  c10::cuda::setCurrentCUDAStream(*state_->previous);
  state_->previous.reset();
  TS_API_END
}

void cuda_apply_mask(at::Tensor& weight, const at::Tensor& mask, CudaStream* stream) {
  TS_API_BEGIN
  TORCH_CHECK(weight.is_cuda() && mask.is_cuda(), "cuda_apply_mask: weight and mask must be CUDA tensors, got ",
              weight.device(), " and ", mask.device());
  TORCH_CHECK(weight.device() == mask.device(), "cuda_apply_mask: weight on ", weight.device(), ", mask on ",
              mask.device());
  TORCH_CHECK(weight.sizes() == mask.sizes(), "cuda_apply_mask: weight shape ", weight.sizes(),
              " differs from mask shape ", mask.sizes());
  TORCH_CHECK(weight.scalar_type() == at::kFloat, "cuda_apply_mask: weight must be float32, got ",
              weight.scalar_type());
  TORCH_CHECK(weight.is_contiguous(), "cuda_apply_mask: weight must be contiguous");
  at::Tensor m = mask.contiguous();
  int device = weight.get_device();
  if (stream) {
    TORCH_CHECK(stream->device() == device, "cuda_apply_mask: stream is on cuda:", stream->device(),
                ", tensors on cuda:", device);
  }
  cudaStream_t s = stream ? reinterpret_cast<cudaStream_t>(stream->handle())
                          : c10::cuda::getCurrentCUDAStream(static_cast<c10::DeviceIndex>(device)).stream();
  if (m.scalar_type() == at::kBool) {
    check(kernels::apply_mask_bool(weight.data_ptr<float>(), m.data_ptr<bool>(), weight.numel(), s),
          "apply_mask_bool");
  } else {
    TORCH_CHECK(m.scalar_type() == at::kFloat, "cuda_apply_mask: mask must be float32 or bool, got ",
                m.scalar_type());
    check(kernels::apply_mask_f32(weight.data_ptr<float>(), m.data_ptr<float>(), weight.numel(), s),
          "apply_mask_f32");
  }
  TS_API_END
}

}  // namespace torchslim
