// TorchSlim's fp32 addmm/mm routing (gemv, split, oneDNN for Linear products) gives LibTorch's
// results (within float rounding) on every shape, stride and bias form it takes, on one thread and two, leaves what it does not take to LibTorch, and backward
// through a Linear is unchanged.
#include <vector>

#include <ATen/Parallel.h>
#include <ATen/ops/addmm.h>
#include <ATen/ops/conv2d.h>
#include <ATen/ops/full.h>
#include <ATen/ops/linear.h>
#include <ATen/ops/mm.h>
#include <ATen/ops/randn.h>
#include <torch/csrc/autograd/generated/variable_factories.h>

#include "check.h"
#include "torchslim/core.h"

namespace {

struct Routing {
  explicit Routing(bool on) : was(torchslim::set_parallel_gemm(on)) {}
  ~Routing() { torchslim::set_parallel_gemm(was); }
  bool was;
};

bool close(const at::Tensor& got, const at::Tensor& want) {
  if (got.sizes() != want.sizes() || got.scalar_type() != want.scalar_type()) return false;
  const double scale = want.abs().max().item<double>() + 1e-6;
  return (got - want).abs().max().item<double>() <= 2e-5 * scale;
}

// f() returns tensors; they must be the same with the routing off and on.
template <typename F>
void compare_all(F f) {
  std::vector<at::Tensor> want, got;
  {
    Routing off(false);
    want = f();
  }
  {
    Routing on(true);
    got = f();
  }
  TS_CHECK(want.size() == got.size());
  for (size_t i = 0; i < want.size() && i < got.size(); ++i) TS_CHECK(close(got[i], want[i]));
}

template <typename F>
void compare(F f) {
  compare_all([&] { return std::vector<at::Tensor>{f()}; });
}

}  // namespace

TS_TEST(parallel_gemm_matches_libtorch_on_every_shape_and_bias) {
  const int threads = at::get_num_threads();
  for (int t : {1, 2}) {
  at::set_num_threads(t);
  at::manual_seed(0);
  for (int64_t m : {1, 2, 3, 7, 16, 64, 130}) {
    for (auto kn : std::vector<std::pair<int64_t, int64_t>>{{64, 48}, {300, 257}, {1024, 1024}}) {
      const int64_t k = kn.first, n = kn.second;
      at::Tensor a = at::randn({m, k});
      at::Tensor w = at::randn({n, k});  // Linear's weight: b = w.t(), a transposed view
      at::Tensor b = at::randn({k, n});  // a contiguous right side
      at::Tensor a_t = at::randn({k, m}).t();
      for (const at::Tensor& bias : {at::randn({n}), at::randn({1, n}), at::randn({m, n}), at::randn({1})}) {
        compare([&] { return at::addmm(bias, a, w.t()); });
        compare([&] { return at::addmm(bias, a, b, 0.5, 2.0); });
        compare([&] { return at::addmm(bias, a_t, b); });
      }
      compare([&] { return at::mm(a, w.t()); });
      compare([&] { return at::mm(a_t, b); });
      compare([&] { return at::linear(a, w); });
    }
  }
  }
  at::set_num_threads(threads);
}

TS_TEST(parallel_gemm_ignores_bias_when_beta_is_zero_and_leaves_other_dtypes_alone) {
  Routing on(true);
  at::Tensor a = at::randn({1, 512}), b = at::randn({512, 256});
  at::Tensor nan_bias = at::full({256}, std::numeric_limits<float>::quiet_NaN());
  TS_CHECK(!at::addmm(nan_bias, a, b, 0.0, 1.0).isnan().any().item<bool>());
  at::Tensor ad = at::randn({3, 40}, at::kDouble), bd = at::randn({40, 5}, at::kDouble);
  TS_CHECK(at::mm(ad, bd).scalar_type() == at::kDouble);
  TS_CHECK_THROWS(at::mm(at::randn({3, 4}), at::randn({5, 6})));  // LibTorch's own shape error
}

TS_TEST(parallel_gemm_keeps_linear_gradients) {
  at::Tensor x = at::randn({64, 1024});
  at::Tensor w0 = at::randn({512, 1024}), b0 = at::randn({512});
  auto grads = [&] {
    at::Tensor w = w0.clone().set_requires_grad(true), b = b0.clone().set_requires_grad(true);
    at::Tensor xi = x.clone().set_requires_grad(true);
    at::linear(xi, w, b).pow(2).sum().backward();
    return std::vector<at::Tensor>{w.grad(), b.grad(), xi.grad()};
  };
  compare_all(grads);
}

TS_TEST(parallel_gemm_can_be_turned_off_and_on) {
  const bool was = torchslim::set_parallel_gemm(false);
  TS_CHECK(!torchslim::parallel_gemm());
  TS_CHECK(!torchslim::set_parallel_gemm(true));
  TS_CHECK(torchslim::parallel_gemm());
  TS_CHECK(torchslim::set_parallel_gemm(true));
  torchslim::set_parallel_gemm(was);
}

// Batch-1 1x1 convolutions LibTorch leaves to its single-threaded "slow" conv2d (inputs of at most
// 20,480 elements) give the same outputs and gradients through the split; other convolutions are
// LibTorch's own.
TS_TEST(parallel_gemm_pointwise_conv_matches_libtorch) {
  const int threads = at::get_num_threads();
  at::manual_seed(0);
  for (int t : {1, 2}) {
    at::set_num_threads(t);
    for (auto shape : std::vector<std::vector<int64_t>>{{48, 288, 14, 14}, {80, 480, 7, 7}, {16, 96, 28, 28},
                                                        {3, 5, 4, 4}, {160, 960, 7, 7}}) {
      const int64_t cin = shape[0], cout = shape[1], h = shape[2], w = shape[3];
      at::Tensor x = at::randn({1, cin, h, w});
      at::Tensor weight = at::randn({cout, cin, 1, 1}), bias = at::randn({cout});
      at::Tensor weight3 = at::randn({cout, cin, 3, 3});
      compare([&] { return at::conv2d(x, weight, bias); });
      compare([&] { return at::conv2d(x, weight); });
      compare([&] { return at::conv2d(x, weight, bias, 2); });                 // strided: LibTorch's
      compare([&] { return at::conv2d(x, weight3, bias, 1, 1); });  // 3x3: LibTorch's
    }
    // gradients through a routed conv
    at::Tensor x0 = at::randn({1, 64, 14, 14}), w0 = at::randn({256, 64, 1, 1}), b0 = at::randn({256});
    auto grads = [&] {
      at::Tensor xi = x0.clone().set_requires_grad(true), wi = w0.clone().set_requires_grad(true);
      at::Tensor bi = b0.clone().set_requires_grad(true);
      at::conv2d(xi, wi, bi).pow(2).sum().backward();
      return std::vector<at::Tensor>{xi.grad(), wi.grad(), bi.grad()};
    };
    compare_all(grads);
  }
  at::set_num_threads(threads);
}

// The library's own at::parallel_for runs on LibTorch's threads (compiled with OpenMP): without it
// the routing's split and the pruning's parallel loops ran on the calling thread alone.
TS_TEST(library_parallel_for_uses_libtorch_threads) {
  const int was = at::get_num_threads();
  at::set_num_threads(2);
  TS_CHECK(torchslim::parallel_for_width() == 2);
  at::set_num_threads(1);
  TS_CHECK(torchslim::parallel_for_width() == 1);
  at::set_num_threads(was);
}
