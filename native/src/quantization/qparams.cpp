#include "quantization/qparams.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include <ATen/ops/aminmax.h>
#include <ATen/ops/amax.h>
#include <ATen/ops/amin.h>
#include <ATen/ops/fake_quantize_per_channel_affine.h>
#include <ATen/ops/fake_quantize_per_tensor_affine.h>
#include <ATen/ops/histc.h>
#include <ATen/ops/maximum.h>
#include <ATen/ops/minimum.h>
#include <ATen/ops/quantize_per_channel.h>
#include <ATen/ops/quantize_per_tensor.h>
#include <ATen/ops/round.h>
#include <ATen/ops/scalar_tensor.h>
#include <ATen/ops/zeros.h>
#include <ATen/ops/zeros_like.h>
#include <ATen/TensorOperators.h>
#include <c10/util/Exception.h>

namespace torchslim::quantization {
namespace {

constexpr float kEps = std::numeric_limits<float>::epsilon();

// min/max of the weight per tensor (0-dim) or per output channel, as float32 tensors.
std::pair<at::Tensor, at::Tensor> weight_minmax(const at::Tensor& w, bool per_channel) {
  at::Tensor x = w.detach().to(at::kFloat);
  if (!per_channel) {
    auto [mn, mx] = at::aminmax(x);
    return {mn, mx};
  }
  at::Tensor flat = x.reshape({x.size(0), -1});
  return {at::amin(flat, {1}), at::amax(flat, {1})};
}

// PyTorch: symmetric qint8, quant range -128..127.
at::Tensor symmetric_scale(const at::Tensor& mn, const at::Tensor& mx) {
  at::Tensor min_neg = at::minimum(mn, at::zeros_like(mn));
  at::Tensor max_pos = at::maximum(mx, at::zeros_like(mx));
  max_pos = at::maximum(-min_neg, max_pos);
  at::Tensor scale = max_pos / ((127.0f - -128.0f) / 2.0f);
  return at::maximum(scale, at::scalar_tensor(kEps, scale.options()));
}

}  // namespace

std::pair<double, int64_t> activation_qparams(float min_val, float max_val, int64_t qmin, int64_t qmax) {
  auto opts = at::TensorOptions().dtype(at::kFloat);
  at::Tensor min_neg = at::scalar_tensor(std::min(min_val, 0.0f), opts);
  at::Tensor max_pos = at::scalar_tensor(std::max(max_val, 0.0f), opts);
  at::Tensor scale = (max_pos - min_neg) / static_cast<float>(qmax - qmin);
  scale = at::maximum(scale, at::scalar_tensor(kEps, opts));
  int64_t zp = qmin - at::round(min_neg / scale).to(at::kInt).item<int64_t>();
  zp = std::clamp(zp, qmin, qmax);
  return {static_cast<double>(scale.item<float>()), zp};
}

at::Tensor quantize_weight_int8(const at::Tensor& weight, bool per_channel) {
  auto [mn, mx] = weight_minmax(weight, per_channel);
  at::Tensor scale = symmetric_scale(mn, mx);
  at::Tensor w = weight.detach().to(at::kFloat).contiguous();
  if (!per_channel) return at::quantize_per_tensor(w, scale.item<float>(), 0, at::kQInt8);
  return at::quantize_per_channel(w, scale.to(at::kDouble), at::zeros({scale.size(0)}, at::kLong), 0,
                                  at::kQInt8);
}

at::Tensor fake_quantize_weight_int8(const at::Tensor& weight, bool per_channel) {
  auto [mn, mx] = weight_minmax(weight, per_channel);
  at::Tensor scale = symmetric_scale(mn, mx);
  if (!per_channel) return at::fake_quantize_per_tensor_affine(weight, scale.item<float>(), 0, -128, 127);
  return at::fake_quantize_per_channel_affine(weight, scale, at::zeros({scale.size(0)}, at::kInt), 0, -128,
                                              127);
}

namespace {

class MinMaxObserver : public Observer {
 public:
  explicit MinMaxObserver(double averaging) : averaging_(averaging) {}
  void observe(const at::Tensor& x) override {
    auto [mn_t, mx_t] = at::aminmax(x.detach().to(at::kFloat));
    float mn = mn_t.item<float>(), mx = mx_t.item<float>();
    if (!seen_ || averaging_ <= 0) {
      min_ = seen_ ? std::min(min_, mn) : mn;
      max_ = seen_ ? std::max(max_, mx) : mx;
    } else {
      min_ = min_ + static_cast<float>(averaging_) * (mn - min_);
      max_ = max_ + static_cast<float>(averaging_) * (mx - max_);
    }
    seen_ = true;
  }
  bool seen() const override { return seen_; }
  std::pair<float, float> range(int64_t) const override { return {min_, max_}; }

