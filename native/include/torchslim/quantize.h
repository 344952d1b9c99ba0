// Quantization of any TorchScript model through LibTorch's graph-mode passes (the ones Python's
// torch.ao.quantization.quantize_jit / quantize_dynamic_jit drive): static int8 (observers,
// calibration, Conv+BN folding, ReLU fusion), dynamic int8 (Linear; LSTM/GRU through
// aten::quantized_lstm/gru), QAT (fake-quantize in the graph), runnable weight-only int8/int4, and
// fp16/bf16. Every result is a plain TorchScript module Python's torch.jit.load runs.
// Every function translates LibTorch errors to torchslim::Error.
#pragma once

#include <cstdint>
#include <string>

#include "torchslim/graph.h"

namespace torchslim {

/// Quantized engines this LibTorch supports, comma separated, preferred first ("x86,fbgemm,...").
std::string quantized_engines();

/// The engine a config without one uses: x86, else fbgemm, else qnnpack (PyTorch's choice).
std::string default_quantized_engine();

/// Static int8 (qat false) or QAT (qat true), step 1: out = a copy of model with Conv+BN folded
/// and observers (QAT: fake-quantize modules) on every quantizable value. Run out.forward on
/// calibration data (QAT: train out's parameters), then convert_int8.
/// observer: minmax | moving_average (activations); weights are per-channel symmetric qint8 when
/// per_channel, else per-tensor symmetric. skip: comma separated module paths left in float.
void prepare_int8(ScriptModel& out, const ScriptModel& model, const std::string& observer, bool per_channel,
                  const std::string& engine, bool qat, const std::string& skip);

/// Static int8 / QAT, step 2: out = the int8 model (quantized:: ops, packed weights, frozen).
void convert_int8(ScriptModel& out, const ScriptModel& prepared, const std::string& engine);

/// Dynamic int8: every Linear (and, when rnn, every LSTM/GRU) gets int8 weights; activations are
/// quantized per call. skip: comma separated module paths left in float.
void quantize_dynamic(ScriptModel& out, const ScriptModel& model, bool per_channel, const std::string& engine,
                      bool rnn, const std::string& skip);

/// Casts floating parameters, buffers and float constants to "fp16" or "bf16"; integer tensors
/// stay. Floating inputs are cast at the entry of forward, so the model takes the inputs it
/// took before; a tensor output is cast back to float32 when cast_output.
void convert_precision(ScriptModel& out, const ScriptModel& model, const std::string& dtype, bool cast_output);

/// Weight-only int8 (bits 8, one scale per output channel) or int4 (bits 4, one scale per
/// group_size inputs, two weights a byte) for every Linear/Conv weight: out keeps the integer
/// weights and dequantizes them inside forward. The model is frozen (inference only).
void weight_only(ScriptModel& out, const ScriptModel& model, int bits, int group_size);

}  // namespace torchslim
