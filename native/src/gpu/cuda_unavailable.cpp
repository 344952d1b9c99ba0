// The CUDA front end of a build without CUDA: every entry point says how to get one.
#include "torchslim/cuda.h"

#include "core/error.h"

namespace torchslim {
namespace {
[[noreturn]] void no_cuda() {
  throw Error("TorchSlim was built without CUDA: rebuild with 'mvn -Pgpu package' and use the "
              "org.bytedeco:pytorch linux-x86_64-gpu jar");
}
}  // namespace

bool cuda_available() { return false; }
int cuda_device_count() { return 0; }

struct CudaStream::State {};
CudaStream::CudaStream(int) : state_(nullptr) { no_cuda(); }
CudaStream::~CudaStream() = default;
int CudaStream::device() const { no_cuda(); }
int64_t CudaStream::handle() const { no_cuda(); }
void CudaStream::synchronize() { no_cuda(); }
void CudaStream::make_current() { no_cuda(); }
void CudaStream::restore_current() { no_cuda(); }

void cuda_apply_mask(at::Tensor&, const at::Tensor&, CudaStream*) { no_cuda(); }

}  // namespace torchslim
