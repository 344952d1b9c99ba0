// TorchScript in and out: Sequentials saved by torch.jit.script become layers quantization can
// swap; quantized models are written as TorchScript that Python's torch.jit.load runs.
#include <regex>
#include <sstream>

#include <c10/util/Exception.h>
#include <torch/csrc/autograd/grad_mode.h>
#include <torch/csrc/jit/api/module.h>
#include <torch/csrc/jit/frontend/resolver.h>
#include <torch/csrc/jit/frontend/sugared_value.h>
#include <torch/csrc/jit/serialization/import.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/pooling.h>

#include "core/error.h"
#include "core/files.h"
#include "quantization/model_state.h"
#include "torchslim/quantize.h"

namespace torchslim::quantization {
namespace {

std::string plain_type(const torch::jit::Module& m) {
  static const std::regex mangle(R"(___torch_mangle_\d+\.)");
  return std::regex_replace(m.type()->name()->qualifiedName(), mangle, "");
}

c10::IValue option(const torch::jit::Module& m, const std::string& path, const char* kind, const char* name) {
  TORCH_CHECK(m.hasattr(name), "layer '", path, "' (", kind, ") has no '", name,
              "' in the TorchScript file: traced modules drop layer options; save the model with torch.jit.script");
  return m.attr(name);
}

std::vector<int64_t> ints(const c10::IValue& v, size_t n) {
  if (v.isInt()) return std::vector<int64_t>(n, v.toInt());
  if (v.isIntList()) return v.toIntVector();
  TORCH_CHECK(v.isTuple(), "expected an int or a tuple of ints, got ", v.tagKind());
  std::vector<int64_t> out;
  for (const auto& e : v.toTupleRef().elements()) out.push_back(e.toInt());
  return out;
}

at::Tensor tensor_or_empty(const torch::jit::Module& m, const char* name) {
  if (!m.hasattr(name)) return at::Tensor();
  c10::IValue v = m.attr(name);
  return v.isTensor() ? v.toTensor() : at::Tensor();
}

void copy_into(torch::nn::Module& dst, const torch::jit::Module& src) {
  at::NoGradGuard no_grad;
  for (auto& p : dst.named_parameters(false)) p.value().copy_(src.attr(p.key()).toTensor());
  for (auto& b : dst.named_buffers(false))
    if (src.hasattr(b.key()) && src.attr(b.key()).isTensor()) b.value().copy_(src.attr(b.key()).toTensor());
}

void import_children(torch::nn::SequentialImpl& into, const torch::jit::Module& jm, const std::string& prefix) {
  for (const auto& child : jm.named_children()) {
    const torch::jit::Module& m = child.value;
    const std::string path = prefix + child.name;
    const std::string name = path;
    const std::string type = plain_type(m);
    auto is = [&](const char* suffix) { return type == std::string("__torch__.torch.nn.modules.") + suffix; };
    if (is("container.Sequential")) {
      // A C++ Sequential cannot hold a Sequential: nested layers join this one as "outer_inner".
      import_children(into, m, path + "_");
    } else if (is("linear.Linear")) {
      at::Tensor w = m.attr("weight").toTensor();
      torch::nn::Linear l(torch::nn::LinearOptions(w.size(1), w.size(0)).bias(tensor_or_empty(m, "bias").defined()));
      copy_into(*l, m);
      into.push_back(std::string(name), l);
    } else if (is("conv.Conv2d")) {
      at::Tensor w = m.attr("weight").toTensor();
      c10::IValue padding = option(m, path, "Conv2d", "padding");
      TORCH_CHECK(!padding.isString(), "layer '", path, "': Conv2d padding '", padding.toStringRef(),
                  "' is not supported; use explicit padding");
      TORCH_CHECK(option(m, path, "Conv2d", "padding_mode").toStringRef() == "zeros", "layer '", path,
                  "': only Conv2d with zero padding is supported");
      auto groups = option(m, path, "Conv2d", "groups").toInt();
      auto opts = torch::nn::Conv2dOptions(w.size(1) * groups, w.size(0), {w.size(2), w.size(3)})
                      .stride(torch::ExpandingArray<2>(ints(option(m, path, "Conv2d", "stride"), 2)))
                      .padding(torch::ExpandingArray<2>(ints(padding, 2)))
                      .dilation(torch::ExpandingArray<2>(ints(option(m, path, "Conv2d", "dilation"), 2)))
                      .groups(groups)
                      .bias(tensor_or_empty(m, "bias").defined());
      torch::nn::Conv2d c(opts);
      copy_into(*c, m);
      into.push_back(std::string(name), c);
    } else if (is("batchnorm.BatchNorm2d")) {
      at::Tensor mean = m.attr("running_mean").toTensor();
      torch::nn::BatchNorm2d bn(torch::nn::BatchNormOptions(mean.size(0))
                                    .eps(option(m, path, "BatchNorm2d", "eps").toDouble())
                                    .affine(tensor_or_empty(m, "weight").defined()));
      copy_into(*bn, m);
      into.push_back(std::string(name), bn);
    } else if (is("activation.ReLU")) {
      into.push_back(std::string(name), torch::nn::ReLU());
    } else if (is("pooling.MaxPool2d")) {
      auto k = ints(option(m, path, "MaxPool2d", "kernel_size"), 2);
      c10::IValue stride = option(m, path, "MaxPool2d", "stride");
      torch::nn::MaxPool2d pool(torch::nn::MaxPool2dOptions(torch::ExpandingArray<2>(k))
                                    .stride(torch::ExpandingArray<2>(stride.isNone() ? k : ints(stride, 2)))
                                    .padding(torch::ExpandingArray<2>(ints(option(m, path, "MaxPool2d", "padding"), 2)))
                                    .dilation(torch::ExpandingArray<2>(ints(option(m, path, "MaxPool2d", "dilation"), 2)))
                                    .ceil_mode(option(m, path, "MaxPool2d", "ceil_mode").toBool()));
      into.push_back(std::string(name), pool);
    } else if (is("flatten.Flatten")) {
      into.push_back(std::string(name), torch::nn::Flatten(torch::nn::FlattenOptions()
                                                        .start_dim(option(m, path, "Flatten", "start_dim").toInt())
                                                        .end_dim(option(m, path, "Flatten", "end_dim").toInt())));
    } else if (is("dropout.Dropout")) {
      into.push_back(std::string(name), torch::nn::Dropout(option(m, path, "Dropout", "p").toDouble()));
    } else if (is("dropout.Dropout2d")) {
      into.push_back(std::string(name), torch::nn::Dropout2d(option(m, path, "Dropout2d", "p").toDouble()));
    } else if (is("activation.LogSoftmax") || is("activation.Softmax")) {
      c10::IValue dim = option(m, path, "Softmax", "dim");
      TORCH_CHECK(dim.isInt(), "layer '", path, "': (Log)Softmax needs an explicit dim");
      if (is("activation.LogSoftmax")) into.push_back(std::string(name), torch::nn::LogSoftmax(dim.toInt()));
      else into.push_back(std::string(name), torch::nn::Softmax(dim.toInt()));
    } else if (is("linear.Identity")) {
      into.push_back(std::string(name), torch::nn::Identity());
    } else {
      TORCH_CHECK(false, "layer '", path, "' is a ", type, ", which quantization does not support; supported: ",
                  "TorchScript nn.Sequential (torch.jit.script, nested allowed) of Linear, Conv2d, BatchNorm2d, ReLU, "
                  "MaxPool2d, Flatten, Dropout, Dropout2d, LogSoftmax, Softmax, Identity "
                  "(weight-int8/int4 and fp16 work on any TorchScript module)");
    }
  }
}

// Resolves "quantized" to the quantized:: operators (Python spells it torch.ops.quantized).
struct QuantizedOpsResolver : torch::jit::Resolver {
  std::shared_ptr<torch::jit::SugaredValue> resolveValue(const std::string& name, torch::jit::GraphFunction& fn,
                                                         const torch::jit::SourceRange& loc) override {
    if (name == "quantized") return std::make_shared<torch::jit::BuiltinModule>("quantized");
    return torch::jit::nativeResolver()->resolveValue(name, fn, loc);
  }
};

}  // namespace

torch::jit::Module load_torchscript(const std::string& path) {
  try {
    return torch::jit::load(path);
  } catch (const c10::Error& e) {
    TORCH_CHECK(false, path, " is not a TorchScript file (torch.jit.save / torch.jit.script(...).save): ",
                e.what_without_backtrace());
  }
}

// TorchScript source for the steps, with weights, packed weights and qparams as attributes.
torch::jit::Module to_torchscript(const ModelState& state) {
  torch::jit::Module m("__torch__.torchslim.QuantizedSequential");
  std::ostringstream code;
  code << "def forward(self, x: Tensor) -> Tensor:\n";
  auto list = [](const std::vector<int64_t>& v) {
    std::ostringstream s;
    s << "[";
    for (size_t i = 0; i < v.size(); ++i) s << (i ? ", " : "") << v[i];
    return s.str() + "]";
  };
  for (size_t i = 0; i < state.steps.size(); ++i) {
    const Step& s = state.steps[i];
    const std::string n = "s" + std::to_string(i);
    auto attr_float = [&](const std::string& name, double v) { m.register_attribute(name, c10::FloatType::get(), v); };
    auto attr_int = [&](const std::string& name, int64_t v) { m.register_attribute(name, c10::IntType::get(), v); };
    auto buffer = [&](const std::string& name, const at::Tensor& t) {
      m.register_buffer(name, t);
      return "self." + name;
    };
    std::string bias = s.bias.defined() && s.op != Op::QLinear && s.op != Op::QConv2d && s.op != Op::LinearDynamic
                           ? buffer(n + "_b", s.bias)
                           : "None";
    switch (s.op) {
      case Op::Quantize:
        attr_float(n + "_scale", s.scale);
        attr_int(n + "_zp", s.zero_point);
        code << "    x = torch.quantize_per_tensor(x, self." << n << "_scale, self." << n << "_zp, " << static_cast<int>(at::kQUInt8) << ")\n";  // dtypes are ints in TorchScript
        break;
      case Op::Dequantize: code << "    x = x.dequantize()\n"; break;
      case Op::LinearDynamic:
        m.register_attribute(n + "_packed", s.packed.type(), s.packed);
        code << "    x = quantized.linear_dynamic(x, self." << n << "_packed, " << (s.reduce_range ? "True" : "False") << ")\n";
        break;
      case Op::QLinear:
      case Op::QConv2d:
        m.register_attribute(n + "_packed", s.packed.type(), s.packed);
        attr_float(n + "_scale", s.scale);
        attr_int(n + "_zp", s.zero_point);
        code << "    x = quantized." << (s.op == Op::QLinear ? "linear" : "conv2d") << (s.relu ? "_relu" : "")
             << "(x, self." << n << "_packed, self." << n << "_scale, self." << n << "_zp)\n";
        break;
      case Op::Linear:
        code << "    x = torch.linear(x, " << buffer(n + "_w", s.weight) << ", " << bias << ")\n";
        if (s.relu) code << "    x = torch.relu(x)\n";
        break;
      case Op::Conv2d:
        code << "    x = torch.conv2d(x, " << buffer(n + "_w", s.weight) << ", " << bias << ", " << list(s.stride) << ", "
             << list(s.padding) << ", " << list(s.dilation) << ", " << s.groups << ")\n";
        if (s.relu) code << "    x = torch.relu(x)\n";
        break;
      case Op::BatchNorm2d:
        code << "    x = torch.batch_norm(x, " << (s.weight.defined() ? buffer(n + "_w", s.weight) : "None") << ", " << bias
             << ", " << buffer(n + "_mean", s.mean) << ", " << buffer(n + "_var", s.var) << ", False, 0.0, "
             << c10::Scalar(s.eps) << ", False)\n";
        break;
      case Op::ReLU: code << "    x = torch.relu(x)\n"; break;
      case Op::MaxPool2d:
        code << "    x = torch.max_pool2d(x, " << list(s.kernel) << ", " << list(s.stride) << ", " << list(s.padding)
             << ", " << list(s.dilation) << ", " << (s.ceil_mode ? "True" : "False") << ")\n";
        break;
      case Op::Flatten: code << "    x = torch.flatten(x, " << s.dim << ", " << s.end_dim << ")\n"; break;
      case Op::LogSoftmax: code << "    x = torch.log_softmax(x, " << s.dim << ")\n"; break;
      case Op::Softmax: code << "    x = torch.softmax(x, " << s.dim << ")\n"; break;
    }
  }
  code << "    return x\n";
  m.define(code.str(), std::make_shared<QuantizedOpsResolver>());
  return m;
}

}  // namespace torchslim::quantization

