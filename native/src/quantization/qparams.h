// Quantization parameters as PyTorch's observers compute them (torch/ao/quantization/observer.py
// _calculate_qparams), and the activation observers of static quantization and QAT.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include <ATen/core/Tensor.h>

namespace torchslim::quantization {

/// Affine quint8 activation qparams of [min, max] over [qmin, qmax] (float32 arithmetic, as PyTorch).
std::pair<double, int64_t> activation_qparams(float min_val, float max_val, int64_t qmin, int64_t qmax);

/// Symmetric qint8 (-128..127) weight, per tensor or per output channel (axis 0), as PyTorch's
/// default_weight_observer / default_per_channel_weight_observer followed by quantize_per_*.
at::Tensor quantize_weight_int8(const at::Tensor& weight, bool per_channel);

/// Fake-quantizes a weight the same way (straight-through gradient), for QAT.
at::Tensor fake_quantize_weight_int8(const at::Tensor& weight, bool per_channel);

/// Watches the float tensors at one point of a model and proposes a [min, max] range.
class Observer {
 public:
  virtual ~Observer() = default;
  virtual void observe(const at::Tensor& x) = 0;
  virtual bool seen() const = 0;
  /// Range to quantize over, for an integer grid of `levels` values.
  virtual std::pair<float, float> range(int64_t levels) const = 0;
};

/// "minmax", "moving_average" (arg: averaging constant, 0.01), "histogram_percentile" (arg:
/// percentile, 99.99) or "histogram_mse" (arg unused); throws naming these otherwise.
std::unique_ptr<Observer> make_observer(const std::string& kind, double arg);

}  // namespace torchslim::quantization
