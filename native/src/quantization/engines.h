// Quantized engines: which this LibTorch has, PyTorch's default, and a guard that makes one
// current for a block (packed weights belong to the engine that packed them).
#pragma once

#include <string>
#include <vector>

#include <ATen/Context.h>

namespace torchslim::quantization {

/// Engines this LibTorch supports, in PyTorch's order of preference.
std::vector<std::string> supported_engines();

/// x86 when supported, else fbgemm, else qnnpack, else onednn (PyTorch's default choice).
std::string default_engine();

/// Makes `engine` (or the default, when empty) LibTorch's quantized engine until destroyed.
class EngineGuard {
 public:
  explicit EngineGuard(const std::string& engine);
  ~EngineGuard();
  EngineGuard(const EngineGuard&) = delete;
  EngineGuard& operator=(const EngineGuard&) = delete;
  const std::string& name() const { return name_; }
  /// FBGEMM-based engines quantize activations to 7 bits (PyTorch's reduce_range).
  bool reduce_range() const { return name_ == "x86" || name_ == "fbgemm"; }

 private:
  std::string name_;
  at::QEngine previous_;
};

}  // namespace torchslim::quantization
