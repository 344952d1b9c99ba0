#include "quantization/observers.h"

#include <limits>

#include <c10/util/Exception.h>

namespace torchslim::quantization {
namespace {

// calculate_qparams of torch.ao.quantization.observer.UniformQuantizationObserverBase. Dtypes are
// ScalarType numbers (6 float32, 4 int64, 3 int32): the C++ front end resolves no torch.<dtype>.
const char* kCalculateQParams = R"JIT(
def calculate_qparams(self) -> Tuple[Tensor, Tensor]:
    min_val = self.min_val
    max_val = self.max_val
    if min_val.numel() == 0 or max_val.numel() == 0:
        return torch.tensor([1.0]), torch.tensor([0])
    if min_val.dim() == 0 or max_val.dim() == 0:
        if bool(min_val == float("inf")) and bool(max_val == float("-inf")):
            return torch.tensor([1.0]), torch.tensor([0])
    quant_min = self.quant_min
    quant_max = self.quant_max
    min_val_neg = torch.min(min_val, torch.zeros_like(min_val))
    max_val_pos = torch.max(max_val, torch.zeros_like(max_val))
    scale = torch.ones(min_val_neg.size(), dtype=6)
    zero_point = torch.zeros(min_val_neg.size(), dtype=4)
    if self.symmetric:
        max_val_pos = torch.max(-min_val_neg, max_val_pos)
        scale = max_val_pos / (float(quant_max - quant_min) / 2)
        scale = torch.max(scale, self.eps)
        if not self.signed:
            zero_point = zero_point.new_full(zero_point.size(), 128)
    else:
        scale = (max_val_pos - min_val_neg) / float(quant_max - quant_min)
        scale = torch.max(scale, self.eps)
        zero_point = quant_min - torch.round(min_val_neg / scale).to(3)
        zero_point = torch.clamp(zero_point, quant_min, quant_max)
    if len(scale.shape) == 0:
        scale = torch.tensor([float(scale)], dtype=scale.dtype)
    if len(zero_point.shape) == 0:
        zero_point = torch.tensor([int(zero_point)], dtype=zero_point.dtype)
    return scale, zero_point
)JIT";

const char* kObserveMinMax = R"JIT(
def observe(self, x_orig: Tensor):
    if x_orig.numel() == 0:
        return
    x = x_orig.detach().to(self.min_val.dtype)
    min_val_cur, max_val_cur = torch.aminmax(x)
    min_val = min_val_cur if self.replace else torch.min(min_val_cur, self.min_val)
    max_val = max_val_cur if self.replace else torch.max(max_val_cur, self.max_val)
    self.min_val.copy_(min_val)
    self.max_val.copy_(max_val)
)JIT";

const char* kObserveMovingAverage = R"JIT(
def observe(self, x_orig: Tensor):
    if x_orig.numel() == 0:
        return
    x = x_orig.detach().to(self.min_val.dtype)
    min_val = self.min_val
    max_val = self.max_val
    if bool(min_val == float("inf")) and bool(max_val == float("-inf")):
        min_val, max_val = torch.aminmax(x)
    else:
        min_val_cur, max_val_cur = torch.aminmax(x)
        min_val = min_val + self.averaging_constant * (min_val_cur - min_val)
        max_val = max_val + self.averaging_constant * (max_val_cur - max_val)
    self.min_val.copy_(min_val)
    self.max_val.copy_(max_val)
)JIT";

const char* kObservePerChannel = R"JIT(
def observe(self, x_orig: Tensor):
    if x_orig.numel() == 0:
        return
    x = x_orig.detach()
    min_val = self.min_val
    max_val = self.max_val
    x_dim = x.size()
    new_axis_list = [i for i in range(len(x_dim))]
    new_axis_list[self.ch_axis] = 0
    new_axis_list[0] = self.ch_axis
    y = x.permute(new_axis_list)
    y = y.to(self.min_val.dtype)
    y = torch.flatten(y, start_dim=1)
    if min_val.numel() == 0 or max_val.numel() == 0 or self.replace:
        min_val, max_val = torch.aminmax(y, dim=1)
    else:
        min_val_cur, max_val_cur = torch.aminmax(y, dim=1)
        min_val = torch.min(min_val_cur, min_val)
        max_val = torch.max(max_val_cur, max_val)
    self.min_val.resize_(min_val.shape)
    self.max_val.resize_(max_val.shape)
    self.min_val.copy_(min_val)
    self.max_val.copy_(max_val)
)JIT";

