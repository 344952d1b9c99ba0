// Mask pruning of TorchScript files saved by Python: every weight a PyTorch user names (Conv*,
// ConvTranspose*, Linear and its subclasses, RNN/LSTM/GRU, MultiheadAttention, embeddings on
// request) is multiplied by its mask; every other tensor is saved as it was. Each parameter of the
// file ends up in the report: pruned, or left out with the reason.
#include <atomic>
#include <chrono>
#include <regex>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/csrc/jit/api/module.h>
#include <torch/csrc/jit/serialization/import.h>

#include "core/error.h"
#include "core/files.h"
#include "torchslim/prune.h"

namespace torchslim {
namespace {

// "__torch__.torch.nn.modules.linear.___torch_mangle_3.Linear" -> "torch.nn.modules.linear.Linear".
std::string plain_type_name(std::string qualified) {
  static const std::regex mangle("___torch_mangle_[0-9]+\\.");
  qualified = std::regex_replace(qualified, mangle, "");
  const std::string prefix = "__torch__.";
  if (qualified.compare(0, prefix.size(), prefix) == 0) qualified = qualified.substr(prefix.size());
  return qualified;
}

bool is_int_attr(const torch::jit::Module& m, const char* name) {
  return m.hasattr(name) && m.attr(name).isInt();
}

enum class Kind { none, covered, embedding };

// The registry of covered weights: one entry per module type (TorchScript keeps no base classes,
// so subclasses are entries too), each with the parameter names that are its weights.
Kind classify(const std::string& type, const std::string& param) {
  static const std::regex rnn_weight("weight_(ih|hh|hr)_l[0-9]+(_reverse)?");
  static const std::regex cell_weight("weight_(ih|hh)");
  static const std::regex attention_weight("(in|q|k|v)_proj_weight");
  static const std::unordered_map<std::string, const std::regex*> by_type = {
      {"torch.nn.modules.rnn.LSTM", &rnn_weight},         {"torch.nn.modules.rnn.GRU", &rnn_weight},
      {"torch.nn.modules.rnn.RNN", &rnn_weight},          {"torch.nn.modules.rnn.LSTMCell", &cell_weight},
      {"torch.nn.modules.rnn.GRUCell", &cell_weight},     {"torch.nn.modules.rnn.RNNCell", &cell_weight},
      {"torch.nn.modules.activation.MultiheadAttention", &attention_weight},
  };
  static const std::unordered_set<std::string> weight_types = {
      "torch.nn.modules.conv.Conv1d",          "torch.nn.modules.conv.Conv2d",
      "torch.nn.modules.conv.Conv3d",          "torch.nn.modules.conv.ConvTranspose1d",
      "torch.nn.modules.conv.ConvTranspose2d", "torch.nn.modules.conv.ConvTranspose3d",
      "torch.nn.modules.linear.Linear",        "torch.nn.modules.linear.NonDynamicallyQuantizableLinear",
      "torch.nn.modules.linear.Bilinear",
  };
  static const std::unordered_set<std::string> embedding_types = {
      "torch.nn.modules.sparse.Embedding", "torch.nn.modules.sparse.EmbeddingBag"};
  if (param == "weight" && weight_types.count(type)) return Kind::covered;
  if (param == "weight" && embedding_types.count(type)) return Kind::embedding;
  auto it = by_type.find(type);
  if (it != by_type.end() && std::regex_match(param, *it->second)) return Kind::covered;
  return Kind::none;
}

// A scripted subclass of Linear or Conv keeps its attributes, not its base class: recognise it by them.
bool linear_or_conv_by_attributes(const torch::jit::Module& m, const std::string& param) {
  if (param != "weight") return false;
  return (is_int_attr(m, "in_features") && is_int_attr(m, "out_features")) ||
         (is_int_attr(m, "in_channels") && is_int_attr(m, "out_channels") && m.hasattr("kernel_size"));
}

std::string shape_of(const at::Tensor& t) {
  std::ostringstream s;
  s << t.sizes();
  return s.str();
}

// at::count_nonzero took 0.4 s for 50M weights (most of the report's time): a plain parallel count.
int64_t nonzero_count(const at::Tensor& t) {
  if (t.scalar_type() != at::kFloat || !t.is_contiguous() || !t.device().is_cpu())
    return t.count_nonzero().item<int64_t>();
  const float* p = t.const_data_ptr<float>();
  std::atomic<int64_t> total{0};
  at::parallel_for(0, t.numel(), 1 << 16, [&](int64_t b, int64_t e) {
    int64_t n = 0;
    for (int64_t i = b; i < e; ++i) n += p[i] != 0.0f;
    total += n;
  });
  return total.load();
}

struct Candidate {
  std::string name;
  at::Tensor weight;
};

struct LeftOut {
  std::string name;
  at::Tensor weight;
  std::string reason;
};

}  // namespace

std::string prune_torchscript(const std::string& in, const std::string& out,
                              const std::string& method, double amount, double n, int64_t dim,
                              int64_t nm_n, int64_t nm_m, int64_t seed, bool include_embedding) {
  TS_API_BEGIN
  TORCH_CHECK(method == "l1" || method == "l1-global" || method == "random" || method == "ln" ||
                  method == "nm",
              "unknown method '", method, "': expected l1, l1-global, random, ln or nm");
  using clock = std::chrono::steady_clock;
  auto ms = [](clock::time_point a, clock::time_point b) {
    return std::chrono::duration<double, std::milli>(b - a).count();
  };
  auto t0 = clock::now();
  clock::time_point t1, t2, t3, t4;
  std::ostringstream rows;
  {  // the module is freed at the end of this block, inside the measured time
  torch::jit::Module module = torch::jit::load(in);
  t1 = clock::now();
  std::vector<Candidate> pruned;
  std::vector<LeftOut> left;
  std::unordered_map<const c10::TensorImpl*, std::string> seen;
  for (const auto& item : module.named_modules()) {
    std::string type = "(no type)";
    if (auto t = item.value.type()->name()) type = plain_type_name(t->qualifiedName());
    for (const auto& p : item.value.named_parameters(/*recurse=*/false)) {
      std::string name = item.name.empty() ? p.name : item.name + "." + p.name;
      const at::Tensor& w = p.value;
      auto shared = seen.find(w.unsafeGetTensorImpl());
      if (shared != seen.end()) {
        left.push_back({name, w, "same tensor as " + shared->second + " (counted once)"});
        continue;
      }
      seen.emplace(w.unsafeGetTensorImpl(), name);
      Kind kind = classify(type, p.name);
      if (kind == Kind::none && linear_or_conv_by_attributes(item.value, p.name)) kind = Kind::covered;
      std::string reason;
      if (!at::isFloatingType(w.scalar_type())) {
        reason = std::string("not floating point (") + c10::toString(w.scalar_type()) + ")";
      } else if (w.dim() < 2) {
        reason = w.dim() == 1 ? "1-D (bias/norm)" : "0-D (scalar)";
      } else if (kind == Kind::embedding && !include_embedding) {
        reason = "embedding: pass --include embedding";
      } else if (kind == Kind::none) {
        reason = "unknown module type " + type;
      } else if (w.numel() == 0) {
        reason = "empty (0 elements)";
      } else if (method == "ln" && dim >= w.dim()) {
        reason = "ln: --dim " + std::to_string(dim) + " but the weight is " + std::to_string(w.dim()) + "-D";
      } else if (method == "nm" && w.size(1) % nm_m != 0) {
        reason = "nm: inputs not a multiple of M=" + std::to_string(nm_m) + " (" + std::to_string(w.size(1)) +
                 " along dim 1)";
      }
      if (reason.empty()) {
        pruned.push_back({name, w});
      } else {
        left.push_back({name, w, reason});
      }
    }
  }
  if (pruned.empty()) {
    std::ostringstream why;
    for (size_t i = 0; i < left.size() && i < 5; ++i) why << "; " << left[i].name << ": " << left[i].reason;
    TORCH_CHECK(false, in, " has no weight to prune (Conv, ConvTranspose, Linear, RNN/LSTM/GRU, ",
                "MultiheadAttention; Embedding with --include embedding)", why.str());
  }
  std::vector<at::Tensor> weights;
  for (const auto& c : pruned) weights.push_back(c.weight);
  {
    at::NoGradGuard no_grad;
    if (method == "l1-global") {
      // In place with one threshold: no mask tensors for a model of many MB.
      global_l1_prune_(weights, amount);
    } else {
      for (size_t i = 0; i < weights.size(); ++i) {
        at::Tensor mask;
        if (method == "l1") mask = l1_unstructured_mask(weights[i], amount);
        if (method == "random") mask = random_unstructured_mask(weights[i], amount, seed + static_cast<int64_t>(i));
        if (method == "ln") mask = ln_structured_mask(weights[i], amount, n, dim);
        if (method == "nm") mask = nm_mask(weights[i], nm_n, nm_m);
        weights[i].mul_(mask);
      }
    }
  }
  t2 = clock::now();
  save_module_atomically(module, out);
  t3 = clock::now();

  // A "time\tLOAD\tPRUNE\tSAVE\t..." line (ms), then one line per parameter: "pruned\tNAME\tSHAPE\tPARAMS\tNONZERO" or "left\tNAME\tSHAPE\tPARAMS\tREASON".
  for (const auto& c : pruned)
    rows << "pruned\t" << c.name << "\t" << shape_of(c.weight) << "\t" << c.weight.numel() << "\t"
         << nonzero_count(c.weight) << "\n";
  for (const auto& l : left)
    rows << "left\t" << l.name << "\t" << shape_of(l.weight) << "\t" << l.weight.numel() << "\t" << l.reason << "\n";
  t4 = clock::now();
  }
  auto t5 = clock::now();
  std::ostringstream timing;
  timing << "time\t" << ms(t0, t1) << "\t" << ms(t1, t2) << "\t" << ms(t2, t3) << "\t" << ms(t3, t4) << "\t"
         << ms(t4, t5) << "\tload prune save report free (ms)\n";
  return timing.str() + rows.str();
  TS_API_END
}

}  // namespace torchslim
