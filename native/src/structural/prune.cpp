// Groups, importance and physical removal over the channel dependency graph.
#include <unordered_map>
#include <algorithm>
#include <random>
#include <set>
#include <sstream>
#include <unordered_set>

#include <ATen/ATen.h>
#include <torch/csrc/jit/ir/constants.h>
#include <torch/csrc/jit/passes/constant_propagation.h>
#include <torch/csrc/jit/passes/dead_code_elimination.h>
#include <torch/csrc/jit/passes/inliner.h>

#include "core/error.h"
#include "graph/walk.h"
#include "structural/dependency.h"
#include "structural/transformer.h"
#include "torchslim/graph.h"
#include "torchslim/prune.h"
#include "torchslim/structural.h"

namespace torchslim {
namespace {

using structural::DependencyGraph;

/// Channels that leave together: units (union-find roots) sharing the same parameter uses.
struct Group {
  int64_t id = 0;
  std::vector<int64_t> units;
  std::vector<size_t> uses;
  int64_t width = 1;  // indices of one unit in its first producer use (a head's width)
  std::vector<std::string> layers;
};

std::string layer_of(const std::string& param) {
  auto dot = param.rfind('.');
  return dot == std::string::npos ? "" : param.substr(0, dot);
}

/// Module attributes that are bools, ints or floats (MBConv's use_res_connect) become constants,
/// as freezing does, so their branches fold; the output's forward no longer reads them.
void fold_flags(const torch::jit::Module& m, torch::jit::Graph& g) {
  std::vector<torch::jit::Node*> reads;
  graph::for_each_node(*g.block(), [&](torch::jit::Node* n) {
    if (n->kind() != c10::prim::GetAttr) return;
    auto kind = n->output()->type()->kind();
    if (kind == c10::TypeKind::BoolType || kind == c10::TypeKind::IntType || kind == c10::TypeKind::FloatType)
      reads.push_back(n);
  });
  for (torch::jit::Node* n : reads) {
    std::vector<std::string> names;
    const torch::jit::Value* v = n->output();
    while (v->node()->kind() == c10::prim::GetAttr) {
      names.push_back(v->node()->s(c10::attr::name));
      v = v->node()->input(0);
    }
    if (v != g.inputs()[0]) continue;
    c10::IValue value = m._ivalue();
    for (auto it = names.rbegin(); it != names.rend(); ++it) value = value.toObject()->getAttr(*it);
    torch::jit::WithInsertPoint guard(n);
    n->output()->replaceAllUsesWith(g.insertConstant(value));
  }
}

/// An own copy of the model in eval form with its forward inlined (the graph we analyse and edit).
torch::jit::Module prepared(const ScriptModel& model, const std::vector<at::Tensor>& inputs) {
  at::NoGradGuard no_grad;
  torch::jit::Module m = model.module().clone();
  // A clone made under NoGradGuard has parameters that take no gradients: give each the source's
  // flag back, so the pruned model fine-tunes like the one it came from.
  std::unordered_map<std::string, bool> trainable;
  for (const auto& p : model.module().named_parameters(true)) trainable[p.name] = p.value.requires_grad();
  for (const auto& p : m.named_parameters(true)) {
    auto it = trainable.find(p.name);
    if (it != trainable.end()) p.value.set_requires_grad(it->second);
  }
  m.eval();
  graph::fold_training_flag(m, false);
  auto g = m.get_method("forward").graph();
  structural::inline_with_plain_transformers(m, *g);
  fold_flags(m, *g);
  torch::jit::ConstantPropagation(g);
  torch::jit::EliminateDeadCode(g);
  if (structural::plain_traced_attention(m, *g, inputs) > 0) torch::jit::ConstantPropagation(g);
  return m;
}

/// The name a model input takes among a group's layers (and in --ignore): "input.0" for the first.
std::string input_layer(size_t input) { return "input." + std::to_string(input); }

/// The forward reads only the kept channels of each model input whose channels leave: one
/// aten::index_select at the top (zero_only: aten::index_fill of the removed ones with 0, the same
/// model with those channels zero). Returns "input<TAB>input.0<TAB>dim<TAB>before<TAB>after" lines.
std::string select_inputs(torch::jit::Graph& graph, DependencyGraph& dg, const std::unordered_set<int64_t>& removed,
                          bool zero_only) {
  std::ostringstream out;
  for (const auto& in : dg.inputs()) {
    std::vector<int64_t> kept, gone;
    for (size_t i = 0; i < in.el.size(); ++i)
      (removed.count(dg.find(in.el[i])) ? gone : kept).push_back(static_cast<int64_t>(i));
    if (gone.empty()) continue;
    torch::jit::Value* x = graph.inputs()[in.input + 1];
    torch::jit::WithInsertPoint guard(graph.block()->nodes().front());
    torch::jit::Value* dim = graph.insertConstant(in.dim);
    torch::jit::Value* read =
        zero_only ? graph.insert(c10::aten::index_fill,
                                 {x, dim, graph.insertConstant(at::tensor(gone, at::kLong)), graph.insertConstant(0.0)})
                  : graph.insert(c10::aten::index_select, {x, dim, graph.insertConstant(at::tensor(kept, at::kLong))});
    x->replaceAllUsesAfterNodeWith(read->node(), read);
    out << "input\t" << input_layer(in.input) << '\t' << in.dim << '\t' << in.el.size() << '\t' << kept.size() << '\n';
  }
  return out.str();
}

std::vector<Group> groups_of(DependencyGraph& dg) {
  std::map<int64_t, std::vector<size_t>> sig;  // root -> uses
  std::map<int64_t, int64_t> width;
  std::vector<int64_t> order;
  const auto& uses = dg.uses();
  for (size_t u = 0; u < uses.size(); ++u) {
    std::map<int64_t, int64_t> count;
    for (int64_t e : uses[u].el) {
      int64_t r = dg.find(e);
      if (dg.fixed(r)) continue;
      ++count[r];
    }
    for (auto [r, c] : count) {
      auto& s = sig[r];
      if (s.empty()) order.push_back(r);
      s.push_back(u);
      if (uses[u].producer && !width.count(r)) width[r] = c;
    }
  }
  // Roots holding a model input's channels: the group names that input ("input.0") first.
  std::map<int64_t, size_t> input_of;
  for (const auto& in : dg.inputs())
    for (int64_t e : in.el) input_of.emplace(dg.find(e), in.input);
  std::map<std::vector<size_t>, size_t> index;
  std::vector<Group> out;
  for (int64_t r : order) {
    auto& s = sig[r];
    auto it = index.find(s);
    if (it == index.end()) {
      Group g;
      g.id = static_cast<int64_t>(out.size());
      g.uses = s;
      g.width = width.count(r) ? width[r] : 1;
      std::set<std::string> seen;
      if (input_of.count(r)) g.layers.push_back(input_layer(input_of[r]));
      for (size_t u : s)
        if (seen.insert(layer_of(uses[u].param)).second) g.layers.push_back(layer_of(uses[u].param));
      index[s] = out.size();
      out.push_back(g);
      it = index.find(s);
    }
    out[it->second].units.push_back(r);
  }
  return out;
}

struct Params {
  std::map<std::string, at::Tensor> tensors;
  std::set<std::string> parameters;  // not buffers
};

Params params_of(const torch::jit::Module& m) {
  Params p;
  for (const auto& x : m.named_parameters(true)) {
    p.tensors[x.name] = x.value;
    p.parameters.insert(x.name);
  }
  for (const auto& x : m.named_buffers(true)) p.tensors[x.name] = x.value;
  return p;
}

// Per index of dim: sum over the other dims of f(slice).
at::Tensor per_index(const at::Tensor& t, int64_t dim, const std::string& how) {
  at::Tensor x = t.detach().to(at::kFloat).movedim(dim, 0).reshape({t.size(dim), -1});
  return how == "l1" ? x.abs().sum(1) : x.pow(2).sum(1);
}

std::vector<double> importance_of(const Group& g, DependencyGraph& dg, const Params& p, const std::string& how,
                                  int64_t seed) {
  std::vector<double> score(g.units.size(), 0.0);
  std::map<int64_t, size_t> unit;
  for (size_t i = 0; i < g.units.size(); ++i) unit[g.units[i]] = i;
  if (how == "random") {
    std::mt19937_64 rng(static_cast<uint64_t>(seed) * 1000003ULL + static_cast<uint64_t>(g.id));
    std::uniform_real_distribution<double> u(0.0, 1.0);
    for (auto& s : score) s = u(rng);
    return score;
  }
  bool bn = false;
  if (how == "bn")
    for (size_t u : g.uses) bn = bn || dg.uses()[u].norm_scale;
  for (size_t u : g.uses) {
    const auto& use = dg.uses()[u];
    if (!p.parameters.count(use.param)) continue;
    if (bn && !use.norm_scale) continue;
    const at::Tensor& t = p.tensors.at(use.param);
    at::Tensor s;
    if (how == "taylor") {
      TORCH_CHECK(t.grad().defined(), "taylor importance needs gradients; ", use.param, " has none");
      s = per_index(t.detach() * t.grad(), use.dim, "l1");
    } else {
      s = per_index(t, use.dim, how == "l1" || bn ? "l1" : "l2");
    }
    auto acc = s.to(at::kDouble).contiguous();
    const double* a = acc.data_ptr<double>();
    for (size_t i = 0; i < use.el.size(); ++i) {
      auto it = unit.find(dg.find(use.el[i]));
      if (it != unit.end()) score[it->second] += a[i];
    }
  }
  if (how == "l2" || (how == "bn" && !bn))
    for (auto& s : score) s = std::sqrt(s);
  return score;
}

void check_importance(const std::string& how) {
  static const std::set<std::string> ok = {"l1", "l2", "bn", "random", "taylor"};
  TORCH_CHECK(ok.count(how), "importance must be one of l1, l2, bn, random, taylor; got '", how, "'");
}

std::vector<std::string> split_csv(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, sep))
    if (!item.empty()) out.push_back(item);
  return out;
}

