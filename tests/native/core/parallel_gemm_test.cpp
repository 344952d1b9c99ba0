// TorchSlim's fp32 addmm/mm routing (gemv, split, small-matrix kernels, oneDNN for Linear products), its direct batch-1
// depthwise convolution, its index_select, its LayerNorm and its GELU give LibTorch's results (within float rounding) on every shape, stride and
// bias form they take, on one thread and two, leave what they do not take to LibTorch, and backward
// through a Linear or a convolution is unchanged.
#include <cmath>
#include <limits>
#include <vector>

#include <ATen/Parallel.h>
#include <ATen/ops/addmm.h>
#include <ATen/ops/conv2d.h>
#include <ATen/ops/embedding.h>
#include <ATen/ops/erfc.h>
#include <ATen/ops/equal.h>
#include <ATen/ops/full.h>
#include <ATen/ops/gelu.h>
#include <ATen/ops/layer_norm.h>
#include <ATen/ops/linear.h>
#include <ATen/ops/linspace.h>
#include <ATen/ops/native_layer_norm.h>
#include <ATen/ops/mm.h>
#include <ATen/ops/randint.h>
#include <ATen/ops/randn.h>
#include <ATen/ops/tensor.h>
#include <ATen/ops/where.h>
#include <torch/csrc/autograd/generated/variable_factories.h>

#include "check.h"
#include "core/depthwise_conv.h"
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

// The gradients of sum(op(x, w, b)^2) with respect to copies of x, w and b.
template <typename Op>
std::vector<at::Tensor> square_sum_grads(Op op, const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) {
  at::Tensor xi = x.clone().set_requires_grad(true), wi = w.clone().set_requires_grad(true);
  at::Tensor bi = b.clone().set_requires_grad(true);
  op(xi, wi, bi).pow(2).sum().backward();
  return {xi.grad(), wi.grad(), bi.grad()};
}

// body() on one LibTorch thread and on two, each from seed 0; the thread count is restored after.
template <typename F>
void on_one_and_two_threads(F body) {
  const int threads = at::get_num_threads();
  for (int t : {1, 2}) {
    at::set_num_threads(t);
    at::manual_seed(0);
    body();
  }
  at::set_num_threads(threads);
}

// conv2d with groups and square stride / padding / dilation.
at::Tensor grouped(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b, int64_t stride, int64_t padding,
                   int64_t dilation, int64_t groups) {
  return at::conv2d(x, w, b, at::IntArrayRef{stride, stride}, at::IntArrayRef{padding, padding},
                    at::IntArrayRef{dilation, dilation}, groups);
}

}  // namespace

TS_TEST(parallel_gemm_matches_libtorch_on_every_shape_and_bias) {
  on_one_and_two_threads([&] {
    // {64, 64} .. {128, 256}: a small transformer's products (OpenBLAS's small-matrix kernels, split into column
    // blocks on two threads); {300, 257} leaves a partial block and a partial 8x8 tile of the transposed weight.
    for (int64_t m : {1, 2, 3, 7, 16, 32, 64, 130}) {
      for (auto kn : std::vector<std::pair<int64_t, int64_t>>{
               {64, 48}, {64, 64}, {128, 64}, {64, 128}, {128, 256}, {300, 257}, {1024, 1024}}) {
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
        at::Tensor bias_n = at::randn({n});
        compare([&] { return at::addmm(bias_n, a, b); });
        compare([&] { return at::mm(a, w.t()); });
        compare([&] { return at::mm(a, b); });
        compare([&] { return at::mm(a_t, b); });
        compare([&] { return at::linear(a, w); });
      }
    }
  });
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
  auto linear = [](const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) { return at::linear(x, w, b); };
  compare_all([&] { return square_sum_grads(linear, x, w0, b0); });
}

