#include "quantization/layers.h"

#include <ATen/ops/batch_norm.h>
#include <ATen/ops/conv2d.h>
#include <ATen/ops/dropout.h>
#include <ATen/ops/feature_dropout.h>
#include <ATen/ops/linear.h>
#include <ATen/ops/log_softmax.h>
#include <ATen/ops/max_pool2d.h>
#include <ATen/ops/relu.h>
#include <ATen/ops/rsqrt.h>
#include <ATen/ops/softmax.h>
#include <ATen/ops/zeros.h>
#include <ATen/TensorOperators.h>
#include <c10/util/Exception.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/pooling.h>

namespace torchslim::quantization {
namespace {

template <size_t D>
std::vector<int64_t> vec(const torch::ExpandingArray<D>& a) {
  return std::vector<int64_t>(a->begin(), a->end());
}

void collect(const std::string& prefix, torch::nn::Module& module, std::vector<Layer>& out) {
  for (const auto& child : module.named_children()) {
    std::string path = prefix.empty() ? child.key() : prefix + "." + child.key();
    const auto& m = child.value();
    const std::string type = m->name();
    Layer layer{path, Kind::Identity, m};
    if (type == "torch::nn::SequentialImpl") {
      collect(path, *m, out);
      continue;
    } else if (auto* linear = dynamic_cast<torch::nn::LinearImpl*>(m.get())) {
      (void)linear;
      layer.kind = Kind::Linear;
    } else if (auto* conv = dynamic_cast<torch::nn::Conv2dImpl*>(m.get())) {
      const auto& o = conv->options;
      TORCH_CHECK(std::holds_alternative<torch::ExpandingArray<2>>(o.padding()), "layer '", path,
                  "': Conv2d with padding 'same'/'valid' is not supported; use explicit padding");
      TORCH_CHECK(std::holds_alternative<torch::enumtype::kZeros>(o.padding_mode()), "layer '", path,
                  "': only Conv2d with zero padding is supported");
      layer.kind = Kind::Conv2d;
      layer.stride = vec(o.stride());
      layer.padding = vec(std::get<torch::ExpandingArray<2>>(o.padding()));
      layer.dilation = vec(o.dilation());
      layer.groups = o.groups();
    } else if (auto* bn = dynamic_cast<torch::nn::BatchNorm2dImpl*>(m.get())) {
      TORCH_CHECK(bn->options.track_running_stats(), "layer '", path, "': BatchNorm2d needs running stats");
      layer.kind = Kind::BatchNorm2d;
      layer.eps = bn->options.eps();
    } else if (dynamic_cast<torch::nn::ReLUImpl*>(m.get())) {
      layer.kind = Kind::ReLU;
    } else if (auto* pool = dynamic_cast<torch::nn::MaxPool2dImpl*>(m.get())) {
      const auto& o = pool->options;
      layer.kind = Kind::MaxPool2d;
      layer.kernel = vec(o.kernel_size());
      layer.stride = vec(o.stride());
      layer.padding = vec(o.padding());
      layer.dilation = vec(o.dilation());
      layer.ceil_mode = o.ceil_mode();
    } else if (auto* flat = dynamic_cast<torch::nn::FlattenImpl*>(m.get())) {
      layer.kind = Kind::Flatten;
      layer.dim = flat->options.start_dim();
      layer.end_dim = flat->options.end_dim();
    } else if (auto* d = dynamic_cast<torch::nn::DropoutImpl*>(m.get())) {
      layer.kind = Kind::Dropout;
      layer.p = d->options.p();
    } else if (auto* d2 = dynamic_cast<torch::nn::Dropout2dImpl*>(m.get())) {
      layer.kind = Kind::Dropout;
      layer.p = d2->options.p();
      layer.dim = 2;  // feature dropout
    } else if (auto* ls = dynamic_cast<torch::nn::LogSoftmaxImpl*>(m.get())) {
      layer.kind = Kind::LogSoftmax;
      layer.dim = ls->options.dim();
    } else if (auto* sm = dynamic_cast<torch::nn::SoftmaxImpl*>(m.get())) {
      layer.kind = Kind::Softmax;
      layer.dim = sm->options.dim();
    } else if (dynamic_cast<torch::nn::IdentityImpl*>(m.get())) {
      layer.kind = Kind::Identity;
    } else {
      TORCH_CHECK(false, "layer '", path, "' is a ", type, ", which quantization does not support; supported: ",
                  supported_kinds(), " (weight-only int8/int4 and fp16/bf16 work on any module)");
    }
    out.push_back(std::move(layer));
  }
}

const at::Tensor& named(const Layer& l, const char* name, bool buffer) {
  static const at::Tensor undefined;
  const at::Tensor* t = buffer ? l.module->named_buffers(false).find(name) : l.module->named_parameters(false).find(name);
  return t ? *t : undefined;
}

}  // namespace

const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::Linear: return "Linear";
    case Kind::Conv2d: return "Conv2d";
    case Kind::BatchNorm2d: return "BatchNorm2d";
    case Kind::ReLU: return "ReLU";
    case Kind::MaxPool2d: return "MaxPool2d";
    case Kind::Flatten: return "Flatten";
    case Kind::Dropout: return "Dropout";
    case Kind::LogSoftmax: return "LogSoftmax";
    case Kind::Softmax: return "Softmax";
    case Kind::Identity: return "Identity";
  }
  return "?";
}