bool ignored(const Group& g, const std::vector<std::string>& ignore) {
  for (const auto& layer : g.layers)
    for (const auto& name : ignore)
      if (layer == name || layer.rfind(name + ".", 0) == 0) return true;
  return false;
}

std::vector<at::Tensor> grads_for_taylor(torch::jit::Module& m, const std::vector<at::Tensor>& inputs,
                                         const at::Tensor& targets) {
  TORCH_CHECK(targets.defined(), "taylor importance needs data with targets (--data)");
  std::vector<at::Tensor> ps;
  for (const auto& p : m.parameters(true)) {
    p.requires_grad_(true);
    if (p.grad().defined()) p.mutable_grad().zero_();
    ps.push_back(p);
  }
  std::vector<c10::IValue> args(inputs.begin(), inputs.end());
  at::Tensor out = m.forward(args).toTensor();
  at::Tensor t = targets.to(at::kLong).reshape({-1});
  at::Tensor logits = out.reshape({t.size(0), -1});
  at::Tensor loss = at::cross_entropy_loss(logits, t);
  loss.backward();
  return ps;
}

std::string shape_text(const at::Tensor& t) {
  std::string s;
  for (auto d : t.sizes()) s += (s.empty() ? "" : "x") + std::to_string(d);
  return s;
}