const char* kForwardObserve = R"JIT(
def forward(self, x: Tensor) -> Tensor:
    self.observe(x)
    return x
)JIT";

// QAT: observe while training, then fake-quantize with the current qparams (straight-through
// gradient, as torch.ao.quantization.FakeQuantize).
const char* kForwardFakeQuantize = R"JIT(
def forward(self, x: Tensor) -> Tensor:
    if self.training:
        self.observe(x)
    scale, zero_point = self.calculate_qparams()
    if self.per_channel:
        return torch.fake_quantize_per_channel_affine(x, scale, zero_point.to(3), self.ch_axis,
                                                      self.quant_min, self.quant_max)
    return torch.fake_quantize_per_tensor_affine(x, float(scale), int(zero_point), self.quant_min, self.quant_max)
)JIT";

}  // namespace

torch::jit::Module make_observer(const ObserverSpec& spec) {
  const bool placeholder = spec.kind == "placeholder";
  TORCH_CHECK(placeholder || spec.kind == "minmax" || spec.kind == "moving_average",
              "unknown observer '", spec.kind, "'; known: minmax, moving_average");
  std::string name = placeholder ? "PlaceholderObserver"
                     : spec.fake_quantize ? "FakeQuantize"
                     : spec.per_channel   ? "PerChannelMinMaxObserver"
                     : spec.kind == "moving_average" ? "MovingAverageMinMaxObserver"
                                                     : "MinMaxObserver";
  torch::jit::Module m(c10::QualifiedName("__torch__.torchslim.observers." + name),
                       std::make_shared<torch::jit::CompilationUnit>(), /*shouldMangle=*/true);
  const at::ScalarType dtype = spec.signed_int8 ? at::kQInt8 : at::kQUInt8;
  int64_t qmin = spec.signed_int8 ? -128 : 0;
  int64_t qmax = spec.signed_int8 ? 127 : 255;
  if (spec.reduce_range) {  // Python's quant_min // 2, quant_max // 2
    qmin = spec.signed_int8 ? -64 : 0;
    qmax = spec.signed_int8 ? 63 : 127;
  }
  const c10::QScheme qscheme = spec.per_channel ? (spec.symmetric ? c10::kPerChannelSymmetric : c10::kPerChannelAffine)
                                                : (spec.symmetric ? c10::kPerTensorSymmetric : c10::kPerTensorAffine);
  m.register_attribute("training", c10::BoolType::get(), true);
  m.register_attribute("dtype", c10::IntType::get(), static_cast<int64_t>(dtype));
  m.register_attribute("qscheme", c10::IntType::get(), static_cast<int64_t>(qscheme));
  m.register_attribute("quant_min", c10::IntType::get(), qmin);
  m.register_attribute("quant_max", c10::IntType::get(), qmax);
  m.register_attribute("ch_axis", c10::IntType::get(), static_cast<int64_t>(0));
  m.register_attribute("symmetric", c10::BoolType::get(), spec.symmetric);
  m.register_attribute("signed", c10::BoolType::get(), spec.signed_int8);
  m.register_attribute("per_channel", c10::BoolType::get(), spec.per_channel);
  m.register_attribute("reduce_range", c10::BoolType::get(), spec.reduce_range);
  m.register_attribute("replace", c10::BoolType::get(), spec.replace);
  if (placeholder) {
    m.register_attribute("is_dynamic", c10::BoolType::get(), true);
    m.define("def forward(self, x: Tensor) -> Tensor:\n    return x\n");
    return m;
  }
  m.register_attribute("averaging_constant", c10::FloatType::get(), spec.averaging_constant);
  m.register_buffer("eps", at::tensor({std::numeric_limits<float>::epsilon()}));
  if (spec.per_channel) {
    m.register_buffer("min_val", at::empty({0}));
    m.register_buffer("max_val", at::empty({0}));
  } else {
    m.register_buffer("min_val", at::tensor(std::numeric_limits<float>::infinity()));
    m.register_buffer("max_val", at::tensor(-std::numeric_limits<float>::infinity()));
  }
  std::string source = spec.per_channel ? kObservePerChannel
                       : spec.kind == "moving_average" ? kObserveMovingAverage
                                                       : kObserveMinMax;
  source += kCalculateQParams;
  source += spec.fake_quantize ? kForwardFakeQuantize : kForwardObserve;
  m.define(source);
  return m;
}

}  // namespace torchslim::quantization
