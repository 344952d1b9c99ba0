// CUDA entry points on a real device; each test returns at once where no GPU is visible.
#include <string>

#include <ATen/ATen.h>

#include "check.h"
#include "core/error.h"
#include "torchslim/cuda.h"

TS_TEST(cuda_mask_kernel_matches_cpu_on_a_pool_stream) {
  if (!torchslim::cuda_available()) return;
  at::Tensor w_cpu = at::randn({1 << 20});
  at::Tensor m_cpu = (at::rand({1 << 20}) > 0.5).to(at::kFloat);
  at::Tensor w = w_cpu.to(at::kCUDA);
  at::Tensor m = m_cpu.to(at::kCUDA);
  torchslim::CudaStream stream(0);
  torchslim::cuda_apply_mask(w, m, &stream);
  stream.synchronize();
  TS_CHECK(at::equal(w.cpu(), w_cpu * m_cpu));
  at::Tensor mb = m.to(at::kBool);
  at::Tensor w2 = w_cpu.to(at::kCUDA);
  torchslim::cuda_apply_mask(w2, mb, nullptr);  // current stream
  TS_CHECK(at::equal(w2.cpu(), w_cpu * m_cpu));
}

TS_TEST(cuda_make_current_routes_libtorch_work_and_restores) {
  if (!torchslim::cuda_available()) return;
  torchslim::CudaStream stream(0);
  stream.make_current();
  TS_CHECK_THROWS(stream.make_current());
  at::Tensor x = at::ones({1024}, at::kCUDA) * 3;
  stream.synchronize();
  TS_CHECK(x.sum().item<float>() == 3072.0f);
  stream.restore_current();
  TS_CHECK_THROWS(stream.restore_current());
}

TS_TEST(cuda_mask_rejects_bad_arguments) {
  if (!torchslim::cuda_available()) return;
  at::Tensor w = at::ones({8}, at::kCUDA);
  at::Tensor wrong = at::ones({9}, at::kCUDA);
  at::Tensor cpu = at::ones({8});
  TS_CHECK_THROWS(torchslim::cuda_apply_mask(w, wrong, nullptr));
  TS_CHECK_THROWS(torchslim::cuda_apply_mask(w, cpu, nullptr));
  TS_CHECK_THROWS(torchslim::CudaStream(torchslim::cuda_device_count()));
}