void apply_edit(torch::jit::Graph& graph, const structural::IntEdit& e, int64_t value) {
  torch::jit::WithInsertPoint guard(e.node);
  torch::jit::Value* in = e.node->input(e.input);
  if (e.list_index < 0) {
    e.node->replaceInput(e.input, graph.insertConstant(value));
    return;
  }
  if (auto iv = torch::jit::toIValue(in)) {
    auto v = iv->toIntVector();
    v[e.list_index] = value;
    e.node->replaceInput(e.input, graph.insertConstant(v));
    return;
  }
  TORCH_CHECK(in->node()->kind() == c10::prim::ListConstruct, "internal: size list is not a list");
  std::vector<torch::jit::Value*> items(in->node()->inputs().begin(), in->node()->inputs().end());
  items[e.list_index] = graph.insertConstant(value);
  torch::jit::Node* list = graph.insertNode(graph.createList(c10::IntType::get(), items));
  e.node->replaceInput(e.input, list->output());
}

}  // namespace

std::string channel_groups(const ScriptModel& model, const std::vector<at::Tensor>& inputs) {
  TS_API_BEGIN
  torch::jit::Module m = prepared(model, inputs);
  DependencyGraph dg(m, m.get_method("forward").graph(), inputs);
  std::ostringstream out;
  for (const auto& g : groups_of(dg)) {
    out << g.id << '\t' << g.units.size() << '\t' << g.width << '\t';
    for (size_t i = 0; i < g.layers.size(); ++i) out << (i ? "," : "") << g.layers[i];
    out << '\n';
  }
  for (const auto& [reason, count] : dg.fixed_reasons()) out << "fixed\t" << count << '\t' << reason << '\n';
  return out.str();
  TS_API_END
}