// index_select of a contiguous float tensor along any dim (the last: a channel-pruned model's read of its kept input
// features; the first: an embedding's rows) gives LibTorch's result exactly, so does aten::embedding; a
// non-contiguous input and int32 indices are LibTorch's own; an index out of range is LibTorch's error; gradients
// are unchanged.
TS_TEST(routed_index_select_matches_libtorch) {
  at::Tensor idx = at::tensor(std::vector<int64_t>{5, 0, 127, 64, 5, 3});
  for (auto shape : std::vector<std::vector<int64_t>>{{1, 64, 128}, {32, 64, 128}, {128}, {2, 3, 4, 128}}) {
    at::Tensor x = at::randn(shape);
    compare([&] { return x.index_select(-1, idx); });
    compare([&] { return x.index_select(static_cast<int64_t>(shape.size()) - 1, idx); });
    {
      Routing on(true);
      TS_CHECK(at::equal(x.index_select(-1, idx), x.index_select(-1, idx.to(at::kInt))));
    }
  }
  auto exact = [](auto f) {
    at::Tensor want, got;
    {
      Routing off(false);
      want = f();
    }
    {
      Routing on(true);
      got = f();
    }
    TS_CHECK(at::equal(got, want));
  };
  at::Tensor x = at::randn({8, 128, 16});
  for (int64_t d : {0, 1, 2, -1}) {
    at::Tensor i = at::tensor(std::vector<int64_t>{0, 7, 3, 3});
    exact([&] { return x.index_select(d, i); });
  }
  exact([&] { return x.index_select(1, idx); });
  exact([&] { return x.index_select(0, at::tensor(std::vector<int64_t>{})); });
  at::Tensor table = at::randn({1000, 64});
  at::Tensor ids = at::randint(0, 1000, {2, 64}, at::kLong);
  exact([&] { return at::embedding(table, ids); });
  exact([&] { return at::embedding(table, ids, 0); });
  compare([&] { return x.index_select(1, idx); });
  compare([&] { return x.transpose(1, 2).index_select(-1, idx); });
  {
    Routing on(true);
    TS_CHECK_THROWS(x.transpose(1, 2).contiguous().index_select(-1, at::tensor(std::vector<int64_t>{128})));
    TS_CHECK_THROWS(x.transpose(1, 2).contiguous().index_select(-1, at::tensor(std::vector<int64_t>{-1})));
  }
  at::Tensor y = at::randn({4, 128});
  compare_all([&] {
    at::Tensor yi = y.clone().set_requires_grad(true);
    yi.index_select(1, idx).pow(2).sum().backward();
    return std::vector<at::Tensor>{yi.grad()};
  });
}

// aten::native_layer_norm of a contiguous float input (what LayerNorm calls): output, mean and rstd equal LibTorch's
// within float rounding on row widths with and without a partial AVX2 vector, one and two normalized dims, with
// and without weight and bias, on one thread and two; a non-contiguous input, doubles and large inputs are
// LibTorch's own; gradients (which read mean and rstd) are unchanged.
TS_TEST(routed_layer_norm_matches_libtorch) {
  on_one_and_two_threads([&] {
    for (auto shapes : std::vector<std::pair<std::vector<int64_t>, std::vector<int64_t>>>{
             {{1, 64, 64}, {64}}, {{1, 64, 128}, {128}}, {{2, 7, 13}, {13}}, {{5, 3, 4}, {3, 4}}, {{3, 1}, {1}},
             {{4, 300}, {300}}}) {
      const std::vector<int64_t>& shape = shapes.first;
      const std::vector<int64_t>& normalized = shapes.second;
      at::Tensor x = at::randn(shape) * 3 + 1;
      at::Tensor w = at::randn(normalized), b = at::randn(normalized);
      compare_all([&] {
        auto r = at::native_layer_norm(x, normalized, w, b, 1e-5);
        return std::vector<at::Tensor>{std::get<0>(r), std::get<1>(r), std::get<2>(r)};
      });
      compare_all([&] {
        auto r = at::native_layer_norm(x, normalized, std::nullopt, std::nullopt, 1e-12);
        return std::vector<at::Tensor>{std::get<0>(r), std::get<1>(r), std::get<2>(r)};
      });
      compare([&] { return at::layer_norm(x, normalized, w, std::nullopt); });
    }
  });
  at::Tensor x = at::randn({64, 128}), w = at::randn({64}), b = at::randn({64});
  compare([&] { return at::layer_norm(x.t(), {64}, w, b); });
  compare([&] { return at::layer_norm(x.to(at::kDouble).t().contiguous(), {64}); });
  compare([&] { return at::layer_norm(at::randn({600, 128}).mul(0).add(x.sum()), {128}); });  // constant rows
  at::Tensor big = at::randn({1024, 128});
  compare([&] { return at::layer_norm(big, {128}); });
  at::Tensor y = at::randn({2, 64, 128}), g = at::randn({128}), c = at::randn({128});
  compare_all([&] {
    at::Tensor yi = y.clone().set_requires_grad(true), gi = g.clone().set_requires_grad(true);
    at::Tensor ci = c.clone().set_requires_grad(true);
    at::layer_norm(yi, {128}, gi, ci).pow(2).sum().backward();
    return std::vector<at::Tensor>{yi.grad(), gi.grad(), ci.grad()};
  });
}

