// The one seam between TorchSlim's quantization and the int8 kernels that run it (issue item 6).
// Today: LibTorch's quantized::* operators (FBGEMM/x86/oneDNN/QNNPACK), reached by name through
// the dispatcher so no ATen-internal header is needed. LibTorch 2.13 deprecates quantized dtypes;
// a replacement backend implements this interface and nothing else changes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>
#include <ATen/core/ivalue.h>

namespace torchslim::quantization {

class Int8Kernels {
 public:
  virtual ~Int8Kernels() = default;

  /// Engine name: "x86", "fbgemm", "qnnpack" or "onednn".
  virtual const std::string& engine() const = 0;

  /// Packs a qint8 weight (per-tensor or per-channel on axis 0) and a float bias for linear.
  virtual c10::IValue pack_linear(const at::Tensor& qweight, const c10::optional<at::Tensor>& bias) = 0;

  /// Float input, activations quantized per call (reduce_range as PyTorch's dynamic Linear), float out.
  virtual at::Tensor linear_dynamic(const at::Tensor& x, const c10::IValue& packed, bool reduce_range) = 0;

  /// quint8 input to quint8 output with the given output qparams; relu fused when asked.
  virtual at::Tensor linear(const at::Tensor& qx, const c10::IValue& packed, double scale,
                            int64_t zero_point, bool relu) = 0;

  virtual c10::IValue pack_conv2d(const at::Tensor& qweight, const c10::optional<at::Tensor>& bias,
                                  const std::vector<int64_t>& stride, const std::vector<int64_t>& padding,
                                  const std::vector<int64_t>& dilation, int64_t groups) = 0;

  virtual at::Tensor conv2d(const at::Tensor& qx, const c10::IValue& packed, double scale,
                            int64_t zero_point, bool relu) = 0;
};

/// Kernels for an engine; throws naming the engines this LibTorch supports when unavailable.
Int8Kernels& int8_kernels(const std::string& engine);

/// Engines this LibTorch supports, in PyTorch's order of preference.
std::vector<std::string> supported_engines();

/// x86 when supported, else fbgemm, else qnnpack, else onednn (PyTorch's default choice).
std::string default_engine();

}  // namespace torchslim::quantization
