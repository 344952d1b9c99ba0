// Java and C++ modules become TorchScript through LibTorch's tracer: each child of a Sequential
// is traced into a submodule of its own (named and typed as Python's torch.nn would be), so the
// graph passes (Conv+BN folding, quantization) see the module structure a Python trace has.
#include <map>

#include <c10/util/Exception.h>
#include <torch/csrc/autograd/grad_mode.h>
#include <torch/csrc/jit/frontend/tracer.h>
#include <torch/csrc/jit/passes/fixup_trace_scope_blocks.h>
#include <torch/csrc/jit/passes/normalize_ops.h>
#include <torch/nn/modules/container/sequential.h>

#include "core/error.h"
#include "torchslim/graph.h"

namespace torchslim {
namespace {

// C++ module names to the classes Python gives the same layers, so passes that look for
// "Conv2d" or "BatchNorm2d" submodules find them.
std::string python_class(const std::string& cpp_name) {
  static const std::map<std::string, std::string> names = {
      {"torch::nn::Conv1dImpl", "conv.Conv1d"},         {"torch::nn::Conv2dImpl", "conv.Conv2d"},
      {"torch::nn::Conv3dImpl", "conv.Conv3d"},         {"torch::nn::LinearImpl", "linear.Linear"},
      {"torch::nn::BatchNorm1dImpl", "batchnorm.BatchNorm1d"}, {"torch::nn::BatchNorm2dImpl", "batchnorm.BatchNorm2d"},
      {"torch::nn::ReLUImpl", "activation.ReLU"},        {"torch::nn::ReLU6Impl", "activation.ReLU6"},
      {"torch::nn::MaxPool2dImpl", "pooling.MaxPool2d"}, {"torch::nn::AvgPool2dImpl", "pooling.AvgPool2d"},
      {"torch::nn::AdaptiveAvgPool2dImpl", "pooling.AdaptiveAvgPool2d"},
      {"torch::nn::FlattenImpl", "flatten.Flatten"},     {"torch::nn::DropoutImpl", "dropout.Dropout"},
      {"torch::nn::Dropout2dImpl", "dropout.Dropout2d"}, {"torch::nn::LogSoftmaxImpl", "activation.LogSoftmax"},
      {"torch::nn::SoftmaxImpl", "activation.Softmax"},  {"torch::nn::SequentialImpl", "container.Sequential"},
      {"torch::nn::LayerNormImpl", "normalization.LayerNorm"}, {"torch::nn::GELUImpl", "activation.GELU"},
      {"torch::nn::SiLUImpl", "activation.SiLU"},        {"torch::nn::TanhImpl", "activation.Tanh"},
      {"torch::nn::SigmoidImpl", "activation.Sigmoid"},  {"torch::nn::IdentityImpl", "linear.Identity"},
      {"torch::nn::EmbeddingImpl", "sparse.Embedding"},
  };
  auto it = names.find(cpp_name);
  if (it != names.end()) return "__torch__.torch.nn.modules." + it->second;
  std::string plain;
  for (char c : cpp_name) plain += (std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
  return "__torch__.torchslim.traced." + plain;
}

// A jit module mirroring `module`: the same tensors as parameters/buffers, children as submodules.
torch::jit::Module mirror(torch::nn::Module& module, const std::shared_ptr<torch::jit::CompilationUnit>& cu) {
  torch::jit::Module out(c10::QualifiedName(python_class(module.name())), cu, /*shouldMangle=*/true);
  for (auto& p : module.named_parameters(/*recurse=*/false)) out.register_parameter(p.key(), p.value(), false);
  for (auto& b : module.named_buffers(/*recurse=*/false)) out.register_buffer(b.key(), b.value());
  for (auto& c : module.named_children()) out.register_module(c.key(), mirror(*c.value(), cu));
  out.register_attribute("training", c10::BoolType::get(), module.is_training());
  return out;
}

void add_traced_forward(torch::jit::Module& self, const std::function<at::Tensor(const at::Tensor&)>& fn,
                        const at::Tensor& input) {
  auto traced = torch::jit::tracer::trace(
      {input}, [&](torch::jit::Stack in) -> torch::jit::Stack { return {fn(in.at(0).toTensor())}; },
      [](const at::Tensor&) { return std::string(); }, /*strict=*/true, /*force_outplace=*/false, &self);
  std::shared_ptr<torch::jit::Graph> g = traced.first->graph;
  torch::jit::FixupTraceScopeBlocks(g, &self);
  torch::jit::NormalizeOps(g);
  auto fn_name = c10::QualifiedName(*self.type()->name(), "forward");
  auto* function = self._ivalue()->compilation_unit()->create_function(fn_name, g);
  self.type()->addMethod(function);
}

// The traced model's own copy of the weights: leaves (copied without autograd history) that
// take gradients, so an optimizer can train the ScriptModel.
torch::jit::Module owned_copy(const torch::jit::Module& traced) {
  torch::jit::Module copy = traced.deepcopy();
  for (auto p : copy.parameters(true))
    if (p.is_floating_point()) p.requires_grad_(true);
  return copy;
}

}  // namespace

void ScriptModel::trace_sequential(torch::nn::Module& module, const at::Tensor& example) {
  TS_API_BEGIN
  auto* seq = dynamic_cast<torch::nn::SequentialImpl*>(&module);
  TORCH_CHECK(seq != nullptr, "tracing needs a Sequential (got ", module.name(),
              "); save other models from Python with torch.jit.trace or torch.jit.script");
  TORCH_CHECK(example.defined(), "tracing needs an example input");
  bool was_training = module.is_training();
  module.eval();
  at::NoGradGuard no_grad;
  auto cu = std::make_shared<torch::jit::CompilationUnit>();
  torch::jit::Module root(c10::QualifiedName("__torch__.torch.nn.modules.container.Sequential"), cu, true);
  root.register_attribute("training", c10::BoolType::get(), false);
  auto names = seq->named_children();
  TORCH_CHECK(names.size() == seq->size(), "Sequential has ", seq->size(), " layers but ", names.size(), " named children");
  at::Tensor x = example;
  size_t i = 0;
  try {
    for (auto& layer : *seq) {
      const std::string name = names[i].key();
      torch::jit::Module child = mirror(*names[i].value(), cu);
      add_traced_forward(child, [&layer](const at::Tensor& in) { return layer.forward(in); }, x);
      root.register_module(name, child);
      x = layer.forward(x);
      ++i;
    }
  } catch (...) {
    if (was_training) module.train();
    throw;
  }
  // forward(self, input): input = self.<child>(input) for each child, in order.
  auto g = std::make_shared<torch::jit::Graph>();
  torch::jit::Value* self = g->addInput("self")->setType(root.type());
  torch::jit::Value* v = g->addInput("input")->setType(c10::TensorType::get());
  for (const auto& item : names) {
    torch::jit::Value* child = g->insertGetAttr(self, item.key());
    torch::jit::Node* call = g->insertNode(g->create(c10::prim::CallMethod, {child, v}, 1));
    call->s_(c10::attr::name, "forward");
    call->output()->setType(c10::TensorType::get());
    v = call->output();
  }
  g->registerOutput(v);
  auto* fn = cu->create_function(c10::QualifiedName(*root.type()->name(), "forward"), g);
  root.type()->addMethod(fn);
  if (was_training) module.train();
  reset(owned_copy(root));
  TS_API_END
}

void ScriptModel::trace_module(torch::nn::Module& module, TraceForward& forward, const at::Tensor& example) {
  TS_API_BEGIN
  TORCH_CHECK(example.defined(), "tracing needs an example input");
  bool was_training = module.is_training();
  module.eval();
  at::NoGradGuard no_grad;
  auto cu = std::make_shared<torch::jit::CompilationUnit>();
  torch::jit::Module root = mirror(module, cu);
  try {
    add_traced_forward(root, [&forward](const at::Tensor& in) { return forward.forward(in); }, example);
  } catch (...) {
    if (was_training) module.train();
    throw;
  }
  if (was_training) module.train();
  reset(owned_copy(root));
  TS_API_END
}

}  // namespace torchslim
