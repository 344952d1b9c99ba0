// torchslim::Calibrator: static post-training int8 (observe, then convert) and QAT (fake-quantize
// while training, then convert to the same int8 model).
#include <memory>
#include <set>

#include <ATen/ops/conv2d.h>
#include <ATen/ops/fake_quantize_per_tensor_affine.h>
#include <ATen/ops/linear.h>
#include <ATen/ops/relu.h>
#include <ATen/TensorOperators.h>
#include <c10/util/Exception.h>
#include <torch/csrc/autograd/grad_mode.h>

#include "core/error.h"
#include "quantization/kernels.h"
#include "quantization/layers.h"
#include "quantization/model_state.h"
#include "quantization/qparams.h"
#include "quantization/selection.h"
#include "torchslim/quantize.h"

namespace torchslim::quantization {

// A run of layers that becomes one int8 kernel (Conv2d [+BatchNorm2d] [+ReLU], Linear [+ReLU]),
// or one float layer.
struct Unit {
  size_t main;
  int bn = -1;
  bool relu = false;
  bool quantized = false;
  std::unique_ptr<Observer> in, out;  // quantized units: input (used where float turns int8) and output
};

class CalibrationState {
 public:
  std::vector<Layer> layers;
  std::vector<Unit> units;
  bool per_channel = false, qat = false;
  std::string engine;
  int64_t qmin = 0, qmax = 255, batches = 0;

  std::pair<at::Tensor, at::Tensor> weights(const Unit& u) const {
    const Layer& l = layers[u.main];
    if (u.bn < 0) return {l.weight(), l.bias()};
    return fold_batchnorm(l.weight(), l.bias(), layers[u.bn]);
  }

  std::pair<double, int64_t> qparams(const Observer& o, const char* where, const std::string& path) const {
    TORCH_CHECK(o.seen(), "layer '", path, "': no ", where, " observed; run forward on calibration batches before convert");
    auto [mn, mx] = o.range(qmax - qmin + 1);
    return activation_qparams(mn, mx, qmin, qmax);
  }

  at::Tensor fake_quant(const at::Tensor& x, const Observer& o, const std::string& path) const {
    auto [scale, zp] = qparams(o, "activation", path);
    return at::fake_quantize_per_tensor_affine(x, scale, zp, qmin, qmax);
  }

  at::Tensor forward(const at::Tensor& input) {
    // Children share the model's train/eval flag; holding them keeps them alive.
    bool training = layers.front().module->is_training();
    at::Tensor x = input;
    bool int8 = false;
    for (auto& u : units) {
      const Layer& l = layers[u.main];
      if (!u.quantized) {
        if (int8 && !runs_on_int8(l.kind)) int8 = false;
        x = run_float(l, x, training);
        continue;
      }
      if (!int8) {
        u.in->observe(x);
        if (qat) x = fake_quant(x, *u.in, l.path);
        int8 = true;
      }
      auto [w, b] = weights(u);
      if (qat) w = fake_quantize_weight_int8(w, per_channel);
      x = l.kind == Kind::Conv2d ? at::conv2d(x, w, b, l.stride, l.padding, l.dilation, l.groups) : at::linear(x, w, b);
      if (u.relu) x = at::relu(x);
      u.out->observe(x);
      if (qat) x = fake_quant(x, *u.out, l.path);
    }
    ++batches;
    return x;
  }

  std::shared_ptr<ModelState> convert() const {
    TORCH_CHECK(batches > 0, (qat ? "QAT" : "static int8"),
                ": no batch observed; call forward on calibration (or training) batches before convert");
    auto state = std::make_shared<ModelState>();
    state->mode = qat ? "qat" : "static";
    state->engine = engine;
    bool int8 = false;
    at::NoGradGuard no_grad;
    for (const auto& u : units) {
      const Layer& l = layers[u.main];
      if (!u.quantized) {
        if (int8 && !runs_on_int8(l.kind)) {
          state->steps.push_back(Step{Op::Dequantize, l.path + ".dequantize"});
          int8 = false;
        }
        Step s{Op::Linear};
        if (float_step(l, s)) state->steps.push_back(std::move(s));
        continue;
      }
      if (!int8) {
        Step q{Op::Quantize, l.path + ".quantize"};
        std::tie(q.scale, q.zero_point) = qparams(*u.in, "input", l.path);
        state->steps.push_back(std::move(q));
        int8 = true;
      }
      auto [w, b] = weights(u);
      Step s{l.kind == Kind::Conv2d ? Op::QConv2d : Op::QLinear, l.path};
      s.weight = quantize_weight_int8(w.detach(), per_channel);
      if (b.defined()) s.bias = b.detach().to(at::kFloat).clone();
      s.stride = l.stride;
      s.padding = l.padding;
      s.dilation = l.dilation;
      s.groups = l.groups;
      s.relu = u.relu;
      std::tie(s.scale, s.zero_point) = qparams(*u.out, "output", l.path);
      state->steps.push_back(std::move(s));
    }
    if (int8) state->steps.push_back(Step{Op::Dequantize, "output.dequantize"});
    state->pack();
    return state;
  }
};

}  // namespace torchslim::quantization

namespace torchslim {

using namespace quantization;

Calibrator::Calibrator(torch::nn::Module& model, const std::string& layers, const std::string& observer,
                       double observer_arg, bool per_channel, const std::string& engine, bool qat) {
  TS_API_BEGIN
  auto st = std::make_shared<CalibrationState>();
  st->layers = sequential_layers(model);
  const char* mode = qat ? "QAT int8" : "static int8";
  auto selected = select_layers(st->layers, layers, {Kind::Conv2d, Kind::Linear}, mode);
  st->per_channel = per_channel;
  st->qat = qat;
  st->engine = engine.empty() ? default_engine() : engine;
  int8_kernels(st->engine);
  st->qmax = st->engine == "qnnpack" ? 255 : 127;  // reduce_range on x86/fbgemm/onednn, as PyTorch's qconfigs
  make_observer(observer, observer_arg);         // fails early on a bad observer
  const auto& ls = st->layers;
  for (size_t i = 0; i < ls.size(); ++i) {
    Unit u;
    u.main = i;
    if ((ls[i].kind == Kind::Conv2d || ls[i].kind == Kind::Linear) && selected.count(ls[i].path)) {
      u.quantized = true;
      if (ls[i].kind == Kind::Conv2d && i + 1 < ls.size() && ls[i + 1].kind == Kind::BatchNorm2d) u.bn = static_cast<int>(++i);
      if (i + 1 < ls.size() && ls[i + 1].kind == Kind::ReLU) {
        u.relu = true;
        ++i;
      }
      u.in = make_observer(observer, observer_arg);
      u.out = make_observer(observer, observer_arg);
    }
    st->units.push_back(std::move(u));
  }
  state_ = st;
  TS_API_END
}

at::Tensor Calibrator::forward(const at::Tensor& input) {
  TS_API_BEGIN
  if (state_->qat) return state_->forward(input);
  at::NoGradGuard no_grad;
  return state_->forward(input);
  TS_API_END
}

int64_t Calibrator::batches() const { return state_->batches; }

void Calibrator::convert(QuantizedModel& out) {
  TS_API_BEGIN
  out.state_ = state_->convert();
  TS_API_END
}

}  // namespace torchslim
