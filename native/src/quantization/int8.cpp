// Static, dynamic and QAT int8 on the graph: the passes of torch.ao.quantization.quantize_jit,
// driven from C++ with TorchSlim's observer modules.
#include <optional>
#include <sstream>

#include <ATen/Context.h>
#include <c10/util/Exception.h>
#include <torch/csrc/autograd/grad_mode.h>
#include <torch/csrc/jit/passes/constant_propagation.h>
#include <torch/csrc/jit/passes/dead_code_elimination.h>
#include <torch/csrc/jit/passes/fold_conv_bn.h>
#include <torch/csrc/jit/passes/quantization/finalize.h>
#include <torch/csrc/jit/passes/quantization/insert_observers.h>
#include <torch/csrc/jit/passes/quantization/insert_quant_dequant.h>

#include "core/error.h"
#include "graph/walk.h"
#include "quantization/engines.h"
#include "quantization/observers.h"
#include "quantization/rnn.h"
#include "structural/transformer.h"
#include "torchslim/quantize.h"

namespace torchslim {
namespace {

torch::jit::QConfigDict qconfig_dict(const quantization::ObserverSpec& activation,
                                     const quantization::ObserverSpec& weight, const std::string& skip) {
  torch::jit::QConfigDict dict;
  dict[""] = std::make_tuple(quantization::make_observer(activation), quantization::make_observer(weight));
  std::stringstream s(skip);
  std::string path;
  while (std::getline(s, path, ',')) {
    if (!path.empty()) dict[path] = std::nullopt;
  }
  return dict;
}

quantization::ObserverSpec weight_spec(bool per_channel) {
  quantization::ObserverSpec w;
  w.per_channel = per_channel;
  w.symmetric = true;
  w.signed_int8 = true;
  return w;
}

void check_skip(const torch::jit::Module& m, const std::string& skip) {
  std::stringstream s(skip);
  std::string path;
  while (std::getline(s, path, ',')) {
    if (path.empty()) continue;
    bool found = false;
    for (const auto& item : m.named_modules()) found = found || item.name == path;
    TORCH_CHECK(found, "no module named '", path, "' to leave in float; the model's modules are listed by ScriptModel.modules()");
  }
}

void check_cpu(const torch::jit::Module& m) {
  for (const auto& p : m.parameters())
    TORCH_CHECK(p.device().is_cpu(), "int8 quantization runs LibTorch's CPU kernels: move the model to the CPU first (a parameter is on ",
                p.device(), ")");
}

void clean_up(torch::jit::Module& m) {
  auto g = m.get_method("forward").graph();
  torch::jit::ConstantPropagation(g);
  torch::jit::EliminateDeadCode(g);
}

/// A scripted nn.TransformerEncoder(Layer) is a forest of fast-path checks whose attention calls
/// the passes can't quantize ("expected 3 inputs"), and one traced under no_grad is a single fused
/// op with no linear in sight: such models get their forward inlined with each encoder layer
/// written as the same eval-mode math in plain ops (linear, split, reshape,
/// scaled_dot_product_attention, layer_norm) first, so every projection is quantized. Other
/// models are left as they are (their graphs stay what quantize_jit sees).
void plain_transformers(torch::jit::Module& m, const std::string& skip) {
  if (!structural::has_transformer(m)) return;
  TORCH_CHECK(skip.empty(), "leaving modules in float (skip '", skip,
              "') is not supported on a model with nn.TransformerEncoder layers: its forward is inlined into one graph "
              "before quantizing, so module boundaries are gone");
  structural::inline_with_plain_transformers(m, *m.get_method("forward").graph());
  clean_up(m);
}

}  // namespace

std::string quantized_engines() {
  TS_API_BEGIN
  std::string out;
  for (const auto& e : quantization::supported_engines()) out += (out.empty() ? "" : ",") + e;
  return out;
  TS_API_END
}

std::string default_quantized_engine() {
  TS_API_BEGIN
  return quantization::default_engine();
  TS_API_END
}

void prepare_int8(ScriptModel& out, const ScriptModel& model, const std::string& observer, bool per_channel,
                  const std::string& engine, bool qat, const std::string& skip) {
  TS_API_BEGIN
  quantization::EngineGuard guard(engine);
  // Folded weights must be leaves (QAT trains them): no autograd history while preparing.
  std::optional<at::NoGradGuard> no_grad(std::in_place);
  torch::jit::Module m = model.module().clone();  // own types: method graphs are simplified below
  check_cpu(m);
  check_skip(m, skip);
  m.eval();
  // Eval-mode branches (StochasticDepth, dropout switches) go: the observer pass needs every
  // branch to observe alike. QAT then trains with eval-mode dropout and frozen BatchNorm.
  graph::fold_training_flag(m, false);
  plain_transformers(m, skip);
  quantization::ObserverSpec act;
  act.kind = qat ? "moving_average" : observer;
  act.reduce_range = guard.reduce_range();
  act.fake_quantize = qat;
  quantization::ObserverSpec w = weight_spec(per_channel);
  w.fake_quantize = qat;
  w.replace = qat;
  m = torch::jit::FoldConvBatchNorm(m);
  m = torch::jit::InsertObservers(m, "forward", qconfig_dict(act, w, skip), /*inplace=*/false,
                                  torch::jit::QuantType::STATIC);
  no_grad.reset();
  if (qat) {
    m.train(true);
    for (auto p : m.parameters())
      if (p.is_floating_point()) p.requires_grad_(true);
  }
  out.reset(m);
  TS_API_END
}

void convert_int8(ScriptModel& out, const ScriptModel& prepared, const std::string& engine) {
  TS_API_BEGIN
  quantization::EngineGuard guard(engine);
  at::NoGradGuard no_grad;
  torch::jit::Module m = prepared.module().deepcopy();
  bool observed = false;
  for (const auto& item : m.named_modules())
    observed = observed || item.name.find("_observer_") != std::string::npos;
  TORCH_CHECK(observed, "convert_int8 needs a model made by prepare_int8 (it has no observers)");
  m.eval();
  m = torch::jit::InsertQuantDeQuant(m, "forward", /*inplace=*/false, /*debug=*/false, torch::jit::QuantType::STATIC);
  m = torch::jit::Finalize(m, torch::jit::QuantType::STATIC, {});
  clean_up(m);
  out.reset(m);
  TS_API_END
}

void quantize_dynamic(ScriptModel& out, const ScriptModel& model, bool per_channel, const std::string& engine,
                      bool rnn, const std::string& skip) {
  TS_API_BEGIN
  quantization::EngineGuard guard(engine);
  at::NoGradGuard no_grad;
  torch::jit::Module m = model.module().clone();
  check_cpu(m);
  check_skip(m, skip);
  m.eval();
  graph::fold_training_flag(m, false);
  plain_transformers(m, skip);
  quantization::ObserverSpec act;
  act.kind = "placeholder";
  m = torch::jit::FoldConvBatchNorm(m);
  m = torch::jit::InsertObservers(m, "forward", qconfig_dict(act, weight_spec(per_channel), skip),
                                  /*inplace=*/false, torch::jit::QuantType::DYNAMIC);
  m = torch::jit::InsertQuantDeQuant(m, "forward", /*inplace=*/false, /*debug=*/false, torch::jit::QuantType::DYNAMIC);
  m = torch::jit::Finalize(m, torch::jit::QuantType::DYNAMIC, {});
  if (rnn) quantization::quantize_rnn_dynamic(m, guard.reduce_range());
  clean_up(m);
  out.reset(m);
  TS_API_END
}

}  // namespace torchslim
