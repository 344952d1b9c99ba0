#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>

#include <ATen/ops/rand.h>
#include <ATen/ops/randn.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/pooling.h>
#include <torch/nn/modules/rnn.h>

#include "check.h"
#include "core/error.h"
#include "torchslim/quantize.h"

namespace {

double rel_err(const at::Tensor& a, const at::Tensor& b) {
  return ((a - b).norm() / b.norm()).item<double>();
}

std::string bytes_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

torch::nn::Sequential conv_model() {
  torch::nn::Sequential m(torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 4, 3)), torch::nn::BatchNorm2d(4),
                          torch::nn::ReLU(), torch::nn::MaxPool2d(2), torch::nn::Flatten(),
                          torch::nn::Linear(4 * 3 * 3, 5), torch::nn::LogSoftmax(1));
  m->eval();
  return m;
}

}  // namespace

TS_TEST(dynamic_int8_is_close_to_float_and_round_trips_bit_for_bit) {
  torch::manual_seed(0);
  torch::nn::Sequential model(torch::nn::Linear(32, 16), torch::nn::ReLU(), torch::nn::Linear(16, 4));
  at::Tensor x = at::randn({8, 32});
  at::Tensor ref = model->forward(x);
  for (bool per_channel : {false, true}) {
    torchslim::QuantizedModel q;
    torchslim::quantize_dynamic(q, *model, "0,2", per_channel, "");
    TS_CHECK(q.mode() == "dynamic");
    TS_CHECK(q.describe().find("linear_dynamic_int8") != std::string::npos);
    at::Tensor y = q.forward(x);
    TS_CHECK(rel_err(y, ref) < 0.05);
    std::string a = "/tmp/ts_qtest_a.tsq", b = "/tmp/ts_qtest_b.tsq";
    q.save(a);
    torchslim::QuantizedModel r;
    r.load(a);
    r.save(b);
    TS_CHECK(bytes_of(a) == bytes_of(b));
    TS_CHECK(at::equal(r.forward(x), y));
    std::remove(a.c_str());
    std::remove(b.c_str());
  }
}

TS_TEST(static_int8_quantizes_only_at_the_edges) {
  torch::manual_seed(1);
  auto model = conv_model();
  torchslim::Calibrator c(*model, "0,5", "minmax", 0, true, "", false);
  for (int i = 0; i < 4; ++i) c.forward(at::rand({16, 1, 8, 8}));
  TS_CHECK(c.batches() == 4);
  torchslim::QuantizedModel q;
  c.convert(q);
  std::string d = q.describe();
  // quantize, conv(+bn+relu), pool, flatten, linear, dequantize, log_softmax
  TS_CHECK(d.rfind("0.quantize\tquantize", 0) == 0);  // the first step, and the only quantize
  TS_CHECK(d.find("\tquantize", 1) == d.find("\tquantize"));
  TS_CHECK(d.find("conv2d_int8") != std::string::npos && d.find("linear_int8") != std::string::npos);
  TS_CHECK(d.find("+relu") != std::string::npos);
  size_t deq = d.find("dequantize");
  TS_CHECK(deq != std::string::npos && d.find("log_softmax") > deq);
  at::Tensor x = at::rand({16, 1, 8, 8});
  TS_CHECK(rel_err(q.forward(x).exp(), model->forward(x).exp()) < 0.05);
}

TS_TEST(qat_trains_through_fake_quant_and_converts) {
  torch::manual_seed(2);
  auto model = conv_model();
  model->train();
  torchslim::Calibrator c(*model, "0,5", "moving_average", 0.01, false, "", true);
  at::Tensor x = at::rand({8, 1, 8, 8});
  at::Tensor out = c.forward(x);
  out.sum().backward();
  TS_CHECK(model->parameters()[0].grad().defined());
  model->eval();
  torchslim::QuantizedModel q;
  c.convert(q);
  TS_CHECK(q.mode() == "qat");
  TS_CHECK(q.forward(x).sizes() == at::IntArrayRef({8, 5}));
}

TS_TEST(unsupported_models_and_settings_fail_clearly) {
  torch::nn::Sequential lstm(torch::nn::LSTM(4, 4));
  torchslim::QuantizedModel q;
  try {
    torchslim::quantize_dynamic(q, *lstm, "0", false, "");
    throw torchslim::testing::Failure("LSTM accepted");
  } catch (const torchslim::Error& e) {
    TS_CHECK(std::string(e.what()).find("supported") != std::string::npos);
  }
  auto model = conv_model();
  TS_CHECK_THROWS(torchslim::quantize_dynamic(q, *model, "0", false, ""));          // Conv2d in dynamic
  TS_CHECK_THROWS(torchslim::quantize_dynamic(q, *model, "5", false, "tpu"));       // engine
  TS_CHECK_THROWS(torchslim::quantize_dynamic(q, *model, "", false, ""));           // nothing selected
  TS_CHECK_THROWS(torchslim::Calibrator(*model, "0", "kmeans", 0, false, "", false));
  torchslim::Calibrator c(*model, "0", "minmax", 0, false, "", false);
  TS_CHECK_THROWS(c.convert(q));  // nothing observed
  TS_CHECK_THROWS(q.forward(at::rand({1, 4})));
}

TS_TEST(weight_only_files_shrink_and_dequantize) {
  torch::manual_seed(3);
  torch::nn::Sequential model(torch::nn::Linear(256, 128), torch::nn::ReLU(), torch::nn::Linear(128, 64));
  torch::nn::Sequential copy(torch::nn::Linear(256, 128), torch::nn::ReLU(), torch::nn::Linear(128, 64));
  at::Tensor x = at::randn({4, 256});
  at::Tensor ref = model->forward(x);
  for (int bits : {8, 4}) {
    std::string f = "/tmp/ts_qtest_w.tsw";
    torchslim::save_weight_only(*model, f, bits, 64);
    torchslim::load_weight_only(*copy, f);
    TS_CHECK(rel_err(copy->forward(x), ref) < (bits == 8 ? 0.01 : 0.15));
    size_t size = bytes_of(f).size(), fp32 = (256 * 128 + 128 + 128 * 64 + 64) * 4;
    TS_CHECK(fp32 / size >= (bits == 8 ? 3u : 6u));
    std::remove(f.c_str());
  }
  torchslim::convert_precision(*copy, "bf16");
  TS_CHECK(copy->parameters()[0].scalar_type() == at::kBFloat16);
  TS_CHECK_THROWS(torchslim::convert_precision(*copy, "fp8"));
}
