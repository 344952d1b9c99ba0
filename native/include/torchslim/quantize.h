// Quantization entry points: int8 dynamic, static (calibrated) and QAT models running LibTorch's
// quantized kernels, weight-only int8/int4 files, fp16/bf16 casts, and TorchScript files.
// Every function translates LibTorch errors to torchslim::Error (message without backtrace).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>

namespace torchslim {

namespace quantization {
class ModelState;
class CalibrationState;
}  // namespace quantization

/// Quantized engines this LibTorch supports, comma separated, preferred first ("x86,fbgemm,...").
std::string quantized_engines();

/// The engine a config without one uses: x86, else fbgemm, else qnnpack (PyTorch's choice).
std::string default_quantized_engine();

/// The layers of a Sequential model (nested ones flattened), one "path<TAB>kind" line each.
/// Throws naming the supported kinds when the model has others.
std::string quantizable_layers(torch::nn::Module& model);

/// An inference model whose selected layers run int8 kernels; the other layers run in float
/// on copies of their weights. Independent of the model it was made from.
class QuantizedModel {
 public:
  QuantizedModel();
  /// Float input, float output.
  at::Tensor forward(const at::Tensor& input);
  /// Writes the model (torch.save-compatible pickle) through a temporary file and a rename.
  void save(const std::string& path) const;
  /// Replaces this model with the one in path, repacking its weights for its engine.
  void load(const std::string& path);
  bool empty() const;
  std::string mode() const;    // "dynamic", "static", "qat"
  std::string engine() const;  // "x86", "fbgemm", "qnnpack", "onednn"
  /// Bytes of weights (int8 for quantized layers), biases, and quantization parameters.
  int64_t size_bytes() const;
  /// Weight and bias elements.
  int64_t parameter_count() const;
  /// Non-zero weight and bias elements (int8 zeros count as zero).
  int64_t nonzero_parameter_count() const;
  /// One line per step: "name<TAB>op<TAB>details".
  std::string describe() const;
  /// Writes the model as TorchScript through a temporary file and a rename: Python's
  /// torch.jit.load runs it (quantized::* ops; packed weights repack for Python's engine).
  void save_torchscript(const std::string& path) const;

  std::shared_ptr<quantization::ModelState> state_;
};

/// Dynamic int8: the Linear layers named in `layers` (comma separated paths) get int8 weights
/// (per tensor, or per output channel) and activations quantized per batch.
void quantize_dynamic(QuantizedModel& out, torch::nn::Module& model, const std::string& layers, bool per_channel,
                      const std::string& engine);

/// Static int8 and QAT. Holds the float model; forward() runs it while observers record the
/// activation ranges (QAT: also fake-quantizes weights and activations, gradients straight
/// through, so an optimizer over the model's parameters trains it). convert() builds the int8 model.
class Calibrator {
 public:
  /// layers: comma separated Conv2d/Linear paths to quantize; observer: minmax, moving_average,
  /// histogram_percentile, histogram_mse (observer_arg: averaging constant or percentile).
  Calibrator(torch::nn::Module& model, const std::string& layers, const std::string& observer, double observer_arg,
             bool per_channel, const std::string& engine, bool qat);
  at::Tensor forward(const at::Tensor& input);
  int64_t batches() const;
  void convert(QuantizedModel& out);

  std::shared_ptr<quantization::CalibrationState> state_;
};

/// Weight-only storage: writes every parameter and buffer of model to path, tensors of two or
/// more dimensions as int8 (bits 8, one scale per output channel) or packed int4 (bits 4,
/// one scale per group_size inputs), the rest as they are.
void save_weight_only(torch::nn::Module& model, const std::string& path, int bits, int group_size);

/// Reads a save_weight_only file into model (same names and shapes), dequantizing.
void load_weight_only(torch::nn::Module& model, const std::string& path);

/// Replaces the weights save_weight_only would quantize by their dequantized values, in place.
void fake_quantize_weights(torch::nn::Module& model, int bits, int group_size);

/// Casts floating parameters and buffers in place to "fp16", "bf16" or "fp32".
void convert_precision(torch::nn::Module& model, const std::string& dtype);

/// Appends to `into`, an empty Sequential, the layers of a TorchScript nn.Sequential saved by
/// torch.jit.script (nested Sequentials allowed), with their weights. Throws naming what is supported.
void import_torchscript(torch::nn::Module& into, const std::string& path);

/// Casts the floating parameters and buffers of any TorchScript file to "fp16" or "bf16" and
/// saves it (through a temporary file and a rename); Python's torch.jit.load reads it.
void torchscript_precision(const std::string& in, const std::string& out, const std::string& dtype);

/// Writes the parameters and buffers of any TorchScript file as a weight-only int8/int4 file.
void torchscript_weight_only(const std::string& in, const std::string& out, int bits, int group_size);

}  // namespace torchslim