// aten::gelu (erf form) of a contiguous float tensor: within 5e-6 of the double-precision GELU's magnitude (plus
// 1e-30 where exp underflows) on every length (whole AVX2 vectors, a partial one, one element, one and two threads' blocks) and on values from
// -14 to 14 (the worst, 3.3e-6, is the float rounding of x^2 / 2 in the negative tail's exponent, where LibTorch's
// own float result, oneDNN's, is up to 9e-4 off); within 2e-6 of LibTorch's float result everywhere; GELU(+inf) = +inf, GELU(NaN) = NaN. The tanh form, a non-contiguous input,
// doubles and tensors above 8,192 elements are LibTorch's own; gradients are unchanged.
TS_TEST(routed_gelu_matches_libtorch) {
  auto check = [](const at::Tensor& x) {
    const at::Tensor xd = x.to(at::kDouble);
    const at::Tensor exact = at::where(xd >= 0, xd * (1 - 0.5 * at::erfc(xd * M_SQRT1_2)), 0.5 * xd * at::erfc(-xd * M_SQRT1_2));
    at::Tensor libtorch, got;
    {
      Routing off(false);
      libtorch = at::gelu(x).to(at::kDouble);
    }
    {
      Routing on(true);
      got = at::gelu(x);
    }
    TS_CHECK(got.scalar_type() == at::kFloat && got.sizes() == x.sizes());
    const at::Tensor g = got.to(at::kDouble);
    TS_CHECK(((g - exact).abs() <= 5e-6 * exact.abs() + 1e-30).all().item<bool>());
    TS_CHECK(((g - libtorch).abs() <= 2e-6 * (libtorch.abs() + 1)).all().item<bool>());
  };
  on_one_and_two_threads([&] {
    for (int64_t n : {1, 7, 8, 9, 4095, 4100, 64 * 128}) check(at::randn({n}) * 4);
  });
  for (const at::Tensor& part : at::linspace(-14, 14, 280001).split(8192)) check(part.contiguous());
  {
    Routing on(true);
    const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
    at::Tensor special = at::gelu(at::tensor(std::vector<float>{inf, nan, 0.0f, 3e38f}));
    TS_CHECK(special[0].item<float>() == inf && std::isnan(special[1].item<float>()) && special[2].item<float>() == 0.0f &&
             special[3].item<float>() == 3e38f);
  }
  auto same = [](const at::Tensor& x, c10::string_view approximate) {
    compare([&] { return at::gelu(x, approximate); });  // LibTorch's kernel both times: equal
  };
  at::Tensor x = at::randn({64, 128});
  same(at::randn({64 * 256}), "none");
  same(x, "tanh");
  same(x.t(), "none");
  same(x.to(at::kDouble), "none");
  compare_all([&] {
    at::Tensor xi = x.clone().set_requires_grad(true);
    at::gelu(xi).pow(2).sum().backward();
    return std::vector<at::Tensor>{xi.grad()};
  });
}

TS_TEST(parallel_gemm_can_be_turned_off_and_on) {
  const bool was = torchslim::set_parallel_gemm(false);
  TS_CHECK(!torchslim::parallel_gemm());
  TS_CHECK(!torchslim::set_parallel_gemm(true));
  TS_CHECK(torchslim::parallel_gemm());
  TS_CHECK(torchslim::set_parallel_gemm(true));
  torchslim::set_parallel_gemm(was);
}

// Batch-1 1x1 convolutions give the same outputs and gradients through the split, both those
// LibTorch leaves to its single-threaded "slow" conv2d (inputs of at most 20,480 elements) and those
// it sends to oneDNN (larger inputs at two threads; split by pixels where there are many more
// pixels than output channels); other convolutions (strided, 3x3, batch 2, channels_last) are LibTorch's own.
TS_TEST(parallel_gemm_pointwise_conv_matches_libtorch) {
  on_one_and_two_threads([&] {
    for (auto shape : std::vector<std::vector<int64_t>>{{48, 288, 14, 14}, {80, 480, 7, 7}, {16, 96, 28, 28},
                                                        {3, 5, 4, 4}, {160, 960, 7, 7}, {16, 96, 112, 112},
                                                        {32, 16, 56, 56}, {144, 24, 28, 28}, {576, 96, 14, 14},
                                                        {7, 3, 61, 67}}) {
      const int64_t cin = shape[0], cout = shape[1], h = shape[2], w = shape[3];
      at::Tensor x = at::randn({1, cin, h, w});
      at::Tensor weight = at::randn({cout, cin, 1, 1}), bias = at::randn({cout});
      at::Tensor weight3 = at::randn({cout, cin, 3, 3});
      compare([&] { return at::conv2d(x, weight, bias); });
      compare([&] { return at::conv2d(x, weight); });
      compare([&] { return at::conv2d(x, weight, bias, 2); });                 // strided: LibTorch's
      compare([&] { return at::conv2d(x, weight3, bias, 1, 1); });  // 3x3: LibTorch's
      compare([&] { return at::conv2d(x.contiguous(at::MemoryFormat::ChannelsLast), weight, bias); });
      compare([&] { return at::conv2d(at::cat({x, x}), weight, bias); });     // batch 2
    }
    // gradients through a routed conv, small (slow conv2d) and large (oneDNN at two threads)
    for (int64_t hw : {14, 28}) {
      at::Tensor x0 = at::randn({1, 64, hw, hw}), w0 = at::randn({256, 64, 1, 1}), b0 = at::randn({256});
      auto conv = [](const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) { return at::conv2d(x, w, b); };
      compare_all([&] { return square_sum_grads(conv, x0, w0, b0); });
    }
  });
}

