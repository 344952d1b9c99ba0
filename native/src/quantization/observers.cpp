#include "quantization/observers.h"

#include <limits>

#include <c10/util/Exception.h>

namespace torchslim::quantization {
namespace {

// calculate_qparams of torch.ao.quantization.observer.UniformQuantizationObserverBase. Dtypes are
// ScalarType numbers (6 float32, 4 int64, 3 int32): the C++ front end resolves no torch.<dtype>.
const char* kCalculateQParams = R"JIT(
def _calculate_qparams(self, min_val: Tensor, max_val: Tensor) -> Tuple[Tensor, Tensor]:
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

const char* kCalculateQParamsMinMax = R"JIT(
def calculate_qparams(self) -> Tuple[Tensor, Tensor]:
    return self._calculate_qparams(self.min_val, self.max_val)
)JIT";

// torch.ao.quantization.observer.HistogramObserver of torch 2.13, method for method: a running
// histogram of the activations (re-binned when the range grows), then calculate_qparams picks the
// min/max that minimise the L2 quantization error (_non_linear_param_search).
const char* kHistogram = R"JIT(
def _get_norm(self, delta_begin: Tensor, delta_end: Tensor, density: Tensor) -> Tensor:
    norm = (delta_end * delta_end * delta_end - delta_begin * delta_begin * delta_begin) / 3
    return density * norm

def _compute_quantization_error(self, next_start_bin: int, next_end_bin: int):
    bin_width = (self.max_val.item() - self.min_val.item()) / self.bins
    dst_bin_width = bin_width * (next_end_bin - next_start_bin + 1) / self.dst_nbins
    if dst_bin_width == 0.0:
        return 0.0
    src_bin = torch.arange(self.bins, device=self.histogram.device)
    src_bin_begin = (src_bin - next_start_bin) * bin_width
    src_bin_end = src_bin_begin + bin_width
    dst_bin_of_begin = torch.clamp(torch.div(src_bin_begin, dst_bin_width, rounding_mode="floor"), 0, self.dst_nbins - 1)
    dst_bin_of_begin_center = (dst_bin_of_begin + 0.5) * dst_bin_width
    dst_bin_of_end = torch.clamp(torch.div(src_bin_end, dst_bin_width, rounding_mode="floor"), 0, self.dst_nbins - 1)
    density = self.histogram / bin_width
    norm = torch.zeros(self.bins, device=self.histogram.device)
    delta_begin = src_bin_begin - dst_bin_of_begin_center
    delta_end = dst_bin_width / 2
    norm += self._get_norm(delta_begin, torch.ones(self.bins, device=self.histogram.device) * delta_end, density)
    norm += (dst_bin_of_end - dst_bin_of_begin - 1) * self._get_norm(
        torch.tensor(-dst_bin_width / 2), torch.tensor(dst_bin_width / 2), density)
    dst_bin_of_end_center = dst_bin_of_end * dst_bin_width + dst_bin_width / 2
    delta_begin = -dst_bin_width / 2
    delta_end = src_bin_end - dst_bin_of_end_center
    norm += self._get_norm(torch.tensor(delta_begin), delta_end, density)
    return norm.sum().item()

def _non_linear_param_search(self) -> Tuple[Tensor, Tensor]:
    if self.histogram.size()[0] != self.bins:
        raise AssertionError("bins mismatch")
    bin_width = (self.max_val - self.min_val) / self.bins
    total = torch.sum(self.histogram).item()
    cSum = torch.cumsum(self.histogram, dim=0)
    stepsize = 1e-5
    alpha = 0.0
    beta = 1.0
    start_bin = 0
    end_bin = self.bins - 1
    norm_min = float("inf")
    while alpha < beta:
        next_alpha = alpha + stepsize
        next_beta = beta - stepsize
        l = start_bin
        r = end_bin
        while l < end_bin and cSum[l] < next_alpha * total:
            l = l + 1
        while r > start_bin and cSum[r] > next_beta * total:
            r = r - 1
        next_start_bin = start_bin
        next_end_bin = end_bin
        if (l - start_bin) > (end_bin - r):
            next_start_bin = l
            alpha = next_alpha
        else:
            next_end_bin = r
            beta = next_beta
        if next_start_bin == start_bin and next_end_bin == end_bin:
            continue
        norm = self._compute_quantization_error(next_start_bin, next_end_bin)
        if norm > norm_min:
            break
        norm_min = norm
        start_bin = next_start_bin
        end_bin = next_end_bin
    new_min = self.min_val + bin_width * start_bin
    new_max = self.min_val + bin_width * (end_bin + 1)
    return new_min, new_max

def _upscale_histogram(self, histogram: Tensor, orig_min: Tensor, orig_max: Tensor, update_min: Tensor,
                       update_max: Tensor):
    histogram = histogram.repeat_interleave(self.upsample_rate) / self.upsample_rate
    bin_size = (orig_max - orig_min) / (self.bins * self.upsample_rate)
    mid_points_histogram = torch.linspace(orig_min, orig_max, self.bins * self.upsample_rate + 1,
                                          device=orig_min.device)[:-1].to(histogram.device) + 0.5 * bin_size
    boundaries_new_histogram = torch.linspace(update_min, update_max, self.bins + 1,
                                              device=update_min.device).to(histogram.device)
    bucket_assignments = torch.bucketize(mid_points_histogram, boundaries_new_histogram, right=True) - 1
    bucket_assignments[bucket_assignments >= self.bins] = self.bins - 1
    bucket_assignments[bucket_assignments < 0] = 0
    update_histogram = torch.bincount(bucket_assignments, weights=histogram, minlength=self.bins)
    return update_histogram

def _combine_histograms(self, orig_hist: Tensor, orig_min: Tensor, orig_max: Tensor, update_hist: Tensor,
                        update_min: Tensor, update_max: Tensor) -> Tensor:
    if bool(update_min == orig_min) and bool(update_max == orig_max):
        return orig_hist + update_hist
    if bool(orig_min == orig_max):
        bin_value = torch.sum(orig_hist)
        transformed_orig_hist = torch.histc(orig_min, bins=self.bins, min=float(update_min),
                                            max=float(update_max)) * bin_value
        return transformed_orig_hist + update_hist
    if bool(update_min > orig_min):
        raise AssertionError("update_min must be <= orig_min")
    if bool(update_max < orig_max):
        raise AssertionError("update_max must be >= orig_max")
    transformed_orig_hist = self._upscale_histogram(orig_hist, orig_min, orig_max, update_min, update_max)
    return update_hist + transformed_orig_hist

def reset_histogram(self, x: Tensor, min_val: Tensor, max_val: Tensor) -> None:
    self.min_val.resize_(min_val.shape)
    self.min_val.copy_(min_val)
    self.max_val.resize_(max_val.shape)
    self.max_val.copy_(max_val)
    if min_val.numel() != 1 or max_val.numel() != 1:
        raise AssertionError("histogram min/max values must be scalar.")
    new_histogram = torch.histc(x, self.bins, min=float(min_val), max=float(max_val))
    self.histogram.detach_().resize_(new_histogram.shape)
    self.histogram.copy_(new_histogram)

def observe(self, x_orig: Tensor):
    if x_orig.numel() == 0:
        return
    x = x_orig.detach()
    x_min, x_max = torch.aminmax(x)
    if bool(x_min == -float("inf")) or bool(x_max == float("inf")):
        x = x[x.abs() != float("inf")]
        if x.numel() == 0:
            return
        x_min, x_max = torch.aminmax(x)
    current_min = self.min_val
    current_max = self.max_val
    is_uninitialized = bool(self.min_val == float("inf")) or bool(self.max_val == float("-inf"))
    if is_uninitialized:
        self.reset_histogram(x, x_min, x_max)
    else:
        update_min, update_max = x_min, x_max
        new_min = torch.min(current_min, update_min)
        new_max = torch.max(current_max, update_max)
        new_min, new_max = new_min.detach(), new_max.detach()
        update_histogram = torch.histc(x, self.bins, min=float(new_min), max=float(new_max)).to(self.histogram.device)
        if bool(new_min == current_min) and bool(new_max == current_max):
            combined_histogram = self.histogram + update_histogram
            self.histogram.detach_().resize_(combined_histogram.shape)
            self.histogram.copy_(combined_histogram)
        else:
            combined_histogram = self._combine_histograms(self.histogram, current_min, current_max, update_histogram,
                                                          new_min, new_max)
            self.histogram.detach_().resize_(combined_histogram.shape)
            self.histogram.copy_(combined_histogram)
            self.min_val.detach_().resize_(new_min.shape)
            self.min_val.copy_(new_min)
            self.max_val.detach_().resize_(new_max.shape)
            self.max_val.copy_(new_max)

def calculate_qparams(self) -> Tuple[Tensor, Tensor]:
    is_uninitialized = bool(self.min_val == float("inf")) and bool(self.max_val == float("-inf"))
    if is_uninitialized:
        return torch.tensor([1.0]), torch.tensor([0])
    if self.bins != len(self.histogram):
        raise AssertionError("The number of bins in histogram should be equal to the number of bins supplied")
    new_min, new_max = self._non_linear_param_search()
    return self._calculate_qparams(new_min, new_max)
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
  const bool histogram = spec.kind == "histogram";
  TORCH_CHECK(placeholder || histogram || spec.kind == "minmax" || spec.kind == "moving_average",
              "unknown observer '", spec.kind, "'; known: minmax, moving_average, histogram");
  TORCH_CHECK(!histogram || (!spec.per_channel && !spec.fake_quantize),
              "the histogram observer records per-tensor activations for static int8 (not weights, not QAT)");
  std::string name = placeholder ? "PlaceholderObserver"
                     : spec.fake_quantize ? "FakeQuantize"
                     : spec.per_channel   ? "PerChannelMinMaxObserver"
                     : histogram          ? "HistogramObserver"
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
  if (histogram) {  // Python's defaults: 2048 bins, 2^8 destination bins, upsample rate 16
    constexpr int64_t kBins = 2048;
    m.register_attribute("bins", c10::IntType::get(), kBins);
    m.register_attribute("dst_nbins", c10::IntType::get(), static_cast<int64_t>(256));
    m.register_attribute("upsample_rate", c10::IntType::get(), static_cast<int64_t>(16));
    m.register_buffer("histogram", at::zeros({kBins}));
  }
  if (spec.per_channel) {
    m.register_buffer("min_val", at::empty({0}));
    m.register_buffer("max_val", at::empty({0}));
  } else {
    m.register_buffer("min_val", at::tensor(std::numeric_limits<float>::infinity()));
    m.register_buffer("max_val", at::tensor(-std::numeric_limits<float>::infinity()));
  }
  std::string source = histogram ? kHistogram
                       : spec.per_channel ? kObservePerChannel
                       : spec.kind == "moving_average" ? kObserveMovingAverage
                                                       : kObserveMinMax;
  source += kCalculateQParams;
  if (!histogram) source += kCalculateQParamsMinMax;
  source += spec.fake_quantize ? kForwardFakeQuantize : kForwardObserve;
  m.define(source);
  return m;
}

}  // namespace torchslim::quantization
