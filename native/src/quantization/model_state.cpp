#include "quantization/model_state.h"

#include <fstream>
#include <iterator>

#include <ATen/ops/_make_per_channel_quantized_tensor.h>
#include <ATen/ops/_make_per_tensor_quantized_tensor.h>
#include <ATen/ops/batch_norm.h>
#include <ATen/ops/conv2d.h>
#include <ATen/ops/linear.h>
#include <ATen/ops/log_softmax.h>
#include <ATen/ops/max_pool2d.h>
#include <ATen/ops/quantize_per_tensor.h>
#include <ATen/ops/relu.h>
#include <ATen/ops/softmax.h>
#include <ATen/TensorOperators.h>
#include <c10/util/Exception.h>
#include <torch/csrc/autograd/grad_mode.h>
#include <torch/csrc/jit/serialization/pickle.h>

#include "quantization/kernels.h"

namespace torchslim::quantization {
namespace {

constexpr const char* kFormat = "torchslim.quantized_model/1";

const std::vector<std::pair<Op, const char*>>& op_names() {
  static const std::vector<std::pair<Op, const char*>> names = {
      {Op::Quantize, "quantize"},     {Op::Dequantize, "dequantize"}, {Op::LinearDynamic, "linear_dynamic_int8"},
      {Op::QLinear, "linear_int8"},   {Op::QConv2d, "conv2d_int8"},   {Op::Linear, "linear"},
      {Op::Conv2d, "conv2d"},         {Op::BatchNorm2d, "batch_norm2d"}, {Op::ReLU, "relu"},
      {Op::MaxPool2d, "max_pool2d"},  {Op::Flatten, "flatten"},       {Op::LogSoftmax, "log_softmax"},
      {Op::Softmax, "softmax"}};
  return names;
}

Op op_from(const std::string& name) {
  for (const auto& [op, n] : op_names())
    if (name == n) return op;
  TORCH_CHECK(false, "unknown step '", name, "' in quantized model file");
}

bool quantized_weight(Op op) { return op == Op::LinearDynamic || op == Op::QLinear || op == Op::QConv2d; }

c10::List<int64_t> list(const std::vector<int64_t>& v) { return c10::List<int64_t>(v); }

}  // namespace

const char* op_name(Op op) {
  for (const auto& [o, n] : op_names())
    if (o == op) return n;
  return "?";
}

void ModelState::pack() {
  auto& k = int8_kernels(engine);
  for (auto& s : steps) {
    c10::optional<at::Tensor> bias = s.bias.defined() ? c10::optional<at::Tensor>(s.bias) : c10::nullopt;
    if (s.op == Op::LinearDynamic || s.op == Op::QLinear) s.packed = k.pack_linear(s.weight, bias);
    if (s.op == Op::QConv2d) s.packed = k.pack_conv2d(s.weight, bias, s.stride, s.padding, s.dilation, s.groups);
  }
}

at::Tensor ModelState::forward(const at::Tensor& input) const {
  TORCH_CHECK(!steps.empty(), "the quantized model is empty: quantize or load one first");
  at::NoGradGuard no_grad;
  auto& k = int8_kernels(engine);
  at::Tensor x = input;
  for (const auto& s : steps) {
    switch (s.op) {
      case Op::Quantize: x = at::quantize_per_tensor(x.to(at::kFloat).contiguous(), s.scale, s.zero_point, at::kQUInt8); break;
      case Op::Dequantize: x = x.dequantize(); break;
      case Op::LinearDynamic: x = k.linear_dynamic(x, s.packed, s.reduce_range); break;
      case Op::QLinear: x = k.linear(x, s.packed, s.scale, s.zero_point, s.relu); break;
      case Op::QConv2d: x = k.conv2d(x, s.packed, s.scale, s.zero_point, s.relu); break;
      case Op::Linear: x = at::linear(x, s.weight, s.bias); if (s.relu) x = at::relu(x); break;
      case Op::Conv2d:
        x = at::conv2d(x, s.weight, s.bias, s.stride, s.padding, s.dilation, s.groups);
        if (s.relu) x = at::relu(x);
        break;
      case Op::BatchNorm2d: x = at::batch_norm(x, s.weight, s.bias, s.mean, s.var, false, 0.0, s.eps, false); break;
      case Op::ReLU: x = at::relu(x); break;
      case Op::MaxPool2d: x = at::max_pool2d(x, s.kernel, s.stride, s.padding, s.dilation, s.ceil_mode); break;
      case Op::Flatten: x = x.flatten(s.dim, s.end_dim); break;
      case Op::LogSoftmax: x = at::log_softmax(x, s.dim); break;
      case Op::Softmax: x = at::softmax(x, s.dim); break;
    }
  }
  return x;
}

c10::IValue ModelState::to_ivalue() const {
  c10::impl::GenericList list_steps(c10::AnyType::get());
  for (const auto& s : steps) {
    c10::impl::GenericDict d(c10::StringType::get(), c10::AnyType::get());
    d.insert("op", std::string(op_name(s.op)));
    d.insert("name", s.name);
    if (s.weight.defined()) {
      if (quantized_weight(s.op)) {
        d.insert("weight_int8", s.weight.int_repr());
        if (s.weight.qscheme() == at::kPerTensorAffine) {
          d.insert("weight_scale", s.weight.q_scale());
          d.insert("weight_zero_point", s.weight.q_zero_point());
        } else {
          d.insert("weight_scales", s.weight.q_per_channel_scales());
          d.insert("weight_zero_points", s.weight.q_per_channel_zero_points());
          d.insert("weight_axis", s.weight.q_per_channel_axis());
        }
      } else {
        d.insert("weight", s.weight);
      }
    }
    if (s.bias.defined()) d.insert("bias", s.bias);
    if (s.mean.defined()) d.insert("mean", s.mean);
    if (s.var.defined()) d.insert("var", s.var);
    if (s.op == Op::BatchNorm2d) d.insert("eps", s.eps);
    if (s.op == Op::Conv2d || s.op == Op::QConv2d || s.op == Op::MaxPool2d) {
      d.insert("stride", list(s.stride));
      d.insert("padding", list(s.padding));
      d.insert("dilation", list(s.dilation));
    }
    if (s.op == Op::Conv2d || s.op == Op::QConv2d) d.insert("groups", s.groups);
    if (s.op == Op::MaxPool2d) {
      d.insert("kernel", list(s.kernel));
      d.insert("ceil_mode", s.ceil_mode);
    }
    if (s.op == Op::Flatten || s.op == Op::LogSoftmax || s.op == Op::Softmax) d.insert("dim", s.dim);
    if (s.op == Op::Flatten) d.insert("end_dim", s.end_dim);
    if (s.op == Op::Quantize || s.op == Op::QLinear || s.op == Op::QConv2d) {
      d.insert("scale", s.scale);
      d.insert("zero_point", s.zero_point);
    }
    if (s.op == Op::QLinear || s.op == Op::QConv2d || s.op == Op::Linear || s.op == Op::Conv2d) d.insert("relu", s.relu);
    if (s.op == Op::LinearDynamic) d.insert("reduce_range", s.reduce_range);
    list_steps.push_back(d);
  }
  c10::impl::GenericDict root(c10::StringType::get(), c10::AnyType::get());
  root.insert("format", std::string(kFormat));
  root.insert("mode", mode);
  root.insert("engine", engine);
  root.insert("steps", list_steps);
  return root;
}

ModelState ModelState::from_ivalue(const c10::IValue& value) {
  TORCH_CHECK(value.isGenericDict(), "not a TorchSlim quantized model file");
  auto root = value.toGenericDict();
  TORCH_CHECK(root.contains("format") && root.at("format").isString() &&
                  root.at("format").toStringRef() == kFormat,
              "not a TorchSlim quantized model file (expected format ", kFormat, ")");
  ModelState m;
  m.mode = root.at("mode").toStringRef();
  m.engine = root.at("engine").toStringRef();
  for (const auto& item : root.at("steps").toList()) {
    auto d = item.get().toGenericDict();
    auto has = [&](const char* k) { return d.contains(k); };
    auto ints = [&](const char* k) { return d.at(k).toIntVector(); };
    Step s{op_from(d.at("op").toStringRef())};
    s.name = d.at("name").toStringRef();
    if (has("weight_int8")) {
      at::Tensor repr = d.at("weight_int8").toTensor();
      s.weight = has("weight_scale")
                     ? at::_make_per_tensor_quantized_tensor(repr, d.at("weight_scale").toDouble(),
                                                             d.at("weight_zero_point").toInt())
                     : at::_make_per_channel_quantized_tensor(repr, d.at("weight_scales").toTensor(),
                                                              d.at("weight_zero_points").toTensor(),
                                                              d.at("weight_axis").toInt());
    }
    if (has("weight")) s.weight = d.at("weight").toTensor();
    if (has("bias")) s.bias = d.at("bias").toTensor();
    if (has("mean")) s.mean = d.at("mean").toTensor();
    if (has("var")) s.var = d.at("var").toTensor();
    if (has("eps")) s.eps = d.at("eps").toDouble();
    if (has("stride")) s.stride = ints("stride");
    if (has("padding")) s.padding = ints("padding");
    if (has("dilation")) s.dilation = ints("dilation");
    if (has("kernel")) s.kernel = ints("kernel");
    if (has("groups")) s.groups = d.at("groups").toInt();
    if (has("ceil_mode")) s.ceil_mode = d.at("ceil_mode").toBool();
    if (has("dim")) s.dim = d.at("dim").toInt();
    if (has("end_dim")) s.end_dim = d.at("end_dim").toInt();
    if (has("scale")) s.scale = d.at("scale").toDouble();
    if (has("zero_point")) s.zero_point = d.at("zero_point").toInt();
    if (has("relu")) s.relu = d.at("relu").toBool();
    if (has("reduce_range")) s.reduce_range = d.at("reduce_range").toBool();
    m.steps.push_back(std::move(s));
  }
  return m;
}

std::vector<char> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  TORCH_CHECK(in.good(), "cannot read ", path);
  return std::vector<char>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace torchslim::quantization
