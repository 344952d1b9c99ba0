#include "quantization/kernels.h"

#include <map>
#include <memory>
#include <mutex>

#include <ATen/Context.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/core/stack.h>
#include <c10/util/Exception.h>

namespace torchslim::quantization {
namespace {

const std::vector<std::pair<std::string, at::QEngine>>& known_engines() {
  static const std::vector<std::pair<std::string, at::QEngine>> engines = {
      {"x86", at::QEngine::X86}, {"fbgemm", at::QEngine::FBGEMM},
      {"qnnpack", at::QEngine::QNNPACK}, {"onednn", at::QEngine::ONEDNN}};
  return engines;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& e : v) s += (s.empty() ? "" : ", ") + e;
  return s.empty() ? "none" : s;
}

// LibTorch's quantized operators, called boxed so the packed parameters stay opaque IValues.
class LibTorchInt8Kernels final : public Int8Kernels {
 public:
  LibTorchInt8Kernels(std::string name, at::QEngine engine)
      : name_(std::move(name)),
        engine_(engine),
        linear_prepack_(op("quantized::linear_prepack", "")),
        linear_dynamic_(op("quantized::linear_dynamic", "")),
        linear_(op("quantized::linear", "")),
        linear_relu_(op("quantized::linear_relu", "")),
        conv2d_prepack_(op("quantized::conv2d_prepack", "")),
        conv2d_(op("quantized::conv2d", "new")),
        conv2d_relu_(op("quantized::conv2d_relu", "new")) {}

  const std::string& engine() const override { return name_; }

  c10::IValue pack_linear(const at::Tensor& qweight, const c10::optional<at::Tensor>& bias) override {
    return call1(linear_prepack_, {qweight, bias ? c10::IValue(*bias) : c10::IValue()});
  }

  at::Tensor linear_dynamic(const at::Tensor& x, const c10::IValue& packed, bool reduce_range) override {
    return call1(linear_dynamic_, {x, packed, reduce_range}).toTensor();
  }

  at::Tensor linear(const at::Tensor& qx, const c10::IValue& packed, double scale, int64_t zero_point,
                    bool relu) override {
    return call1(relu ? linear_relu_ : linear_, {qx, packed, scale, zero_point}).toTensor();
  }

  c10::IValue pack_conv2d(const at::Tensor& qweight, const c10::optional<at::Tensor>& bias,
                          const std::vector<int64_t>& stride, const std::vector<int64_t>& padding,
                          const std::vector<int64_t>& dilation, int64_t groups) override {
    return call1(conv2d_prepack_, {qweight, bias ? c10::IValue(*bias) : c10::IValue(), c10::IValue(stride),
                                   c10::IValue(padding), c10::IValue(dilation), groups});
  }

  at::Tensor conv2d(const at::Tensor& qx, const c10::IValue& packed, double scale, int64_t zero_point,
                    bool relu) override {
    return call1(relu ? conv2d_relu_ : conv2d_, {qx, packed, scale, zero_point}).toTensor();
  }

 private:
  static c10::OperatorHandle op(const char* name, const char* overload) {
    auto handle = c10::Dispatcher::singleton().findSchema({name, overload});
    TORCH_CHECK(handle.has_value(), "this LibTorch has no quantized kernels (operator ", name,
                " is not registered): int8 dynamic, static and QAT quantization need a LibTorch built with "
                "quantized operators; weight-only int8/int4 and fp16/bf16 still work");
    return *handle;
  }

  c10::IValue call1(const c10::OperatorHandle& op, torch::jit::Stack stack) {
    // Packed parameters belong to the engine that made them: run every op on that engine.
    auto& ctx = at::globalContext();
    if (ctx.qEngine() != engine_) ctx.setQEngine(engine_);
    op.callBoxed(&stack);
    return std::move(stack.at(0));
  }

  std::string name_;
  at::QEngine engine_;
  c10::OperatorHandle linear_prepack_, linear_dynamic_, linear_, linear_relu_, conv2d_prepack_, conv2d_,
      conv2d_relu_;
};

}  // namespace

std::vector<std::string> supported_engines() {
  const auto& supported = at::globalContext().supportedQEngines();
  std::vector<std::string> names;
  for (const auto& [name, engine] : known_engines()) {
    for (auto e : supported)
      if (e == engine) names.push_back(name);
  }
  return names;
}

std::string default_engine() {
  auto names = supported_engines();
  TORCH_CHECK(!names.empty(), "this LibTorch supports no quantized engine");
  return names.front();
}

Int8Kernels& int8_kernels(const std::string& engine) {
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<Int8Kernels>> cache;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = cache.find(engine);
  if (it != cache.end()) return *it->second;
  auto names = supported_engines();
  bool ok = false;
  for (const auto& n : names) ok = ok || n == engine;
  TORCH_CHECK(ok, "quantized engine '", engine, "' is not supported by this LibTorch; supported: ", join(names));
  at::QEngine qe = at::QEngine::NoQEngine;
  for (const auto& [name, e] : known_engines())
    if (name == engine) qe = e;
  auto kernels = std::make_unique<LibTorchInt8Kernels>(engine, qe);
  auto& ref = *kernels;
  cache.emplace(engine, std::move(kernels));
  return ref;
}

}  // namespace torchslim::quantization
