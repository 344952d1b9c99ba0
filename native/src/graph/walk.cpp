#include "graph/walk.h"

#include <regex>
#include <unordered_map>
#include <unordered_set>

#include <ATen/core/grad_mode.h>
#include <c10/util/Exception.h>
#include <torch/csrc/jit/api/function_impl.h>
#include <torch/csrc/jit/ir/constants.h>
#include <torch/csrc/jit/passes/constant_propagation.h>
#include <torch/csrc/jit/passes/dead_code_elimination.h>
#include <torch/csrc/jit/passes/inliner.h>
#include <torch/csrc/jit/serialization/import.h>

namespace torchslim::graph {

torch::jit::Module load_module(const std::string& path) {
  try {
    return torch::jit::load(path);
  } catch (const c10::Error& e) {
    std::string why = e.what_without_backtrace();
    TORCH_CHECK(false, "cannot read ", path, " as TorchScript (save models with torch.jit.script(model).save(path) ",
                "or torch.jit.trace(model, example).save(path)): ", why.substr(0, why.find('\n')));
  }
}

std::string type_name(const torch::jit::Module& module) {
  static const std::regex mangle(R"(___torch_mangle_\d+\.)");
  return std::regex_replace(module.type()->name()->qualifiedName(), mangle, "");
}

std::shared_ptr<torch::jit::Graph> inlined_forward(const torch::jit::Module& module) {
  auto method = module.find_method("forward");
  TORCH_CHECK(method.has_value(), "the model has no forward method");
  auto g = method->graph()->copy();
  torch::jit::Inline(*g);
  return g;
}

void for_each_node(torch::jit::Block& block, const std::function<void(torch::jit::Node*)>& fn) {
  for (torch::jit::Node* n : block.nodes()) {
    fn(n);
    for (torch::jit::Block* b : n->blocks()) for_each_node(*b, fn);
  }
}

namespace {

void add_bytes(const c10::IValue& v, std::unordered_set<const void*>& seen, int64_t& total, int depth) {
  if (depth > 8) return;
  if (v.isTensor()) {
    const at::Tensor& t = v.toTensor();
    if (!t.defined() || !t.has_storage()) return;
    const void* key = t.storage().unsafeGetStorageImpl();
    if (seen.insert(key).second) total += static_cast<int64_t>(t.storage().nbytes());
  } else if (v.isTuple()) {
    for (const auto& e : v.toTupleRef().elements()) add_bytes(e, seen, total, depth + 1);
  } else if (v.isList()) {
    for (const auto& e : v.toListRef()) add_bytes(e, seen, total, depth + 1);
  } else if (v.isGenericDict()) {
    for (const auto& e : v.toGenericDict()) add_bytes(e.value(), seen, total, depth + 1);
  } else if (v.isObject()) {
    auto obj = v.toObject();
    auto type = obj->type();
    if (auto getstate = type->findMethod("__getstate__")) {
      add_bytes((*getstate)({v}), seen, total, depth + 1);
    } else {
      for (size_t i = 0; i < obj->slots().size(); ++i) add_bytes(obj->getSlot(i), seen, total, depth + 1);
    }
  }
}

}  // namespace

int64_t state_bytes(const torch::jit::Module& module) {
  std::unordered_set<const void*> seen;
  int64_t total = 0;
  add_bytes(module._ivalue(), seen, total, 0);
  // A frozen module keeps its weights as constants of its graphs.
  for (const auto& g : all_graphs(module))
    for_each_node(*g->block(), [&](torch::jit::Node* n) {
      if (n->kind() == c10::prim::Constant && n->hasAttribute(c10::attr::value)) {
        if (auto v = torch::jit::toIValue(n->output())) add_bytes(*v, seen, total, 0);
      }
    });
  return total;
}

std::vector<std::shared_ptr<torch::jit::Graph>> all_graphs(const torch::jit::Module& module) {
  std::vector<std::shared_ptr<torch::jit::Graph>> out;
  std::unordered_set<torch::jit::Graph*> seen;
  for (const auto& m : module.modules())
    for (const auto& method : m.get_methods())
      if (seen.insert(method.graph().get()).second) out.push_back(method.graph());
  return out;
}

torch::jit::Module clone_keeping_grad(const torch::jit::Module& module) {
  torch::jit::Module m = module.clone();
  std::vector<at::Tensor> source;
  for (const auto& p : module.parameters(true)) source.push_back(p);
  size_t i = 0;
  for (const auto& p : m.parameters(true))
    if (i < source.size()) p.requires_grad_(source[i++].requires_grad());
  return m;
}

void fold_training_flag(const torch::jit::Module& module, bool training) {
  for (auto g : all_graphs(module)) {
    // Functions called from methods take `training` as an argument (torchvision's
    // stochastic_depth): inline them so the constant reaches their branches.
    for (int depth = 0; depth < 8; ++depth) {  // functions calling functions
      std::vector<torch::jit::Node*> calls;
      for_each_node(*g->block(), [&](torch::jit::Node* n) {
        if (n->kind() == c10::prim::CallFunction) calls.push_back(n);
      });
      int inlined = 0;
      for (torch::jit::Node* n : calls) {
        auto fn_type = n->input(0)->type()->cast<c10::FunctionType>();
        if (!fn_type) continue;
        if (auto* callee = torch::jit::tryToGraphFunction(*fn_type->function())) {
          n->removeInput(0);  // the function value; the callee takes the rest (as torch::jit::Inline does)
          torch::jit::inlineCallTo(n, callee);
          ++inlined;
        }
      }
      if (inlined == 0) break;
    }
    std::vector<torch::jit::Node*> reads;
    for_each_node(*g->block(), [&](torch::jit::Node* n) {
      if (n->kind() == c10::prim::GetAttr && n->s(c10::attr::name) == "training" &&
          n->input(0)->type()->cast<c10::ClassType>() && n->input(0)->type()->expectRef<c10::ClassType>().is_module())
        reads.push_back(n);
    });
    if (reads.empty()) continue;
    for (torch::jit::Node* n : reads) {
      torch::jit::WithInsertPoint guard(n);
      n->output()->replaceAllUsesWith(g->insertConstant(training));
    }
    torch::jit::ConstantPropagation(g);
    torch::jit::EliminateDeadCode(g);
  }
}

std::vector<c10::IValue> run_returning(const torch::jit::Module& module, torch::jit::Graph& g,
                                       const std::vector<at::Tensor>& inputs,
                                       const std::vector<const torch::jit::Value*>& wanted) {
  auto probe = g.copy();
  std::unordered_map<const torch::jit::Value*, torch::jit::Value*> copy_of;
  for (size_t i = 0; i < g.inputs().size(); ++i) copy_of[g.inputs()[i]] = probe->inputs()[i];
  auto on = g.nodes().begin();
  for (torch::jit::Node* cn : probe->nodes()) {
    for (size_t i = 0; i < on->outputs().size(); ++i) copy_of[on->outputs()[i]] = cn->outputs()[i];
    ++on;
  }
  std::vector<torch::jit::Value*> outs;
  for (const torch::jit::Value* v : wanted) outs.push_back(copy_of.at(v));
  torch::jit::Node* tuple = probe->createTuple(outs);
  probe->appendNode(tuple);
  while (!probe->outputs().empty()) probe->eraseOutput(0);
  probe->registerOutput(tuple->output());
  torch::jit::GraphFunction fn("probe", probe, nullptr);
  torch::jit::Stack stack;
  stack.emplace_back(module._ivalue());
  for (const auto& t : inputs) stack.emplace_back(t);
  {
    at::NoGradGuard no_grad;
    fn.run(stack);
  }
  auto items = stack.back().toTupleRef().elements();
  return std::vector<c10::IValue>(items.begin(), items.end());
}

}  // namespace torchslim::graph
