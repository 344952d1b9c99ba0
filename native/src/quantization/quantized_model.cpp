// torchslim::QuantizedModel, the engine queries and dynamic int8.
#include <sstream>

#include <ATen/TensorOperators.h>
#include <c10/util/Exception.h>
#include <torch/csrc/jit/serialization/pickle.h>

#include "core/error.h"
#include "quantization/kernels.h"
#include "quantization/layers.h"
#include "quantization/model_state.h"
#include "quantization/qparams.h"
#include "quantization/selection.h"
#include "torchslim/quantize.h"

namespace torchslim {

using quantization::ModelState;
using quantization::Op;
using quantization::Step;

std::string quantized_engines() {
  TS_API_BEGIN
  std::string s;
  for (const auto& e : quantization::supported_engines()) s += (s.empty() ? "" : ",") + e;
  return s;
  TS_API_END
}

std::string default_quantized_engine() {
  TS_API_BEGIN
  return quantization::default_engine();
  TS_API_END
}

std::string quantizable_layers(torch::nn::Module& model) {
  TS_API_BEGIN
  std::string s;
  for (const auto& l : quantization::sequential_layers(model))
    s += l.path + "\t" + quantization::kind_name(l.kind) + "\n";
  return s;
  TS_API_END
}

QuantizedModel::QuantizedModel() : state_(std::make_shared<ModelState>()) {}

at::Tensor QuantizedModel::forward(const at::Tensor& input) {
  TS_API_BEGIN
  return state_->forward(input);
  TS_API_END
}

void QuantizedModel::save(const std::string& path) const {
  TS_API_BEGIN
  TORCH_CHECK(!state_->steps.empty(), "cannot save an empty quantized model");
  write_atomically(path, torch::jit::pickle_save(state_->to_ivalue()));
  TS_API_END
}

void QuantizedModel::load(const std::string& path) {
  TS_API_BEGIN
  auto loaded = std::make_shared<ModelState>(ModelState::from_ivalue(torch::jit::pickle_load(quantization::read_file(path))));
  loaded->pack();
  state_ = loaded;
  TS_API_END
}

bool QuantizedModel::empty() const { return state_->steps.empty(); }
std::string QuantizedModel::mode() const { return state_->mode; }
std::string QuantizedModel::engine() const { return state_->engine; }

int64_t QuantizedModel::size_bytes() const {
  TS_API_BEGIN
  int64_t n = 0;
  for (const auto& s : state_->steps) {
    for (const auto* t : {&s.weight, &s.bias, &s.mean, &s.var}) {
      if (!t->defined()) continue;
      n += t->numel() * static_cast<int64_t>(t->element_size());
      if (t->is_quantized() && t->qscheme() != at::kPerTensorAffine) n += t->size(0) * (8 + 8);
      else if (t->is_quantized()) n += 8 + 8;
    }
    if (s.op == Op::Quantize || s.op == Op::QLinear || s.op == Op::QConv2d) n += 8 + 8;
  }
  return n;
  TS_API_END
}

int64_t QuantizedModel::parameter_count() const {
  int64_t n = 0;
  for (const auto& s : state_->steps)
    if (s.op != Op::BatchNorm2d)
      for (const auto* t : {&s.weight, &s.bias})
        if (t->defined()) n += t->numel();
  return n;
}

int64_t QuantizedModel::nonzero_parameter_count() const {
  TS_API_BEGIN
  int64_t n = 0;
  for (const auto& s : state_->steps)
    if (s.op != Op::BatchNorm2d)
      for (const auto* t : {&s.weight, &s.bias})
        if (t->defined()) n += (t->is_quantized() ? t->int_repr() : *t).count_nonzero().item<int64_t>();
  return n;
  TS_API_END
}

std::string QuantizedModel::describe() const {
  TS_API_BEGIN
  std::ostringstream out;
  for (const auto& s : state_->steps) {
    out << s.name << "\t" << quantization::op_name(s.op);
    if (s.weight.defined()) out << "\tweight " << s.weight.sizes() << " " << s.weight.scalar_type();
    if (s.weight.defined() && s.weight.is_quantized())
      out << (s.weight.qscheme() == at::kPerTensorAffine ? " per-tensor" : " per-channel");
    if (s.op == Op::Quantize || s.op == Op::QLinear || s.op == Op::QConv2d)
      out << "\tout scale " << s.scale << " zero_point " << s.zero_point << (s.relu ? " +relu" : "");
    out << "\n";
  }
  return out.str();
  TS_API_END
}

void quantize_dynamic(QuantizedModel& out, torch::nn::Module& model, const std::string& layers, bool per_channel,
                      const std::string& engine) {
  TS_API_BEGIN
  using namespace quantization;
  auto all = sequential_layers(model);
  auto selected = select_layers(all, layers, {Kind::Linear}, "dynamic int8");
  auto state = std::make_shared<ModelState>();
  state->mode = "dynamic";
  state->engine = engine.empty() ? default_engine() : engine;
  int8_kernels(state->engine);  // fails early on an unsupported engine
  for (size_t i = 0; i < all.size(); ++i) {
    const Layer& l = all[i];
    Step s{Op::Linear};
    if (l.kind == Kind::Linear && selected.count(l.path)) {
      s.op = Op::LinearDynamic;
      s.name = l.path;
      s.weight = quantize_weight_int8(l.weight(), per_channel);
      if (l.bias().defined()) s.bias = l.bias().detach().to(at::kFloat).clone();
      s.reduce_range = true;  // as torch.ao.nn.quantized.dynamic.Linear
    } else if (l.kind == Kind::Conv2d && i + 1 < all.size() && all[i + 1].kind == Kind::BatchNorm2d) {
      float_step(l, s);
      auto [w, b] = fold_batchnorm(l.weight().detach(), l.bias().defined() ? l.bias().detach() : at::Tensor(), all[i + 1]);
      s.weight = w.detach().clone();
      s.bias = b.detach().clone();
      ++i;
    } else if (!float_step(l, s)) {
      continue;
    }
    state->steps.push_back(std::move(s));
  }
  state->pack();
  out.state_ = state;
  TS_API_END
}

}  // namespace torchslim