// Batch-1 3x3 depthwise convolutions (the direct kernel) against LibTorch's oneDNN, on odd
// and tiny planes too (1x1, 1xN, widths below and above one AVX2 vector), both strides, with and
// without bias; what the kernel does not take (batch 2, padding 0, dilation 2, 5x5, channel
// multiplier 2, channels_last) stays LibTorch's; gradients through a routed depthwise conv are unchanged.
TS_TEST(direct_depthwise_conv_matches_libtorch) {
  on_one_and_two_threads([&] {
    for (auto shape : std::vector<std::vector<int64_t>>{{32, 112, 112}, {96, 56, 56}, {144, 28, 28}, {960, 7, 7},
                                                        {3, 1, 1}, {5, 1, 9}, {7, 9, 1}, {4, 2, 3}, {6, 5, 17},
                                                        {2, 33, 8}, {16, 15, 16}, {3, 4, 4}}) {
      const int64_t c = shape[0], h = shape[1], w = shape[2];
      at::Tensor x = at::randn({1, c, h, w}), weight = at::randn({c, 1, 3, 3}), bias = at::randn({c});
      for (int64_t stride : {1, 2}) {
        TS_CHECK(torchslim::detail::direct_depthwise_applies(x, weight, bias, c10::SymIntArrayRef({1, 1}),
                                                             c10::SymIntArrayRef({stride, stride}),
                                                             c10::SymIntArrayRef({1, 1}), c10::SymInt(c)));
        compare([&] { return grouped(x, weight, bias, stride, 1, 1, c); });
        compare([&] { return grouped(x, weight, at::Tensor(), stride, 1, 1, c); });
        // the kernel alone, against LibTorch's own result
        at::Tensor want;
        {
          Routing off(false);
          want = grouped(x, weight, bias, stride, 1, 1, c);
        }
        TS_CHECK(close(torchslim::detail::direct_depthwise(x, weight, bias, stride), want));
      }
    }
    // not taken: LibTorch's results either way
    at::Tensor x = at::randn({2, 8, 10, 10}), weight = at::randn({8, 1, 3, 3}), bias = at::randn({8});
    compare([&] { return grouped(x, weight, bias, 1, 1, 1, 8); });                      // batch 2
    at::Tensor x1 = x.narrow(0, 0, 1).contiguous();
    compare([&] { return grouped(x1, weight, bias, 1, 0, 1, 8); });                     // padding 0
    compare([&] { return grouped(x1, weight, bias, 1, 2, 2, 8); });                     // dilation 2
    at::Tensor weight5 = at::randn({8, 1, 5, 5}), weight_x2 = at::randn({16, 1, 3, 3});
    compare([&] { return grouped(x1, weight5, bias, 1, 2, 1, 8); });                     // 5x5
    compare([&] { return grouped(x1, weight_x2, at::Tensor(), 1, 1, 1, 8); });           // multiplier 2
    compare([&] { return grouped(x1.contiguous(at::MemoryFormat::ChannelsLast), weight, bias, 1, 1, 1, 8); });
    TS_CHECK(!torchslim::detail::direct_depthwise_applies(x, weight, bias, c10::SymIntArrayRef({1, 1}),
                                                          c10::SymIntArrayRef({1, 1}), c10::SymIntArrayRef({1, 1}),
                                                          c10::SymInt(8)));
    // gradients through a routed depthwise conv
    at::Tensor x0 = at::randn({1, 48, 14, 14}), w0 = at::randn({48, 1, 3, 3}), b0 = at::randn({48});
    for (int64_t stride : {1, 2}) {
      auto depthwise = [&](const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) {
        return grouped(x, w, b, stride, 1, 1, 48);
      };
      compare_all([&] { return square_sum_grads(depthwise, x0, w0, b0); });
    }
  });
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
