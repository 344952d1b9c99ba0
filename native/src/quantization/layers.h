// The layers of a Sequential model (nested Sequentials flattened) in the order they run, with
// their options read once, and their float forward. Quantization builds on this list.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>

namespace torchslim::quantization {

enum class Kind { Linear, Conv2d, BatchNorm2d, ReLU, MaxPool2d, Flatten, Dropout, LogSoftmax, Softmax, Identity };

const char* kind_name(Kind kind);

/// The module kinds quantization understands, for error messages.
const char* supported_kinds();

struct Layer {
  std::string path;  // "fc1", "block.0"
  Kind kind;
  std::shared_ptr<torch::nn::Module> module;  // the live module: weights are read at each use
  std::vector<int64_t> kernel, stride, padding, dilation;
  int64_t groups = 1;
  bool ceil_mode = false;
  int64_t dim = 1, end_dim = -1;  // Flatten start/end, (Log)Softmax dim
  double p = 0, eps = 1e-5;       // Dropout probability, BatchNorm epsilon

  at::Tensor weight() const;  // Linear, Conv2d, BatchNorm2d; undefined otherwise
  at::Tensor bias() const;    // may be undefined
  at::Tensor running_mean() const;
  at::Tensor running_var() const;
};

/// Flattens a Sequential; throws naming the supported kinds for any other module.
std::vector<Layer> sequential_layers(torch::nn::Module& model);

/// Float forward of one layer (Dropout only when training).
at::Tensor run_float(const Layer& layer, const at::Tensor& x, bool training);

/// Folds an eval-mode BatchNorm2d into the preceding convolution's weight and bias.
std::pair<at::Tensor, at::Tensor> fold_batchnorm(const at::Tensor& weight, const at::Tensor& bias, const Layer& bn);

}  // namespace torchslim::quantization