 private:
  double averaging_;  // 0: running min/max; else moving average (PyTorch's constant is 0.01)
  bool seen_ = false;
  float min_ = 0, max_ = 0;
};

// A 2048-bin histogram over the range seen so far; when the range grows, old counts move to the
// bins of their centres. The range is then chosen by percentile or by least expected squared error.
class HistogramObserver : public Observer {
 public:
  HistogramObserver(bool mse, double percentile) : mse_(mse), percentile_(percentile) {}

  void observe(const at::Tensor& x_in) override {
    at::Tensor x = x_in.detach().to(at::kFloat).reshape({-1});
    auto [mn_t, mx_t] = at::aminmax(x);
    float mn = mn_t.item<float>(), mx = mx_t.item<float>();
    if (!seen_) {
      lo_ = mn;
      hi_ = mx > mn ? mx : mn + 1e-6f;
      counts_.assign(kBins, 0.0);
    } else if (mn < lo_ || mx > hi_) {
      float nlo = std::min(lo_, mn), nhi = std::max(hi_, mx);
      std::vector<double> moved(kBins, 0.0);
      for (int i = 0; i < kBins; ++i) {
        float centre = lo_ + (i + 0.5f) * (hi_ - lo_) / kBins;
        moved[bin(centre, nlo, nhi)] += counts_[i];
      }
      counts_.swap(moved);
      lo_ = nlo;
      hi_ = nhi;
    }
    at::Tensor h = at::histc(x, kBins, lo_, hi_).to(at::kDouble).contiguous();
    const double* p = h.data_ptr<double>();
    for (int i = 0; i < kBins; ++i) counts_[i] += p[i];
    seen_ = true;
  }

  bool seen() const override { return seen_; }

  std::pair<float, float> range(int64_t levels) const override {
    std::vector<double> cum(kBins + 1, 0.0);
    for (int i = 0; i < kBins; ++i) cum[i + 1] = cum[i] + counts_[i];
    double total = cum[kBins];
    auto edge_at = [&](double mass, bool upper) {  // smallest bin edge with cum >= mass
      int i = 0;
      while (i < kBins && cum[i + 1] < mass) ++i;
      return lo_ + (upper ? i + 1 : i) * width();
    };
    if (!mse_) {
      double tail = (1.0 - percentile_ / 100.0) * total;
      return {edge_at(tail, false), edge_at(total - tail, true)};
    }
    // Least expected squared error over candidate clip points at these tail masses.
    const double tails[] = {0.0, 1e-6, 1e-5, 1e-4, 1e-3, 3e-3, 1e-2, 3e-2};
    std::pair<float, float> best{lo_, hi_};
    double best_err = std::numeric_limits<double>::infinity();
    for (double lt : tails) {
      for (double ut : tails) {
        float a = lt == 0 ? lo_ : edge_at(lt * total, false);
        float b = ut == 0 ? hi_ : edge_at(total - ut * total, true);
        double err = error(std::min(a, 0.0f), std::max(b, 0.0f), levels);
        if (err < best_err) {
          best_err = err;
          best = {a, b};
        }
      }
    }
    return best;
  }

 private:
  static constexpr int kBins = 2048;
  float width() const { return (hi_ - lo_) / kBins; }
  static int bin(float v, float lo, float hi) {
    int i = static_cast<int>((v - lo) / (hi - lo) * kBins);
    return std::clamp(i, 0, kBins - 1);
  }
  double error(float a, float b, int64_t levels) const {
    double step = (b - a) / static_cast<double>(levels - 1);
    double inside = step * step / 12.0, err = 0.0;
    for (int i = 0; i < kBins; ++i) {
      if (counts_[i] == 0) continue;
      double c = lo_ + (i + 0.5) * width();
      double e = c < a ? (a - c) * (a - c) : c > b ? (c - b) * (c - b) : inside;
      err += counts_[i] * e;
    }
    return err;
  }

  bool mse_;
  double percentile_;
  bool seen_ = false;
  float lo_ = 0, hi_ = 0;
  std::vector<double> counts_;
};

}  // namespace

std::unique_ptr<Observer> make_observer(const std::string& kind, double arg) {
  if (kind == "minmax") return std::make_unique<MinMaxObserver>(0.0);
  if (kind == "moving_average") {
    TORCH_CHECK(arg > 0 && arg <= 1, "moving_average observer: averaging constant must be in (0, 1], got ", arg);
    return std::make_unique<MinMaxObserver>(arg);
  }
  if (kind == "histogram_percentile") {
    TORCH_CHECK(arg > 50 && arg <= 100, "histogram_percentile observer: percentile must be in (50, 100], got ", arg);
    return std::make_unique<HistogramObserver>(false, arg);
  }
  if (kind == "histogram_mse") return std::make_unique<HistogramObserver>(true, 0.0);
  TORCH_CHECK(false, "unknown observer '", kind,
              "'; supported: minmax, moving_average, histogram_percentile, histogram_mse");
}

}  // namespace torchslim::quantization
