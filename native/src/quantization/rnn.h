// Dynamic int8 for LSTM and GRU: aten::lstm / aten::gru with constant weights become
// aten::quantized_lstm / aten::quantized_gru over packed int8 cell parameters, as Python's
// quantize_dynamic does for nn.LSTM / nn.GRU (per-tensor symmetric qint8 weights, float biases).
#pragma once

#include <torch/csrc/jit/api/module.h>

namespace torchslim::quantization {

/// Rewrites every LSTM/GRU of a frozen module's forward. Returns how many were rewritten.
int quantize_rnn_dynamic(torch::jit::Module& frozen, bool reduce_range);

}  // namespace torchslim::quantization
