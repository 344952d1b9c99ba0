// The channel dependency graph (Torch-Pruning's DepGraph, on TorchScript IR): every channel of
// every tracked tensor is an element; ops unite the elements that must leave together (a residual
// add, a BatchNorm's channel and its conv's filter, a flatten's features and their channel) and
// record where each element lives in a parameter (ParamUse) or in a shape constant (IntEdit).
// Elements reaching the model's outputs or an op without a handler are fixed.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <torch/csrc/jit/api/module.h>
#include <torch/csrc/jit/ir/ir.h>

namespace torchslim::structural {

/// The channel dimension of one tensor value and the element of each of its indices.
struct Channels {
  int64_t dim = -1;
  std::vector<int64_t> el;
};

/// Where elements live in a parameter or buffer: index i of dimension dim holds element el[i].
/// A producer use computes the channel (a filter, a bias, a norm's scale): zeroing it zeroes the channel.
struct ParamUse {
  std::string param;  // "layer1.0.conv1.weight"
  int64_t dim;
  std::vector<int64_t> el;
  bool producer;
  bool norm_scale;  // BatchNorm/LayerNorm weight (the "bn" importance)
};

/// An int in the graph (a constant argument, or an entry of a constant/constructed int list) that
/// must become factor * (number of kept elements of el) after removal: conv groups, view sizes.
struct IntEdit {
  torch::jit::Node* node;
  size_t input;
  int64_t list_index;  // -1: the input is an int
  std::vector<int64_t> el;
  int64_t factor;
};

/// A model input's channels. They leave by selection: the pruned forward starts with an
/// aten::index_select of the kept indices, so callers keep passing the original shape. Only a floating
/// input whose channels join channels a layer computes (a residual stream that starts at the input,
/// as in an encoder fed features directly) has elements left free; the rest are fixed ("model input").
struct InputChannels {
  size_t input;  // 0 = the forward's first argument
  int64_t dim;
  std::vector<int64_t> el;
};

class DependencyGraph {
 public:
  /// Analyses module's forward (which must already be inlined and in eval form) on inputs.
  DependencyGraph(torch::jit::Module module, std::shared_ptr<torch::jit::Graph> graph,
                  const std::vector<at::Tensor>& inputs);

  // --- used by the handlers ---
  const std::vector<int64_t>* shape(const torch::jit::Value* v) const;
  Channels* channels(const torch::jit::Value* v);
  void set(const torch::jit::Value* v, Channels c);
  /// Tracked elements of a list/tuple value (cat inputs, split outputs); empty optional per untracked item.
  std::vector<std::optional<Channels>>* list(const torch::jit::Value* v);
  void set_list(const torch::jit::Value* v, std::vector<std::optional<Channels>> items);
  std::vector<int64_t> fresh(int64_t n);
  void unite(int64_t a, int64_t b);
  void unite_all(const std::vector<int64_t>& a, const std::vector<int64_t>& b);
  void fix(const std::vector<int64_t>& el, const std::string& reason);
  /// Fixes whatever is tracked in v (a tensor or a list of tensors).
  void fix_value(const torch::jit::Value* v, const std::string& reason);
  /// "layer1.0.conv1.weight" when v is read from the module by prim::GetAttr, else nullopt.
  std::optional<std::string> param_path(const torch::jit::Value* v) const;
  void use(const std::string& param, int64_t dim, std::vector<int64_t> el, bool producer, bool norm_scale = false);
  void edit_int(torch::jit::Node* node, size_t input, int64_t list_index, std::vector<int64_t> el, int64_t factor);
  /// Fixes el for reason once the graph is walked, unless each of v's `pending` uses is vouched for
  /// (vouch) by the handler that reads it: a channel count read at run time that only sizes views.
  void defer_fix(const torch::jit::Value* v, std::vector<int64_t> el, std::string reason, int64_t pending);
  void vouch(const torch::jit::Value* v);
  /// "aten::foo in layer1.0.conv1" for messages.
  static std::string where(const torch::jit::Node* n);

  // --- results ---
  int64_t find(int64_t e);
  bool fixed(int64_t e);
  const std::vector<ParamUse>& uses() const { return uses_; }
  const std::vector<IntEdit>& edits() const { return edits_; }
  const std::vector<InputChannels>& inputs() const { return inputs_; }
  /// count of fixed elements per reason; ops without a handler that only fixed channels appear with 0
  std::map<std::string, int64_t> fixed_reasons();
  torch::jit::Module& module() { return module_; }

 private:
  void probe_shapes(const std::vector<at::Tensor>& inputs);
  void visit(torch::jit::Node* n);
  /// Fixes the input elements whose group no layer computes (an image's channels into conv1).
  void settle_inputs();
  /// The graph with each forward argument's channels on dims[i] (-1: untracked), from scratch.
  void build(const std::vector<int64_t>& dims);
  /// Whether some channel of forward argument input may leave.
  bool input_free(size_t input);
  static int64_t input_channel_dim(const torch::jit::Value* v, size_t rank);

  torch::jit::Module module_;
  std::shared_ptr<torch::jit::Graph> graph_;
  std::unordered_map<const torch::jit::Value*, std::vector<int64_t>> shapes_;
  std::set<const torch::jit::Value*> floating_;  // the forward's floating tensor arguments
  std::unordered_map<const torch::jit::Value*, Channels> channels_;
  std::unordered_map<const torch::jit::Value*, std::vector<std::optional<Channels>>> lists_;
  std::vector<int64_t> parent_;
  std::vector<std::string> reason_;  // per element; non-empty = fixed (merged to the root)
  std::vector<ParamUse> uses_;
  std::vector<IntEdit> edits_;
  std::vector<InputChannels> inputs_;
  struct Deferred {
    std::vector<int64_t> el;
    std::string reason;
    int64_t pending;
  };
  std::unordered_map<const torch::jit::Value*, Deferred> deferred_;
  std::set<std::string> unhandled_;
};

using Handler = std::function<void(DependencyGraph&, torch::jit::Node*)>;

/// The registry: op kind ("aten::conv2d") -> handler. One place to add an op (handlers.cpp).
const std::unordered_map<std::string, Handler>& handlers();

/// Ops that read a tracked tensor without depending on its channels (aten::dim, prim::dtype...).
bool is_inert(const std::string& kind);

}  // namespace torchslim::structural
