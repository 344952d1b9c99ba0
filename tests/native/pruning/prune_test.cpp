#include <algorithm>
#include <numeric>

#include <ATen/ATen.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/pooling.h>

#include "check.h"
#include "core/error.h"
#include "pruning/select.h"
#include "torchslim/prune.h"

namespace {

// Reference: stable sort of |x| over the concatenation; the first k are pruned.
std::vector<at::Tensor> reference_masks(const std::vector<at::Tensor>& ts, int64_t k) {
  std::vector<float> all;
  for (const auto& t : ts) {
    auto c = t.contiguous();
    all.insert(all.end(), c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
  }
  std::vector<int64_t> order(all.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return std::fabs(all[a]) < std::fabs(all[b]); });
  std::vector<float> keep(all.size(), 1.f);
  for (int64_t i = 0; i < k; ++i) keep[order[i]] = 0.f;
  std::vector<at::Tensor> out;
  int64_t offset = 0;
  for (const auto& t : ts) {
    out.push_back(at::from_blob(keep.data() + offset, t.sizes(), at::kFloat).clone());
    offset += t.numel();
  }
  return out;
}

// C++ Sequentials nest only through a subclass with a plain forward (AnyModule's rule).
struct Block : torch::nn::SequentialImpl {
  using SequentialImpl::SequentialImpl;
  at::Tensor forward(at::Tensor x) { return SequentialImpl::forward(x); }
};

}  // namespace

TS_TEST(prune_count_rounds_half_to_even_like_python) {
  TS_CHECK(torchslim::prune_count(5, 0.5) == 2);
  TS_CHECK(torchslim::prune_count(7, 0.5) == 4);
  TS_CHECK(torchslim::prune_count(10, 0.33) == 3);
  TS_CHECK_THROWS(torchslim::prune_count(10, 1.5));
}

TS_TEST(l1_mask_prunes_exactly_the_k_smallest) {
  at::manual_seed(1);
  at::Tensor w = at::randn({37, 53});
  at::Tensor mask = torchslim::l1_unstructured_mask(w, 0.6);
  TS_CHECK(mask.eq(0).sum().item<int64_t>() == torchslim::prune_count(w.numel(), 0.6));
  TS_CHECK(at::equal(mask, reference_masks({w}, torchslim::prune_count(w.numel(), 0.6))[0]));
}

TS_TEST(ties_prune_lower_index_first) {
  at::Tensor w = at::tensor({1.f, -1.f, 1.f, 0.5f, 1.f, -1.f});
  at::Tensor mask = torchslim::l1_unstructured_mask(w, 0.5);  // 3: 0.5, then indices 0, 1
  TS_CHECK(at::equal(mask, at::tensor({0.f, 0.f, 1.f, 0.f, 1.f, 1.f})));
}

TS_TEST(global_masks_match_a_stable_sort_with_many_ties) {
  at::manual_seed(2);
  std::vector<at::Tensor> ws = {at::randn({300, 400}), at::randn({70, 3, 5, 5}), at::randn({1000})};
  ws[0].narrow(0, 0, 100).zero_();  // 40k zeros: the cut falls among them
  ws[2].narrow(0, 0, 500).fill_(0.25f);
  for (double amount : {0.0, 0.1, 0.3, 0.5, 0.9, 1.0}) {
    int64_t total = 0;
    for (auto& w : ws) total += w.numel();
    auto masks = torchslim::global_l1_unstructured_masks(ws, amount);
    auto ref = reference_masks(ws, torchslim::prune_count(total, amount));
    for (size_t i = 0; i < ws.size(); ++i) TS_CHECK(at::equal(masks[i], ref[i]));
  }
}

TS_TEST(global_prune_in_place_equals_masks) {
  at::manual_seed(3);
  std::vector<at::Tensor> ws = {at::randn({512, 300}), at::randn({100, 700})};
  auto masks = torchslim::global_l1_unstructured_masks(ws, 0.5);
  std::vector<at::Tensor> copy = {ws[0].clone(), ws[1].clone()};
  TS_CHECK(torchslim::global_l1_prune_(copy, 0.5) == torchslim::prune_count(512 * 300 + 100 * 700, 0.5));
  for (size_t i = 0; i < ws.size(); ++i) TS_CHECK(at::equal(copy[i], ws[i] * masks[i]));
}

TS_TEST(nm_keeps_n_of_every_m_along_inputs) {
  at::manual_seed(4);
  at::Tensor w = at::randn({16, 8, 3, 3});
  at::Tensor mask = torchslim::nm_mask(w, 2, 4);
  at::Tensor groups = mask.permute({0, 2, 3, 1}).reshape({-1, 4});
  TS_CHECK(at::equal(groups.sum(1), at::full({groups.size(0)}, 2.f)));
  TS_CHECK_THROWS(torchslim::nm_mask(at::randn({4, 6}), 2, 4));
}

