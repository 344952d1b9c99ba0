#include "structural/dependency.h"

#include "graph/walk.h"

#include <sstream>

#include <ATen/ATen.h>
#include <torch/csrc/jit/api/function_impl.h>
#include <torch/csrc/jit/ir/constants.h>

namespace torchslim::structural {

using torch::jit::Node;
using torch::jit::Value;

DependencyGraph::DependencyGraph(torch::jit::Module module, std::shared_ptr<torch::jit::Graph> graph,
                                 const std::vector<at::Tensor>& inputs)
    : module_(std::move(module)), graph_(std::move(graph)) {
  probe_shapes(inputs);
  std::vector<int64_t> dims;  // per forward argument: the dim that holds its channels, -1 untracked
  for (size_t i = 1; i < graph_->inputs().size(); ++i) {
    auto* s = shape(graph_->inputs()[i]);
    dims.push_back(s && !s->empty() ? input_channel_dim(graph_->inputs()[i], s->size()) : -1);
  }
  build(dims);
  // A three-dim floating input whose guessed dim stays fixed (read through a transpose first, as a
  // traced nn.MultiheadAttention does): its channels may be the other candidate, [batch, tokens,
  // features] against [batch, channels, length]. Keep whichever lets them leave.
  for (size_t i = 0; i < dims.size(); ++i) {
    const Value* v = graph_->inputs()[i + 1];
    auto* s = shape(v);
    if (!s || s->size() != 3 || !floating_.count(v) || input_free(i)) continue;
    auto other = dims;
    other[i] = dims[i] == 1 ? 2 : 1;
    build(other);
    if (input_free(i))
      dims = other;
    else
      build(dims);
  }
}

void DependencyGraph::build(const std::vector<int64_t>& dims) {
  channels_.clear();
  lists_.clear();
  parent_.clear();
  reason_.clear();
  uses_.clear();
  edits_.clear();
  inputs_.clear();
  deferred_.clear();
  unhandled_.clear();
  // The model's inputs: their channels belong to the caller, unless a layer's channels join them.
  for (size_t i = 1; i < graph_->inputs().size(); ++i) {
    const Value* v = graph_->inputs()[i];
    if (dims[i - 1] < 0) continue;
    int64_t dim = dims[i - 1];
    Channels c{dim, fresh((*shape(v))[dim])};
    if (floating_.count(v))
      inputs_.push_back({i - 1, dim, c.el});
    else
      fix(c.el, "model input");
    set(v, c);
  }
  for (Node* n : graph_->nodes()) visit(n);
  for (const Value* v : graph_->outputs()) fix_value(v, "model output");
  for (const auto& [v, d] : deferred_)
    if (d.pending > 0) fix(d.el, d.reason);
  settle_inputs();
}

bool DependencyGraph::input_free(size_t input) {
  for (const auto& in : inputs_)
    if (in.input == input)
      for (int64_t e : in.el)
        if (!fixed(e)) return true;
  return false;
}

int64_t DependencyGraph::input_channel_dim(const Value* v, size_t rank) {
  if (rank < 3) return static_cast<int64_t>(rank) - 1;
  // [batch, tokens, features] read by a Linear or a LayerNorm: the features. Otherwise NC...: dim 1.
  for (const torch::jit::Use& u : v->uses()) {
    auto k = u.user->kind();
    if (u.offset == 0 && (k == c10::aten::linear || k == c10::aten::layer_norm || k == c10::aten::matmul))
      return static_cast<int64_t>(rank) - 1;
  }
  return 1;
}

void DependencyGraph::settle_inputs() {
  // Computed by a layer: a producer use of a weight of two dims or more (conv, linear, embedding),
  // not only a norm's scale or a bias.
  std::set<std::string> weights;
  for (const auto& p : module_.named_parameters(true))
    if (p.value.dim() >= 2) weights.insert(p.name);
  std::set<int64_t> computed;
  for (const auto& u : uses_)
    if (u.producer && weights.count(u.param))
      for (int64_t e : u.el) computed.insert(find(e));
  for (const auto& in : inputs_)
    for (int64_t e : in.el)
      if (!computed.count(find(e))) fix({e}, "model input");
}

void DependencyGraph::probe_shapes(const std::vector<at::Tensor>& inputs) {
  TORCH_CHECK(graph_->inputs().size() == inputs.size() + 1, "the model's forward takes ",
              graph_->inputs().size() - 1, " inputs; ", inputs.size(), " given");
  // Every tensor the graph computes (top level, in node order), from one run.
  std::vector<const Value*> originals;
  for (size_t i = 1; i < graph_->inputs().size(); ++i) originals.push_back(graph_->inputs()[i]);
  for (const Node* n : graph_->nodes())
    for (const Value* out : n->outputs())
      if (out->type()->cast<c10::TensorType>()) originals.push_back(out);
  auto values = graph::run_returning(module_, *graph_, inputs, originals);
  const size_t arguments = graph_->inputs().size() - 1;  // originals starts with the forward's arguments
  for (size_t i = 0; i < originals.size(); ++i)
    if (values[i].isTensor() && values[i].toTensor().defined()) {
      shapes_[originals[i]] = values[i].toTensor().sizes().vec();
      if (i < arguments && values[i].toTensor().is_floating_point()) floating_.insert(originals[i]);
    }
}

const std::vector<int64_t>* DependencyGraph::shape(const Value* v) const {
  auto it = shapes_.find(v);
  return it == shapes_.end() ? nullptr : &it->second;
}

Channels* DependencyGraph::channels(const Value* v) {
  auto it = channels_.find(v);
  return it == channels_.end() ? nullptr : &it->second;
}

void DependencyGraph::set(const Value* v, Channels c) { channels_[v] = std::move(c); }

std::vector<std::optional<Channels>>* DependencyGraph::list(const Value* v) {
  auto it = lists_.find(v);
  return it == lists_.end() ? nullptr : &it->second;
}

void DependencyGraph::set_list(const Value* v, std::vector<std::optional<Channels>> items) {
  lists_[v] = std::move(items);
}

std::vector<int64_t> DependencyGraph::fresh(int64_t n) {
  std::vector<int64_t> out(n);
  for (int64_t i = 0; i < n; ++i) {
    out[i] = static_cast<int64_t>(parent_.size());
    parent_.push_back(out[i]);
    reason_.emplace_back();
  }
  return out;
}

int64_t DependencyGraph::find(int64_t e) {
  while (parent_[e] != e) {
    parent_[e] = parent_[parent_[e]];
    e = parent_[e];
  }
  return e;
}

void DependencyGraph::unite(int64_t a, int64_t b) {
  a = find(a);
  b = find(b);
  if (a == b) return;
  if (a > b) std::swap(a, b);
  parent_[b] = a;
  if (reason_[a].empty()) reason_[a] = reason_[b];
}

void DependencyGraph::unite_all(const std::vector<int64_t>& a, const std::vector<int64_t>& b) {
  TORCH_CHECK(a.size() == b.size(), "internal: uniting channel lists of sizes ", a.size(), " and ", b.size());
  for (size_t i = 0; i < a.size(); ++i) unite(a[i], b[i]);
}

void DependencyGraph::fix(const std::vector<int64_t>& el, const std::string& reason) {
  for (int64_t e : el) {
    int64_t r = find(e);
    if (reason_[r].empty()) reason_[r] = reason;
  }
}

void DependencyGraph::fix_value(const Value* v, const std::string& reason) {
  if (auto* c = channels(v)) fix(c->el, reason);
  if (auto* l = list(v))
    for (auto& item : *l)
      if (item) fix(item->el, reason);
}

bool DependencyGraph::fixed(int64_t e) { return !reason_[find(e)].empty(); }

std::map<std::string, int64_t> DependencyGraph::fixed_reasons() {
  std::map<std::string, int64_t> out;
  for (size_t e = 0; e < parent_.size(); ++e)
    if (find(static_cast<int64_t>(e)) == static_cast<int64_t>(e) && !reason_[e].empty()) ++out[reason_[e]];
  for (const auto& r : unhandled_) out.emplace(r, 0);  // reached only by channels fixed already
  return out;
}

std::optional<std::string> DependencyGraph::param_path(const Value* v) const {
  if (!v->type()->cast<c10::TensorType>() && !v->type()->cast<c10::OptionalType>()) return std::nullopt;
  std::vector<std::string> names;
  while (v->node()->kind() == c10::prim::GetAttr) {
    names.push_back(v->node()->s(c10::attr::name));
    v = v->node()->input(0);
  }
  if (names.empty() || v != graph_->inputs()[0]) return std::nullopt;
  c10::IValue value = module_._ivalue();
  for (auto it = names.rbegin(); it != names.rend(); ++it) {
    if (!value.isObject()) return std::nullopt;
    value = value.toObject()->getAttr(*it);
  }
  if (!value.isTensor()) return std::nullopt;  // a None bias
  std::string path;
  for (auto it = names.rbegin(); it != names.rend(); ++it) path += (path.empty() ? "" : ".") + *it;
  return path;
}

void DependencyGraph::use(const std::string& param, int64_t dim, std::vector<int64_t> el, bool producer,
                          bool norm_scale) {
  uses_.push_back({param, dim, std::move(el), producer, norm_scale});
}

void DependencyGraph::edit_int(Node* node, size_t input, int64_t list_index, std::vector<int64_t> el,
                               int64_t factor) {
  edits_.push_back({node, input, list_index, std::move(el), factor});
}

void DependencyGraph::defer_fix(const Value* v, std::vector<int64_t> el, std::string reason, int64_t pending) {
  deferred_[v] = {std::move(el), std::move(reason), pending};
}

void DependencyGraph::vouch(const Value* v) {
  auto it = deferred_.find(v);
  if (it != deferred_.end()) --it->second.pending;
}

std::string DependencyGraph::where(const Node* n) {
  std::string layer;
  if (auto cs = n->callstack()) {
    for (const auto& entry : (*cs)->vec()) {
      const auto& info = std::get<2>(entry);
      if (info && !info->instance_name().empty() && info->instance_name() != "SELF")
        layer += (layer.empty() ? "" : ".") + info->instance_name();
    }
  }
  if (layer.empty()) {
    std::string scope = n->scopeName();  // traced graphs: "__module.layer1/__module.layer1.0"
    auto slash = scope.rfind("__module.");
    if (slash != std::string::npos) layer = scope.substr(slash + 9);
  }
  return std::string(n->kind().toQualString()) + (layer.empty() ? "" : " in " + layer);
}

void DependencyGraph::visit(Node* n) {
  std::string kind = n->kind().toQualString();
  if (n->kind() == c10::prim::Constant || n->kind() == c10::prim::GetAttr) return;
  auto& registry = handlers();
  auto it = registry.find(kind);
  if (it != registry.end() && n->blocks().empty()) {
    it->second(*this, n);
    return;
  }
  if (is_inert(kind) && n->blocks().empty()) return;
  // No handler: the channels that reach this op cannot change (nested blocks included).
  std::string reason = "reaches " + where(n) + " (no channel handler)";
  auto reach = [&](const Value* in) {
    if (channels(in) || list(in)) unhandled_.insert(reason);
    fix_value(in, reason);
  };
  for (const Value* in : n->inputs()) reach(in);
  for (torch::jit::Block* b : n->blocks())
    graph::for_each_node(*b, [&](Node* inner) {
      for (const Value* in : inner->inputs()) reach(in);
    });
}

}  // namespace torchslim::structural
