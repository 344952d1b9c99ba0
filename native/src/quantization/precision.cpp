// fp16 / bf16 that runs: floating state and constants are cast, integer tensors are kept, and
// floating inputs are cast at the entry of forward so callers pass what they passed before.
#include <c10/util/Exception.h>
#include <torch/csrc/autograd/grad_mode.h>
#include <torch/csrc/jit/ir/constants.h>

#include "core/error.h"
#include "graph/walk.h"
#include "torchslim/quantize.h"

namespace torchslim {
namespace {

void cast_state(const torch::jit::Module& root, at::ScalarType dtype) {
  for (const auto& m : root.modules()) {
    auto obj = m._ivalue();
    for (size_t i = 0; i < obj->slots().size(); ++i) {
      const c10::IValue& v = obj->getSlot(i);
      if (!v.isTensor()) continue;
      at::Tensor t = v.toTensor();
      if (t.defined() && t.is_floating_point() && t.scalar_type() != dtype) t.set_data(t.to(dtype));
    }
  }
}

// Float tensor constants become dtype; a constant float32 dtype argument (traced factories such
// as torch.zeros(..., dtype=x.dtype) for an LSTM's initial state) becomes dtype.
void cast_constants(torch::jit::Graph& g, at::ScalarType dtype) {
  std::vector<torch::jit::Node*> nodes;
  graph::for_each_node(*g.block(), [&](torch::jit::Node* n) { nodes.push_back(n); });
  for (torch::jit::Node* n : nodes) {
    if (n->kind() == c10::prim::Constant && n->output()->type()->cast<c10::TensorType>()) {
      auto value = torch::jit::toIValue(n->output());
      if (!value || !value->isTensor() || !value->toTensor().is_floating_point()) continue;
      torch::jit::WithInsertPoint guard(n);
      torch::jit::Value* c = g.insertConstant(value->toTensor().to(dtype));
      n->output()->replaceAllUsesWith(c);
      continue;
    }
    const c10::FunctionSchema* schema = n->maybeSchema();
    if (schema == nullptr) continue;
    for (size_t i = 0; i < schema->arguments().size() && i < n->inputs().size(); ++i) {
      if (schema->arguments()[i].name() != "dtype") continue;
      auto value = torch::jit::toIValue(n->input(i));
      if (!value || !value->isInt() || value->toInt() != static_cast<int64_t>(at::kFloat)) continue;
      torch::jit::WithInsertPoint guard(n);
      n->replaceInput(i, g.insertConstant(static_cast<int64_t>(dtype)));
    }
  }
}

// x = x.to(dtype) if x.is_floating_point() else x, for every Tensor input of forward.
void cast_inputs(torch::jit::Graph& g, at::ScalarType dtype) {
  torch::jit::Node* first = g.block()->nodes().front();
  for (size_t i = 1; i < g.inputs().size(); ++i) {
    torch::jit::Value* x = g.inputs()[i];
    if (!x->type()->cast<c10::TensorType>()) continue;
    torch::jit::WithInsertPoint guard(first);
    torch::jit::Value* is_float = g.insert(c10::aten::is_floating_point, {x});
    torch::jit::Node* branch = g.create(c10::prim::If, {is_float}, 1);
    g.insertNode(branch);
    torch::jit::Block* then_block = branch->addBlock();
    torch::jit::Block* else_block = branch->addBlock();
    {
      torch::jit::WithInsertPoint in_then(then_block);
      then_block->registerOutput(g.insert(c10::aten::to, {x, dtype, false, false}));
    }
    else_block->registerOutput(x);
    branch->output()->setType(x->type());
    x->replaceAllUsesAfterNodeWith(branch, branch->output());
  }
}

void cast_output(torch::jit::Graph& g) {
  torch::jit::Value* out = g.outputs().at(0);
  if (!out->type()->cast<c10::TensorType>()) return;
  torch::jit::WithInsertPoint guard(g.return_node());
  g.return_node()->replaceInput(0, g.insert(c10::aten::to, {out, at::kFloat, false, false}));
}

}  // namespace

void convert_precision(ScriptModel& out, const ScriptModel& model, const std::string& dtype_name, bool cast_output_back) {
  TS_API_BEGIN
  TORCH_CHECK(dtype_name == "fp16" || dtype_name == "bf16", "precision must be fp16 or bf16, got '", dtype_name, "'");
  const at::ScalarType dtype = dtype_name == "fp16" ? at::kHalf : at::kBFloat16;
  at::NoGradGuard no_grad;
  torch::jit::Module m = model.module().clone();  // new types: method graphs are rewritten below
  cast_state(m, dtype);
  for (const auto& g : graph::all_graphs(m)) cast_constants(*g, dtype);
  auto forward = m.get_method("forward").graph();
  cast_inputs(*forward, dtype);
  if (cast_output_back) cast_output(*forward);
  out.reset(m);
  TS_API_END
}

}  // namespace torchslim
