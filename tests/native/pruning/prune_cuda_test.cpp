// Pruning with weights on a CUDA device: selection runs on the CPU, masks come back on the
// weight's device and equal the CPU masks. Skipped without a device.
#include <ATen/ATen.h>

#include "check.h"
#include "torchslim/cuda.h"
#include "torchslim/prune.h"

TS_TEST(masks_of_cuda_weights_live_on_the_device_and_equal_cpu_masks) {
  if (!torchslim::cuda_available()) return;
  at::manual_seed(11);
  at::Tensor cpu = at::randn({64, 32, 3, 3});
  at::Tensor gpu = cpu.to(at::kCUDA);
  auto same = [](const at::Tensor& g, const at::Tensor& c) { return g.is_cuda() && at::equal(g.cpu(), c); };
  TS_CHECK(same(torchslim::l1_unstructured_mask(gpu, 0.4), torchslim::l1_unstructured_mask(cpu, 0.4)));
  TS_CHECK(same(torchslim::ln_structured_mask(gpu, 0.5, 2, 0), torchslim::ln_structured_mask(cpu, 0.5, 2, 0)));
  TS_CHECK(same(torchslim::nm_mask(gpu, 2, 4), torchslim::nm_mask(cpu, 2, 4)));
  auto gm = torchslim::global_l1_unstructured_masks({gpu, gpu.flatten()}, 0.5);
  auto cm = torchslim::global_l1_unstructured_masks({cpu, cpu.flatten()}, 0.5);
  TS_CHECK(same(gm[0], cm[0]) && same(gm[1], cm[1]));
  std::vector<at::Tensor> in_place = {gpu.clone()};
  torchslim::global_l1_prune_(in_place, 0.5);
  TS_CHECK(at::equal(in_place[0].cpu(), cpu * torchslim::l1_unstructured_mask(cpu, 0.5)));
  at::Tensor w = gpu.clone().requires_grad_();
  at::Tensor mask = torchslim::l1_unstructured_mask(w, 0.5);
  torchslim::register_mask_hook(w, mask);
  (w * 2).sum().backward();
  TS_CHECK(at::equal(w.grad().cpu(), (mask * 2).cpu()));
}
