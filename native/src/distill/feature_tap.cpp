// Intermediate outputs of named submodules, for feature distillation: a graph rewrite of a copy
// of forward. The calls on the path to each named submodule are inlined one level at a time
// until the named module's own forward call is a node of the top graph; its output then
// becomes an extra output. The new forward lives on a wrapper module of its own type that holds
// the model as a submodule (the same object: parameters shared, the model's type and file unchanged).
#include <sstream>
#include <string>
#include <vector>

#include <c10/util/Exception.h>
#include <torch/csrc/jit/api/function_impl.h>
#include <torch/csrc/jit/api/module.h>
#include <torch/csrc/jit/ir/ir.h>

#include "core/error.h"
#include "graph/walk.h"
#include "torchslim/distill.h"

namespace torchslim {
namespace {

using torch::jit::Graph;
using torch::jit::Node;
using torch::jit::Value;

// The module path of a value built by GetAttr from self ("" for self), or false when it is not one.
bool module_path(Value* v, Value* self, std::string& path) {
  if (v == self) {
    path.clear();
    return true;
  }
  Node* n = v->node();
  if (n->kind() != c10::prim::GetAttr || !v->type()->cast<c10::ClassType>()) return false;
  std::string parent;
  if (!module_path(n->input(0), self, parent)) return false;
  path = parent.empty() ? n->s(c10::attr::name) : parent + "." + n->s(c10::attr::name);
  return true;
}

struct Call {
  Node* node = nullptr;
  std::string path;
};

// Every forward call on a submodule of self, in graph order, sub-blocks included.
std::vector<Call> module_calls(Graph& g, Value* self) {
  std::vector<Call> calls;
  graph::for_each_node(*g.block(), [&](Node* n) {
    if (n->kind() != c10::prim::CallMethod || n->s(c10::attr::name) != "forward") return;
    std::string path;
    if (module_path(n->input(0), self, path) && !path.empty()) calls.push_back({n, path});
  });
  return calls;
}

std::vector<std::string> split_layers(const std::string& layers) {
  std::vector<std::string> out;
  std::stringstream s(layers);
  std::string item;
  while (std::getline(s, item, ',')) {
    TORCH_CHECK(!item.empty(), "empty layer name in '", layers, "'");
    out.push_back(item);
  }
  TORCH_CHECK(!out.empty(), "name at least one layer to tap");
  return out;
}

// The node whose output is `layer`'s output in g, inlining the calls of its ancestors.
Value* tap(Graph& g, Value* self, const torch::jit::Module& model, const std::string& layer) {
  bool known = false;
  for (const auto& m : model.named_modules())
    if (!m.name.empty() && m.name == layer) known = true;
  if (!known) {
    std::ostringstream names;
    int shown = 0;
    for (const auto& m : model.named_modules())
      if (!m.name.empty() && shown++ < 40) names << (shown > 1 ? ", " : "") << m.name;
    TORCH_CHECK(false, "the model has no submodule '", layer, "' (its submodules: ", names.str(), ")");
  }
  for (;;) {
    std::vector<Call> calls = module_calls(g, self);
    std::vector<Node*> hits;
    Node* ancestor = nullptr;
    for (const Call& c : calls) {
      if (c.path == layer) hits.push_back(c.node);
      else if (!ancestor && layer.rfind(c.path + ".", 0) == 0) ancestor = c.node;
    }
    if (!hits.empty()) {
      TORCH_CHECK(hits.size() == 1, "layer '", layer, "' is called ", hits.size(),
                  " times in forward; name a layer that runs once");
      Node* n = hits.front();
      TORCH_CHECK(n->owningBlock() == g.block(), "layer '", layer,
                  "' runs inside a loop or a branch of forward; name a layer that runs once, unconditionally");
      TORCH_CHECK(n->outputs().size() == 1 && n->output()->type()->cast<c10::TensorType>(), "layer '", layer,
                  "' returns ", n->outputs().size() == 1 ? n->output()->type()->str() : "several values",
                  ", feature distillation needs a tensor");
      return n->output();
    }
    TORCH_CHECK(ancestor != nullptr, "layer '", layer,
                "' is not called by forward (or is reached through a method other than forward)");
    TORCH_CHECK(ancestor->owningBlock() == g.block(), "layer '", layer,
                "' runs inside a loop or a branch of forward; name a layer that runs once, unconditionally");
    auto cls = ancestor->input(0)->type()->expect<c10::ClassType>();
    torch::jit::Function& callee = cls->getMethod("forward");
    torch::jit::GraphFunction& fn = torch::jit::toGraphFunction(callee);
    // The callee's own graph: its optimized graph has every call inlined already.
    torch::jit::inlineCallTo(ancestor, &fn, fn.graph().get());
  }
}

}  // namespace

void tap_features(ScriptModel& out, ScriptModel& model, const std::string& layers) {
  TS_API_BEGIN
  TORCH_CHECK(!model.empty(), "tap_features needs a loaded model");
  torch::jit::Module& m = model.module();
  auto method = m.find_method("forward");
  TORCH_CHECK(method.has_value(), "the model has no forward method");
  std::shared_ptr<Graph> g = method->graph()->copy();
  Value* self = g->inputs().at(0);
  // Each tap becomes a graph output at once: a later inlining replaces the value in the return too.
  TORCH_CHECK(g->outputs().size() == 1, "forward returns ", g->outputs().size(), " values");
  for (const std::string& layer : split_layers(layers)) g->registerOutput(tap(*g, self, m, layer));

  auto cu = std::make_shared<torch::jit::CompilationUnit>();
  torch::jit::Module wrapper(c10::QualifiedName("__torch__.torchslim.FeatureTap"), cu, /*shouldMangle=*/true);
  wrapper.register_attribute("training", c10::BoolType::get(), m.is_training());
  wrapper.register_module("model", m);

  // forward(wrapper, x...) -> (model's output, tap 1, tap 2, ...)
  Value* wrapper_self = g->insertInput(0, "self")->setType(wrapper.type());
  {
    torch::jit::WithInsertPoint at_start(g->block()->nodes().front());
    self->replaceAllUsesWith(g->insertGetAttr(wrapper_self, "model"));
  }
  g->eraseInput(1);
  std::vector<Value*> items(g->outputs().begin(), g->outputs().end());
  torch::jit::WithInsertPoint at_end(g->return_node());
  Value* tuple = g->insertNode(g->createTuple(items))->output();
  while (!g->outputs().empty()) g->eraseOutput(0);
  g->registerOutput(tuple);
  auto* fn = cu->create_function(c10::QualifiedName(*wrapper.type()->name(), "forward"), g);
  wrapper.type()->addMethod(fn);
  out.reset(wrapper);
  TS_API_END
}

}  // namespace torchslim