namespace torchslim {

void QuantizedModel::save_torchscript(const std::string& path) const {
  TS_API_BEGIN
  TORCH_CHECK(!state_->steps.empty(), "cannot save an empty quantized model");
  torch::jit::Module m = quantization::to_torchscript(*state_);
  save_module_atomically(m, path);
  TS_API_END
}

void import_torchscript(torch::nn::Module& into, const std::string& path) {
  TS_API_BEGIN
  TORCH_CHECK(into.name() == "torch::nn::SequentialImpl" && into.children().empty(),
              "import_torchscript needs an empty Sequential to fill, got a ", into.name());
  torch::jit::Module jm = quantization::load_torchscript(path);
  const std::string type = quantization::plain_type(jm);
  TORCH_CHECK(type == "__torch__.torch.nn.modules.container.Sequential", path, " holds a ", type,
              "; layer swapping supports TorchScript nn.Sequential models (saved with torch.jit.script), "
              "weight-int8/int4 and fp16 any TorchScript module");
  auto& seq = static_cast<torch::nn::SequentialImpl&>(into);
  quantization::import_children(seq, jm, "");
  into.eval();
  TS_API_END
}

void torchscript_precision(const std::string& in, const std::string& out, const std::string& dtype) {
  TS_API_BEGIN
  TORCH_CHECK(dtype == "fp16" || dtype == "bf16", "TorchScript precision must be fp16 or bf16, got '", dtype, "'");
  torch::jit::Module m = quantization::load_torchscript(in);
  m.to(dtype == "fp16" ? at::kHalf : at::kBFloat16);
  save_module_atomically(m, out);
  TS_API_END
}

}  // namespace torchslim
