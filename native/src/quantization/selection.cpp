#include "quantization/selection.h"

#include <sstream>

#include <c10/util/Exception.h>

namespace torchslim::quantization {

std::set<std::string> select_layers(const std::vector<Layer>& layers, const std::string& csv,
                                    const std::vector<Kind>& allowed, const char* mode) {
  std::set<std::string> selected;
  std::stringstream in(csv);
  std::string path;
  while (std::getline(in, path, ',')) {
    if (path.empty()) continue;
    const Layer* found = nullptr;
    for (const auto& l : layers)
      if (l.path == path) found = &l;
    TORCH_CHECK(found != nullptr, mode, ": the model has no layer '", path, "'");
    bool ok = false;
    std::string kinds;
    for (Kind k : allowed) {
      ok = ok || found->kind == k;
      kinds += (kinds.empty() ? "" : ", ") + std::string(kind_name(k));
    }
    TORCH_CHECK(ok, mode, " quantizes ", kinds, " layers; '", path, "' is a ", kind_name(found->kind));
    selected.insert(path);
  }
  TORCH_CHECK(!selected.empty(), mode, ": no layer selected; the model has no ",
              allowed.size() == 1 ? kind_name(allowed[0]) : "Conv2d or Linear",
              " layer the filter accepts (nothing would be quantized)");
  return selected;
}

bool runs_on_int8(Kind kind) {
  return kind == Kind::ReLU || kind == Kind::MaxPool2d || kind == Kind::Flatten || kind == Kind::Dropout ||
         kind == Kind::Identity;
}

bool float_step(const Layer& l, Step& s) {
  auto copy = [](const at::Tensor& t) { return t.defined() ? t.detach().clone() : at::Tensor(); };
  s.name = l.path;
  switch (l.kind) {
    case Kind::Dropout:
    case Kind::Identity: return false;
    case Kind::Linear: s.op = Op::Linear; break;
    case Kind::Conv2d: s.op = Op::Conv2d; break;
    case Kind::BatchNorm2d:
      s.op = Op::BatchNorm2d;
      s.mean = copy(l.running_mean());
      s.var = copy(l.running_var());
      s.eps = l.eps;
      break;
    case Kind::ReLU: s.op = Op::ReLU; break;
    case Kind::MaxPool2d: s.op = Op::MaxPool2d; break;
    case Kind::Flatten: s.op = Op::Flatten; break;
    case Kind::LogSoftmax: s.op = Op::LogSoftmax; break;
    case Kind::Softmax: s.op = Op::Softmax; break;
  }
  s.weight = copy(l.weight());
  s.bias = copy(l.bias());
  s.kernel = l.kernel;
  s.stride = l.stride;
  s.padding = l.padding;
  s.dilation = l.dilation;
  s.groups = l.groups;
  s.ceil_mode = l.ceil_mode;
  s.dim = l.dim;
  s.end_dim = l.end_dim;
  return true;
}

}  // namespace torchslim::quantization
