// ScriptModel: load, inspect, run, train, copy and save any TorchScript module.
#include <map>
#include <sstream>

#include <ATen/core/ivalue.h>
#include <c10/util/Exception.h>
#include <torch/csrc/autograd/grad_mode.h>
#include <torch/csrc/jit/passes/inliner.h>
#include <torch/csrc/jit/serialization/import.h>

#include "core/error.h"
#include "core/files.h"
#include "graph/walk.h"
#include "torchslim/graph.h"

namespace torchslim {
namespace {

std::string shape_text(const at::Tensor& t) {
  std::ostringstream s;
  s << "[";
  for (int64_t i = 0; i < t.dim(); ++i) s << (i ? ", " : "") << t.size(i);
  return s.str() + "]";
}

void flatten_tensors(const c10::IValue& v, std::vector<at::Tensor>& out) {
  if (v.isTensor()) {
    out.push_back(v.toTensor());
  } else if (v.isTuple()) {
    for (const auto& e : v.toTupleRef().elements()) flatten_tensors(e, out);
  } else if (v.isList()) {
    for (const auto& e : v.toListRef()) flatten_tensors(e, out);
  } else if (v.isGenericDict()) {
    for (const auto& e : v.toGenericDict()) flatten_tensors(e.value(), out);
  }
}

}  // namespace

ScriptModel::ScriptModel() = default;

torch::jit::Module& ScriptModel::module() {
  if (!module_) throw Error("this ScriptModel holds no model yet: load or trace one first");
  return *module_;
}

const torch::jit::Module& ScriptModel::module() const {
  if (!module_) throw Error("this ScriptModel holds no model yet: load or trace one first");
  return *module_;
}

void ScriptModel::reset(torch::jit::Module module) { module_ = std::make_shared<torch::jit::Module>(std::move(module)); }

bool ScriptModel::empty() const { return !module_; }

void ScriptModel::load(const std::string& path) {
  TS_API_BEGIN
  reset(graph::load_module(path));
  TS_API_END
}

void ScriptModel::copy_from(const ScriptModel& other) {
  TS_API_BEGIN
  // Copied under no_grad, parameters are leaves an optimizer can step (a clone under grad mode
  // is not); their requires_grad flags are copied after.
  torch::jit::Module copy;
  {
    at::NoGradGuard no_grad;
    copy = other.module().deepcopy();
  }
  std::vector<at::Tensor> source;
  for (const auto& p : other.module().parameters(true)) source.push_back(p);
  size_t i = 0;
  for (const auto& p : copy.parameters(true))
    if (i < source.size()) p.requires_grad_(source[i++].requires_grad());
  reset(copy);
  TS_API_END
}

void ScriptModel::save(const std::string& path) const {
  TS_API_BEGIN
  torch::jit::Module m = module();
  save_module_atomically(m, path);
  TS_API_END
}

at::Tensor ScriptModel::forward(const at::Tensor& input) {
  TS_API_BEGIN
  std::vector<at::Tensor> out = forward_all({input});
  TORCH_CHECK(!out.empty(), "the model's forward returned no tensor");
  return out.front();
  TS_API_END
}

std::vector<at::Tensor> ScriptModel::forward_all(const std::vector<at::Tensor>& inputs) {
  TS_API_BEGIN
  torch::jit::Module& m = module();
  TORCH_CHECK(m.find_method("forward").has_value(), "the model has no forward method");
  std::vector<c10::IValue> args(inputs.begin(), inputs.end());
  c10::IValue result = m.forward(args);
  std::vector<at::Tensor> out;
  flatten_tensors(result, out);
  return out;
  TS_API_END
}

std::string ScriptModel::modules() const {
  TS_API_BEGIN
  std::ostringstream s;
  for (const auto& item : module().named_modules()) s << item.name << "\t" << graph::type_name(item.value) << "\n";
  return s.str();
  TS_API_END
}

std::string ScriptModel::parameter_table() const {
  TS_API_BEGIN
  std::ostringstream s;
  for (const auto& p : module().named_parameters(true))
    s << p.name << "\t" << shape_text(p.value) << "\t" << p.value.scalar_type() << "\t"
      << (p.value.requires_grad() ? "true" : "false") << "\n";
  return s.str();
  TS_API_END
}

std::string ScriptModel::buffer_table() const {
  TS_API_BEGIN
  std::ostringstream s;
  for (const auto& b : module().named_buffers(true))
    s << b.name << "\t" << shape_text(b.value) << "\t" << b.value.scalar_type() << "\n";
  return s.str();
  TS_API_END
}

std::vector<at::Tensor> ScriptModel::parameters() {
  TS_API_BEGIN
  std::vector<at::Tensor> out;
  for (const auto& p : module().parameters(true)) out.push_back(p);
  return out;
  TS_API_END
}

std::string ScriptModel::ops() const {
  TS_API_BEGIN
  std::map<std::string, int64_t> counts;
  auto g = graph::inlined_forward(module());
  graph::for_each_node(*g->block(), [&](torch::jit::Node* n) { counts[n->kind().toQualString()]++; });
  std::ostringstream s;
  for (const auto& c : counts) s << c.first << "\t" << c.second << "\n";
  return s.str();
  TS_API_END
}

std::string ScriptModel::graph_text() const {
  TS_API_BEGIN
  return graph::inlined_forward(module())->toString();
  TS_API_END
}

std::string ScriptModel::schema() const {
  TS_API_BEGIN
  auto method = module().find_method("forward");
  TORCH_CHECK(method.has_value(), "the model has no forward method");
  std::ostringstream s;
  s << method->function().getSchema();
  return s.str();
  TS_API_END
}

void ScriptModel::train(bool on) {
  TS_API_BEGIN
  module().train(on);
  TS_API_END
}

bool ScriptModel::is_training() const {
  TS_API_BEGIN
  return module().is_training();
  TS_API_END
}

int64_t ScriptModel::parameter_count() const {
  TS_API_BEGIN
  int64_t n = 0;
  for (const auto& p : module().parameters(true)) n += p.numel();
  return n;
  TS_API_END
}

int64_t ScriptModel::nonzero_parameter_count() const {
  TS_API_BEGIN
  at::NoGradGuard no_grad;
  int64_t n = 0;
  for (const auto& p : module().parameters(true)) n += p.count_nonzero().item<int64_t>();
  return n;
  TS_API_END
}

int64_t ScriptModel::state_bytes() const {
  TS_API_BEGIN
  return graph::state_bytes(module());
  TS_API_END
}

}  // namespace torchslim