TS_TEST(ln_structured_prunes_whole_slices) {
  at::manual_seed(5);
  at::Tensor w = at::randn({10, 6, 3, 3});
  at::Tensor mask = torchslim::ln_structured_mask(w, 0.3, 2.0, 0);
  at::Tensor per_filter = mask.reshape({10, -1});
  TS_CHECK(at::equal(per_filter.amin(1), per_filter.amax(1)));
  TS_CHECK(per_filter.amax(1).eq(0).sum().item<int64_t>() == 3);
  at::Tensor ch = torchslim::ln_structured_mask(w, 0.5, INFINITY, 1);
  TS_CHECK(ch.select(0, 0).reshape({6, -1}).amax(1).eq(0).sum().item<int64_t>() == 3);
}

TS_TEST(channel_removal_keeps_outputs_and_shrinks_layers) {
  namespace nn = torch::nn;
  at::manual_seed(6);
  auto inner = std::make_shared<Block>(nn::Conv2d(nn::Conv2dOptions(8, 12, 3)), nn::ReLU(), nn::Dropout2d(0.2));
  nn::Sequential model(nn::Conv2d(nn::Conv2dOptions(3, 8, 3).padding(1)), nn::BatchNorm2d(8), nn::ReLU(),
                       nn::MaxPool2d(2), inner, nn::Flatten(), nn::Linear(12 * 3 * 3, 20),
                       nn::ReLU(), nn::Dropout(0.5), nn::Linear(20, 5));
  {
    at::NoGradGuard g;
    auto params = model->named_parameters();
    params["0.weight"].index({at::indexing::Slice(0, 3)}).zero_();
    params["4.0.weight"].index({at::indexing::Slice(2, 8)}).zero_();
    params["6.weight"].index({at::indexing::Slice(5, 15)}).zero_();
    auto buffers = model->named_buffers();
    buffers["1.running_mean"].uniform_(-0.5, 0.5);
    buffers["1.running_var"].uniform_(0.5, 2.0);
  }
  model->eval();
  at::Tensor x = at::randn({4, 3, 10, 10});
  at::Tensor before = model->forward(x);
  std::string report = torchslim::remove_zero_channels(*model);
  at::Tensor after = model->forward(x);
  TS_CHECK(at::allclose(before, after, 1e-4, 1e-5));
  auto params = model->named_parameters();
  TS_CHECK(params["0.weight"].size(0) == 5);
  TS_CHECK(params["4.0.weight"].size(1) == 5 && params["4.0.weight"].size(0) == 6);
  TS_CHECK(params["6.weight"].size(1) == 6 * 9 && params["6.weight"].size(0) == 10);
  TS_CHECK(params["9.weight"].size(1) == 10 && params["9.weight"].size(0) == 5);
  TS_CHECK(report.find("4.0 12->6") != std::string::npos);
}

TS_TEST(channel_removal_rejects_what_it_cannot_analyse_and_leaves_model) {
  namespace nn = torch::nn;
  nn::Sequential model(nn::Linear(4, 6), nn::Softmax(1), nn::Linear(6, 2));
  {
    at::NoGradGuard g;
    model->named_parameters()["0.weight"].index({0}).zero_();
  }
  TS_CHECK_THROWS(torchslim::remove_zero_channels(*model));
  TS_CHECK(model->named_parameters()["0.weight"].size(0) == 6);
  nn::Linear lone(3, 3);
  TS_CHECK_THROWS(torchslim::remove_zero_channels(*lone));
}

TS_TEST(mask_hook_zeroes_gradients) {
  at::Tensor w = at::randn({4, 4}).requires_grad_();
  at::Tensor mask = torchslim::l1_unstructured_mask(w, 0.5);
  int64_t h = torchslim::register_mask_hook(w, mask);
  (w * 3).sum().backward();
  TS_CHECK(at::equal(w.grad(), mask * 3));
  torchslim::remove_mask_hook(w, h);
  w.mutable_grad() = at::Tensor();
  (w * 3).sum().backward();
  TS_CHECK(at::equal(w.grad(), at::full({4, 4}, 3.f)));
}

TS_TEST(radix_fallback_and_candidate_path_agree) {
  at::manual_seed(9);
  std::vector<at::Tensor> ws = {at::randn({700, 300}), at::randn({3000})};
  ws[0].narrow(0, 0, 200).fill_(0.5f);  // a mass of equal magnitudes around the cut
  int64_t total = 700 * 300 + 3000;
  for (int64_t k : {int64_t{1}, total / 3, total / 2, total - 1}) {
    auto ref = reference_masks(ws, k);
    for (int64_t limit : {int64_t{0}, int64_t{1} << 22}) {
      torchslim::pruning::FlatView view = torchslim::pruning::make_view(ws);
      std::vector<at::Tensor> masks = {at::empty_like(ws[0]), at::empty_like(ws[1])};
      torchslim::pruning::MaskWriter writer{view, {masks[0].data_ptr<float>(), masks[1].data_ptr<float>()}};
      torchslim::pruning::select_and_write(view, k, writer, limit);
      TS_CHECK(at::equal(masks[0], ref[0]) && at::equal(masks[1], ref[1]));
    }
  }
}