const char* supported_kinds() {
  return "Sequential (nested allowed) of Linear, Conv2d (zero padding), BatchNorm2d, ReLU, MaxPool2d, Flatten, "
         "Dropout, Dropout2d, LogSoftmax, Softmax, Identity";
}

at::Tensor Layer::weight() const { return named(*this, "weight", false); }
at::Tensor Layer::bias() const { return named(*this, "bias", false); }
at::Tensor Layer::running_mean() const { return named(*this, "running_mean", true); }
at::Tensor Layer::running_var() const { return named(*this, "running_var", true); }

std::vector<Layer> sequential_layers(torch::nn::Module& model) {
  TORCH_CHECK(model.name() == "torch::nn::SequentialImpl", "quantization swaps layers of a Sequential model, got a ",
              model.name(), "; supported: ", supported_kinds());
  std::vector<Layer> layers;
  collect("", model, layers);
  TORCH_CHECK(!layers.empty(), "the model has no layers");
  for (const auto& p : model.parameters())
    TORCH_CHECK(p.is_cpu(), "int8 quantization runs on the CPU (LibTorch's int8 kernels); the model has a parameter on ",
                p.device(), ": move it to the CPU first");
  return layers;
}

at::Tensor run_float(const Layer& l, const at::Tensor& x, bool training) {
  switch (l.kind) {
    case Kind::Linear: return at::linear(x, l.weight(), l.bias());
    case Kind::Conv2d: return at::conv2d(x, l.weight(), l.bias(), l.stride, l.padding, l.dilation, l.groups);
    case Kind::BatchNorm2d:
      return at::batch_norm(x, l.weight(), l.bias(), l.running_mean(), l.running_var(), false, 0.0, l.eps, false);
    case Kind::ReLU: return at::relu(x);
    case Kind::MaxPool2d: return at::max_pool2d(x, l.kernel, l.stride, l.padding, l.dilation, l.ceil_mode);
    case Kind::Flatten: return x.flatten(l.dim, l.end_dim);
    case Kind::Dropout:
      if (!training) return x;
      return l.dim == 2 ? at::feature_dropout(x, l.p, true) : at::dropout(x, l.p, true);
    case Kind::LogSoftmax: return at::log_softmax(x, l.dim);
    case Kind::Softmax: return at::softmax(x, l.dim);
    case Kind::Identity: return x;
  }
  TORCH_CHECK(false, "unreachable layer kind");
}

std::pair<at::Tensor, at::Tensor> fold_batchnorm(const at::Tensor& weight, const at::Tensor& bias, const Layer& bn) {
  at::Tensor inv_std = at::rsqrt(bn.running_var() + bn.eps);
  at::Tensor gamma = bn.weight().defined() ? bn.weight() : at::ones_like(inv_std);
  at::Tensor beta = bn.bias().defined() ? bn.bias() : at::zeros_like(inv_std);
  at::Tensor factor = gamma * inv_std;
  std::vector<int64_t> shape(weight.dim(), 1);
  shape[0] = -1;
  at::Tensor w = weight * factor.reshape(shape);
  at::Tensor b0 = bias.defined() ? bias : at::zeros_like(bn.running_mean());
  at::Tensor b = (b0 - bn.running_mean()) * factor + beta;
  return {w, b};
}

}  // namespace torchslim::quantization
