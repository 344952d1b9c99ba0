// Physical channel removal: filters whose weights are all zero leave their layer, and the
// matching input channels leave the next Conv2d/Linear. Everything is checked and computed
// first, then committed with set_(), so a model that cannot be analysed is left untouched.
#include <set>
#include <sstream>
#include <variant>

#include <ATen/ATen.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/any.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/pooling.h>

#include "core/error.h"
#include "torchslim/prune.h"

namespace torchslim {
namespace {

struct Leaf {
  std::string name;
  torch::nn::AnyModule any;
  std::shared_ptr<torch::nn::Module> module;
  std::string type;  // "torch::nn::ReLUImpl"
};

void collect(torch::nn::SequentialImpl& seq, const std::string& prefix, std::vector<Leaf>& out) {
  auto children = seq.named_children();
  TORCH_CHECK(children.size() == seq.size(), "Sequential '", prefix,
              "' has children that are not in its sequence; cannot follow its data flow");
  size_t i = 0;
  for (const auto& any : seq) {
    std::string name = prefix.empty() ? children[i].key() : prefix + "." + children[i].key();
    ++i;
    auto ptr = any.ptr();
    if (auto* inner = dynamic_cast<torch::nn::SequentialImpl*>(ptr.get())) {
      collect(*inner, name, out);
    } else {
      out.push_back({name, any, ptr, ptr->name()});
    }
  }
}

bool is_elementwise_activation(const std::string& type) {
  static const std::set<std::string> names = {
      "ReLU", "ReLU6", "LeakyReLU", "ELU", "SELU", "CELU", "GELU", "SiLU", "Mish", "Sigmoid",
      "Tanh", "Hardtanh", "Hardshrink", "Softshrink", "Softplus", "Softsign", "Tanhshrink",
      "LogSigmoid", "Threshold"};
  for (const auto& n : names)
    if (type == "torch::nn::" + n + "Impl") return true;
  return false;
}

bool is_dropout_or_identity(const std::string& type) {
  for (const char* n : {"Dropout", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout",
                        "Identity"})
    if (type == std::string("torch::nn::") + n + "Impl") return true;
  return false;
}

bool is_channel_pool(const std::string& type) {
  for (const char* n : {"MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "AdaptiveMaxPool2d"})
    if (type == std::string("torch::nn::") + n + "Impl") return true;
  return false;
}

// Does a constant feature map stay the same constant through this pooling?
bool pool_keeps_constants(const Leaf& leaf) {
  if (auto* avg = leaf.module->as<torch::nn::AvgPool2dImpl>()) {
    const auto& pad = avg->options.padding();
    bool padded = (*pad)[0] != 0 || (*pad)[1] != 0;
    return !(padded && avg->options.count_include_pad()) && !avg->options.divisor_override();
  }
  return true;
}

bool conv_padding_is_zero_free(torch::nn::Conv2dImpl& conv) {
  if (!std::holds_alternative<torch::enumtype::kZeros>(conv.options.padding_mode())) return true;
  const auto& pad = conv.options.padding();
  if (std::holds_alternative<torch::enumtype::kValid>(pad)) return true;
  if (const auto* arr = std::get_if<torch::ExpandingArray<2>>(&pad)) return (**arr)[0] == 0 && (**arr)[1] == 0;
  return false;  // kSame
}

struct Pending {
  at::Tensor target;  // the live parameter or buffer
  at::Tensor value;   // its replacement
};

}  // namespace

std::string remove_zero_channels(torch::nn::Module& model) {
  TS_API_BEGIN
  auto* root = dynamic_cast<torch::nn::SequentialImpl*>(&model);
  TORCH_CHECK(root != nullptr, "channel removal needs a Sequential model (nested Sequentials allowed), got ",
              model.name());
  std::vector<Leaf> leaves;
  collect(*root, "", leaves);

  std::vector<size_t> producers;
  for (size_t i = 0; i < leaves.size(); ++i) {
    const auto& m = leaves[i].module;
    if (auto* conv = m->as<torch::nn::Conv2dImpl>()) {
      TORCH_CHECK(conv->options.groups() == 1, "channel removal: ", leaves[i].name,
                  " is a grouped Conv2d (groups=", conv->options.groups(), "), not supported");
      producers.push_back(i);
    } else if (m->as<torch::nn::LinearImpl>()) {
      producers.push_back(i);
    }
  }

  at::NoGradGuard no_grad;
  // Replacement weight/bias of every producer, sliced on both sides as we go.
  std::map<size_t, at::Tensor> new_weight, new_bias;
  auto weight_of = [&](size_t i) -> at::Tensor& {
    if (!new_weight.count(i)) {
      auto* conv = leaves[i].module->as<torch::nn::Conv2dImpl>();
      new_weight[i] = (conv ? conv->weight : leaves[i].module->as<torch::nn::LinearImpl>()->weight).detach().clone();
    }
    return new_weight[i];
  };
  auto bias_of = [&](size_t i) -> at::Tensor& {
    if (!new_bias.count(i)) {
      auto* conv = leaves[i].module->as<torch::nn::Conv2dImpl>();
      at::Tensor b = conv ? conv->bias : leaves[i].module->as<torch::nn::LinearImpl>()->bias;
      new_bias[i] = b.defined() ? b.detach().clone() : at::Tensor();
    }
    return new_bias[i];
  };
  std::vector<Pending> pending_bn;
  std::vector<std::function<void()>> option_updates;
  std::ostringstream report;

  for (size_t pi = 0; pi + 1 < producers.size(); ++pi) {
    size_t p = producers[pi], c = producers[pi + 1];
    at::Tensor w = weight_of(p);
    int64_t out = w.size(0);
    at::Tensor zero = w.reshape({out, -1}).abs().sum(1).eq(0);
    at::Tensor keep = at::nonzero(zero.logical_not()).flatten();
    at::Tensor removed = at::nonzero(zero).flatten();
    if (removed.numel() == 0) {
      // Still check the path, so an unsupported model is reported whatever its weights.
    }
    TORCH_CHECK(keep.numel() > 0, "channel removal: every filter of ", leaves[p].name,
                " is zero; removing them all would disconnect the model");
    bool p_conv = leaves[p].module->as<torch::nn::Conv2dImpl>() != nullptr;
    bool c_conv = leaves[c].module->as<torch::nn::Conv2dImpl>() != nullptr;
    // Constant output of each removed channel: its bias, then through the path below.
    at::Tensor b = bias_of(p);
    at::Tensor constant = b.defined() ? b.index_select(0, removed) : at::zeros({removed.numel()}, w.options());
    bool spatial = p_conv;  // the data still has channel and spatial dimensions
    int64_t flatten_at = -1;
    std::vector<size_t> bns;
    for (size_t j = p + 1; j < c; ++j) {
      Leaf& leaf = leaves[j];
      if (auto* bn2 = leaf.module->as<torch::nn::BatchNorm2dImpl>()) {
        TORCH_CHECK(spatial, "channel removal: ", leaf.name, " (BatchNorm2d) after flatten/Linear");
        TORCH_CHECK(bn2->options.track_running_stats(), "channel removal: ", leaf.name,
                    " has no running statistics");
        at::Tensor scale = (bn2->running_var.index_select(0, removed) + bn2->options.eps()).rsqrt();
        constant = (constant - bn2->running_mean.index_select(0, removed)) * scale;
        if (bn2->options.affine())
          constant = constant * bn2->weight.index_select(0, removed) + bn2->bias.index_select(0, removed);
        bns.push_back(j);
      } else if (auto* bn1 = leaf.module->as<torch::nn::BatchNorm1dImpl>()) {
        TORCH_CHECK(!spatial, "channel removal: ", leaf.name, " (BatchNorm1d) on a feature map");
        TORCH_CHECK(bn1->options.track_running_stats(), "channel removal: ", leaf.name,
                    " has no running statistics");
        at::Tensor scale = (bn1->running_var.index_select(0, removed) + bn1->options.eps()).rsqrt();
        constant = (constant - bn1->running_mean.index_select(0, removed)) * scale;
        if (bn1->options.affine())
          constant = constant * bn1->weight.index_select(0, removed) + bn1->bias.index_select(0, removed);
        bns.push_back(j);
      } else if (is_elementwise_activation(leaf.type)) {
        if (constant.numel() > 0) constant = leaf.any.forward(constant.view({1, -1})).view({-1});
      } else if (is_dropout_or_identity(leaf.type)) {
        // identity in eval mode
      } else if (is_channel_pool(leaf.type)) {
        TORCH_CHECK(spatial, "channel removal: ", leaf.name, " (pooling) after flatten/Linear");
        TORCH_CHECK(pool_keeps_constants(leaf) || constant.count_nonzero().item<int64_t>() == 0,
                    "channel removal: ", leaf.name,
                    " averages zero padding into a removed channel's constant output; zero that bias first");
      } else if (auto* flat = leaf.module->as<torch::nn::FlattenImpl>()) {
        TORCH_CHECK(spatial, "channel removal: ", leaf.name, " flattens data that is already flat");
        TORCH_CHECK(flat->options.start_dim() == 1 && flat->options.end_dim() == -1, "channel removal: ",
                    leaf.name, " must flatten dims 1..-1, got ", flat->options.start_dim(), "..",
                    flat->options.end_dim());
        spatial = false;
        flatten_at = static_cast<int64_t>(j);
      } else {
        TORCH_CHECK(false, "channel removal cannot analyse ", leaf.name, " (", leaf.type,
                    ") between ", leaves[p].name, " and ", leaves[c].name,
                    ": supported are Conv2d, Linear, BatchNorm1d/2d, elementwise activations, "
                    "pooling, dropout and flatten");
      }
    }
    // Consumer input slicing and folding of the removed channels' constants into its bias.
    at::Tensor cw = weight_of(c);
    at::Tensor& cb = bias_of(c);
    bool any_constant = removed.numel() > 0 && constant.count_nonzero().item<int64_t>() > 0;
    if (c_conv) {
      TORCH_CHECK(spatial, "channel removal: ", leaves[c].name, " (Conv2d) follows flattened data");
      TORCH_CHECK(cw.size(1) == out, "channel removal: ", leaves[c].name, " expects ", cw.size(1),
                  " input channels but ", leaves[p].name, " produces ", out);
      if (any_constant) {
        TORCH_CHECK(conv_padding_is_zero_free(*leaves[c].module->as<torch::nn::Conv2dImpl>()),
                    "channel removal: removed channels of ", leaves[p].name,
                    " output a non-zero constant that ", leaves[c].name,
                    " zero-pads at its borders (not foldable); zero those biases first");
        TORCH_CHECK(cb.defined(), "channel removal: ", leaves[c].name,
                    " has no bias to absorb the removed channels' constant output");
        cb += (cw.index_select(1, removed).sum({2, 3}) * constant.view({1, -1})).sum(1);
      }
      new_weight[c] = cw.index_select(1, keep);
    } else {
      TORCH_CHECK(!spatial || !p_conv, "channel removal: ", leaves[c].name,
                  " (Linear) reads a feature map of ", leaves[p].name, " without a flatten between");
      int64_t factor = 1;
      if (p_conv) {
        TORCH_CHECK(cw.size(1) % out == 0, "channel removal: ", leaves[c].name, " has ", cw.size(1),
                    " inputs, not a multiple of the ", out, " channels of ", leaves[p].name);
        factor = cw.size(1) / out;
      } else {
        TORCH_CHECK(cw.size(1) == out, "channel removal: ", leaves[c].name, " expects ", cw.size(1),
                    " inputs but ", leaves[p].name, " produces ", out);
      }
      auto columns = [&](const at::Tensor& channels) {
        return (channels.view({-1, 1}) * factor + at::arange(factor, channels.options()).view({1, -1})).flatten();
      };
      if (any_constant) {
        TORCH_CHECK(cb.defined(), "channel removal: ", leaves[c].name,
                    " has no bias to absorb the removed channels' constant output");
        at::Tensor spread = constant.view({-1, 1}).expand({removed.numel(), factor}).reshape({-1});
        cb += at::mv(cw.index_select(1, columns(removed)), spread);
      }
      new_weight[c] = cw.index_select(1, columns(keep));
    }
    if (removed.numel() == 0) continue;
    new_weight[p] = new_weight[p].index_select(0, keep);
    if (bias_of(p).defined()) new_bias[p] = new_bias[p].index_select(0, keep);
    for (size_t j : bns) {
      auto& m = leaves[j].module;
      auto slice = [&](at::Tensor& t) {
        if (t.defined()) pending_bn.push_back({t, t.detach().index_select(0, keep)});
      };
      if (auto* bn2 = m->as<torch::nn::BatchNorm2dImpl>()) {
        slice(bn2->weight), slice(bn2->bias), slice(bn2->running_mean), slice(bn2->running_var);
        int64_t n = keep.numel();
        option_updates.push_back([bn2, n] { bn2->options.num_features(n); });
      } else if (auto* bn1 = m->as<torch::nn::BatchNorm1dImpl>()) {
        slice(bn1->weight), slice(bn1->bias), slice(bn1->running_mean), slice(bn1->running_var);
        int64_t n = keep.numel();
        option_updates.push_back([bn1, n] { bn1->options.num_features(n); });
      }
    }
    report << leaves[p].name << " " << out << "->" << keep.numel() << "\n";
    (void)flatten_at;
  }

  // Commit: every check passed.
  auto replace = [](at::Tensor& live, const at::Tensor& value) {
    live.set_(value.contiguous());
    if (live.grad().defined()) live.mutable_grad() = at::Tensor();
  };
  for (auto& [i, w] : new_weight) {
    if (auto* conv = leaves[i].module->as<torch::nn::Conv2dImpl>()) {
      replace(conv->weight, w);
      if (conv->bias.defined()) replace(conv->bias, new_bias.count(i) ? new_bias[i] : conv->bias.detach().clone());
      conv->options.out_channels(w.size(0));
      conv->options.in_channels(w.size(1));
    } else {
      auto* lin = leaves[i].module->as<torch::nn::LinearImpl>();
      replace(lin->weight, w);
      if (lin->bias.defined()) replace(lin->bias, new_bias.count(i) ? new_bias[i] : lin->bias.detach().clone());
      lin->options.out_features(w.size(0));
      lin->options.in_features(w.size(1));
    }
  }
  for (auto& p : pending_bn) replace(p.target, p.value);
  for (auto& f : option_updates) f();
  return report.str();
  TS_API_END
}

}  // namespace torchslim
