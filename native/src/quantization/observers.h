// Observer modules for LibTorch's graph-mode quantization passes, written in TorchScript: the
// passes clone them into the model, call forward to observe and calculate_qparams to convert.
// Their arithmetic follows torch.ao.quantization's MinMaxObserver, MovingAverageMinMaxObserver,
// HistogramObserver, PerChannelMinMaxObserver and PlaceholderObserver, so results equal Python's quantize_jit.
#pragma once

#include <string>

#include <torch/csrc/jit/api/module.h>

namespace torchslim::quantization {

struct ObserverSpec {
  std::string kind = "minmax";  // minmax | moving_average | histogram | placeholder
  bool per_channel = false;     // per output channel (axis 0), symmetric: weights
  bool symmetric = false;
  bool signed_int8 = false;     // qint8 (weights) or quint8 (activations)
  bool reduce_range = false;    // 7-bit range (FBGEMM/x86 activations)
  bool fake_quantize = false;   // QAT: forward returns the fake-quantized input (STE gradient)
  bool replace = false;          // track the latest input's range (QAT weights), not the history
  double averaging_constant = 0.01;
};

/// A new observer module for the spec.
torch::jit::Module make_observer(const ObserverSpec& spec);

}  // namespace torchslim::quantization
