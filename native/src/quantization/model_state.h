// What a QuantizedModel is: an engine and a list of steps, each a quantized kernel call or a
// float layer on copied weights, with quantize/dequantize where the two meet.
#pragma once

#include "core/files.h"

#include <cstdint>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>
#include <ATen/core/ivalue.h>

namespace torchslim::quantization {

enum class Op {
  Quantize, Dequantize, LinearDynamic, QLinear, QConv2d,  // int8
  Linear, Conv2d, BatchNorm2d, ReLU, MaxPool2d, Flatten, LogSoftmax, Softmax  // float (ReLU, MaxPool2d, Flatten also int8)
};

struct Step {
  Op op;
  std::string name;
  at::Tensor weight;  // float, or qint8 for LinearDynamic/QLinear/QConv2d
  at::Tensor bias;    // float, may be undefined
  at::Tensor mean, var;
  double eps = 0;
  std::vector<int64_t> kernel, stride, padding, dilation;
  int64_t groups = 1;
  bool ceil_mode = false;
  int64_t dim = 1, end_dim = -1;
  double scale = 1;  // output (or Quantize) qparams
  int64_t zero_point = 0;
  bool relu = false;
  bool reduce_range = true;  // LinearDynamic
  c10::IValue packed;        // packed weight for the engine; rebuilt on load, never saved
};

class ModelState {
 public:
  std::string mode, engine;
  std::vector<Step> steps;

  /// Packs the int8 weights of every quantized step for the engine.
  void pack();
  at::Tensor forward(const at::Tensor& input) const;
  c10::IValue to_ivalue() const;
  static ModelState from_ivalue(const c10::IValue& value);
};

const char* op_name(Op op);

std::vector<char> read_file(const std::string& path);

}  // namespace torchslim::quantization
