#include <string>

#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>

#include "check.h"
#include "core/error.h"
#include "torchslim/core.h"
#include "torchslim/cuda.h"

using torchslim::testing::Failure;

TS_TEST(counts_parameters_and_nonzeros) {
  torch::nn::Sequential model(torch::nn::Linear(4, 3), torch::nn::Linear(3, 2));
  TS_CHECK(torchslim::count_parameters(*model) == 4 * 3 + 3 + 3 * 2 + 2);
  {
    torch::NoGradGuard no_grad;
    for (auto& p : model->parameters()) p.zero_();
  }
  TS_CHECK(torchslim::count_nonzero_parameters(*model) == 0);
  TS_CHECK(torchslim::state_bytes(*model) == (12 + 3 + 6 + 2) * 4);
}

TS_TEST(copy_state_rejects_mismatch_without_backtrace_and_leaves_destination) {
  torch::nn::Sequential a(torch::nn::Linear(4, 3));
  torch::nn::Sequential b(torch::nn::Linear(5, 3));
  at::Tensor before = a->parameters()[0].clone();
  try {
    torchslim::copy_state(*a, *b);
    throw Failure("copy_state accepted a shape mismatch");
  } catch (const torchslim::Error& e) {
    std::string msg = e.what();
    TS_CHECK(msg.find("0.weight") != std::string::npos);
    TS_CHECK(msg.find("Exception raised from") == std::string::npos);
  }
  TS_CHECK(at::equal(before, a->parameters()[0]));
}

TS_TEST(copy_state_copies_values) {
  torch::nn::Sequential a(torch::nn::Linear(4, 3));
  torch::nn::Sequential b(torch::nn::Linear(4, 3));
  torchslim::copy_state(*a, *b);
  TS_CHECK(at::equal(a->parameters()[0], b->parameters()[0]));
  TS_CHECK(at::equal(a->parameters()[1], b->parameters()[1]));
}

TS_TEST(versions_are_consistent) {
  TS_CHECK(torchslim::torch_version().rfind("2.", 0) == 0);
  TS_CHECK(!torchslim::version().empty());
}

TS_TEST(cuda_entry_points_throw_clearly_without_a_device) {
  if (torchslim::cuda_available()) return;  // covered by cuda_test on a GPU
  TS_CHECK(torchslim::cuda_device_count() == 0);
  try {
    torchslim::CudaStream stream(0);
    throw Failure("CudaStream constructed without CUDA");
  } catch (const torchslim::Error& e) {
    std::string msg = e.what();
    TS_CHECK(msg.find("CUDA") != std::string::npos);
  }
}
