#include "quantization/engines.h"

#include <c10/util/Exception.h>

namespace torchslim::quantization {
namespace {

const std::vector<std::pair<std::string, at::QEngine>>& known_engines() {
  static const std::vector<std::pair<std::string, at::QEngine>> engines = {
      {"x86", at::QEngine::X86}, {"fbgemm", at::QEngine::FBGEMM}, {"qnnpack", at::QEngine::QNNPACK},
      {"onednn", at::QEngine::ONEDNN}};
  return engines;
}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

std::vector<std::string> supported_engines() {
  std::vector<std::string> names;
  const auto& supported = at::globalContext().supportedQEngines();
  for (const auto& [name, engine] : known_engines())
    for (auto e : supported)
      if (e == engine) names.push_back(name);
  return names;
}

std::string default_engine() {
  auto names = supported_engines();
  TORCH_CHECK(!names.empty(), "this LibTorch supports no quantized engine");
  return names.front();
}

EngineGuard::EngineGuard(const std::string& engine) : previous_(at::globalContext().qEngine()) {
  name_ = engine.empty() ? default_engine() : engine;
  auto names = supported_engines();
  for (const auto& [name, e] : known_engines()) {
    if (name != name_) continue;
    for (const auto& n : names)
      if (n == name_) {
        at::globalContext().setQEngine(e);
        return;
      }
  }
  TORCH_CHECK(false, "quantized engine '", name_, "' is not supported by this LibTorch; supported: ", join(names));
}

EngineGuard::~EngineGuard() { at::globalContext().setQEngine(previous_); }

}  // namespace torchslim::quantization