std::string channel_importance(const ScriptModel& model, const std::vector<at::Tensor>& inputs,
                               const at::Tensor& targets, const std::string& importance, int64_t seed) {
  TS_API_BEGIN
  check_importance(importance);
  torch::jit::Module m = prepared(model, inputs);
  if (importance == "taylor") grads_for_taylor(m, inputs, targets);
  DependencyGraph dg(m, m.get_method("forward").graph(), inputs);
  Params p = params_of(m);
  std::ostringstream out;
  out.precision(9);
  for (const auto& g : groups_of(dg)) {
    auto s = importance_of(g, dg, p, importance, seed);
    out << g.id << '\t';
    for (size_t i = 0; i < s.size(); ++i) out << (i ? "," : "") << s[i];
    out << '\n';
  }
  return out.str();
  TS_API_END
}

std::string prune_channels(ScriptModel& result, const ScriptModel& model, const std::vector<at::Tensor>& inputs,
                           const at::Tensor& targets, const std::string& importance, double amount,
                           const std::string& ratios, const std::string& ignore, int64_t seed, bool zero_only) {
  TS_API_BEGIN
  check_importance(importance);
  TORCH_CHECK(amount >= 0 && amount <= 1, "amount must be in [0, 1], got ", amount);
  std::map<int64_t, double> ratio;
  for (const auto& item : split_csv(ratios, ';')) {
    auto eq = item.find('=');
    TORCH_CHECK(eq != std::string::npos, "ratios are id=ratio items joined by ';', got '", item, "'");
    double r = std::stod(item.substr(eq + 1));
    TORCH_CHECK(r >= 0 && r <= 1, "ratio of group ", item.substr(0, eq), " must be in [0, 1], got ", r);
    ratio[std::stoll(item.substr(0, eq))] = r;
  }
  auto ignore_names = split_csv(ignore, ',');
  torch::jit::Module m = prepared(model, inputs);
  if (importance == "taylor") grads_for_taylor(m, inputs, targets);
  auto graph = m.get_method("forward").graph();
  DependencyGraph dg(m, graph, inputs);
  Params p = params_of(m);
  auto groups = groups_of(dg);

  std::unordered_set<int64_t> removed;
  std::ostringstream group_lines;
  for (const auto& g : groups) {
    int64_t n = static_cast<int64_t>(g.units.size());
    double r = ratio.count(g.id) ? ratio[g.id] : amount;
    int64_t k = ignored(g, ignore_names) ? 0 : std::min(prune_count(n, r), n - 1);
    if (k > 0) {
      auto s = importance_of(g, dg, p, importance, seed);
      std::vector<int64_t> idx(n);
      for (int64_t i = 0; i < n; ++i) idx[i] = i;
      std::stable_sort(idx.begin(), idx.end(), [&](int64_t a, int64_t b) { return s[a] < s[b]; });
      for (int64_t i = 0; i < k; ++i) removed.insert(g.units[idx[i]]);
    }
    group_lines << "group\t" << g.id << '\t' << n << '\t' << (n - k) << '\n';
  }

  // keep[param][dim]: indices whose element stays (every use of that dim agrees).
  std::map<std::string, std::map<int64_t, std::vector<bool>>> keep;
  for (const auto& use : dg.uses()) {
    auto& k = keep[use.param][use.dim];
    if (k.empty()) k.assign(use.el.size(), true);
    TORCH_CHECK(k.size() == use.el.size(), "internal: ", use.param, " dim ", use.dim, " used with sizes ",
                k.size(), " and ", use.el.size());
    for (size_t i = 0; i < use.el.size(); ++i)
      if (removed.count(dg.find(use.el[i]))) k[i] = false;
  }
  std::ostringstream out;
  std::string inputs_read;
  {
    at::NoGradGuard no_grad;
    inputs_read = select_inputs(*graph, dg, removed, zero_only);
    if (zero_only) {
      for (const auto& use : dg.uses()) {
        if (!use.producer) continue;
        at::Tensor t = p.tensors.at(use.param);
        for (size_t i = 0; i < use.el.size(); ++i)
          if (removed.count(dg.find(use.el[i]))) t.select(use.dim, static_cast<int64_t>(i)).zero_();
      }
    } else {
      for (auto& [param, dims] : keep) {
        at::Tensor t = p.tensors.at(param);
        at::Tensor before = t;
        for (auto& [dim, k] : dims) {
          std::vector<int64_t> idx;
          for (size_t i = 0; i < k.size(); ++i)
            if (k[i]) idx.push_back(static_cast<int64_t>(i));
          if (static_cast<int64_t>(idx.size()) == t.size(dim)) continue;
          t = t.index_select(dim, at::tensor(idx, at::kLong));
        }
        if (t.sizes() == before.sizes()) continue;
        t = t.contiguous();
        if (p.parameters.count(param)) t.set_requires_grad(before.requires_grad());
        auto dot = param.rfind('.');
        torch::jit::Module owner = m;
        if (dot != std::string::npos)
          for (const auto& part : split_csv(param.substr(0, dot), '.')) owner = owner.attr(part).toModule();
        owner.setattr(param.substr(dot == std::string::npos ? 0 : dot + 1), t);
        out << param << '\t' << shape_text(before) << '\t' << shape_text(t) << '\n';
      }
      // nn.MultiheadAttention keeps its num_heads attribute in step with its q/k/v rows (Python reads it)
      for (auto sub : m.modules()) {
        if (graph::type_name(sub).find("MultiheadAttention") == std::string::npos || !sub.hasattr("num_heads") ||
            !sub.hasattr("head_dim") || !sub.hasattr("in_proj_weight"))
          continue;
        auto heads = sub.attr("num_heads"), hd = sub.attr("head_dim"), w = sub.attr("in_proj_weight");
        if (!heads.isInt() || !hd.isInt() || hd.toInt() <= 0 || !w.isTensor()) continue;
        int64_t now = w.toTensor().size(0) / (3 * hd.toInt());
        if (now != heads.toInt()) sub.setattr("num_heads", now);
      }
      for (const auto& e : dg.edits()) {
        int64_t kept = 0;
        for (int64_t x : e.el) kept += removed.count(dg.find(x)) ? 0 : 1;
        if (kept == static_cast<int64_t>(e.el.size())) continue;
        apply_edit(*graph, e, kept * e.factor);
      }
      torch::jit::EliminateDeadCode(graph);
    }
  }
  for (at::Tensor x : m.parameters(true))
    if (x.grad().defined()) x.mutable_grad() = at::Tensor();
  result.reset(m);
  return out.str() + group_lines.str() + inputs_read;
  TS_API_END
}

}  // namespace torchslim
