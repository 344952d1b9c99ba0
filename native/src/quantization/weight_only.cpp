// Weight-only int8/int4 storage (dequantized on load) and fp16/bf16 casts: work on any module.
#include <map>

#include <ATen/ops/bitwise_and.h>
#include <ATen/ops/cat.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/stack.h>
#include <ATen/ops/zeros.h>
#include <ATen/TensorOperators.h>
#include <c10/util/Exception.h>
#include <torch/csrc/autograd/grad_mode.h>
#include <torch/csrc/jit/api/module.h>
#include <torch/csrc/jit/serialization/import.h>
#include <torch/csrc/jit/serialization/pickle.h>

#include "core/error.h"
#include "quantization/model_state.h"
#include "torchslim/quantize.h"

namespace torchslim::quantization {
namespace {

constexpr const char* kFormat = "torchslim.weight_only/1";

struct Packed {
  at::Tensor data;    // int8 [rows, cols] (bits 8) or uint8 [rows, padded/2] (bits 4)
  at::Tensor scales;  // float32 [rows] (bits 8) or [rows, groups] (bits 4)
  int64_t group = 0;
};

bool quantizable(const at::Tensor& t) { return t.is_floating_point() && t.dim() >= 2 && t.numel() > 0; }

int64_t group_of(int64_t cols, int group_size) { return std::min<int64_t>(group_size, cols); }

Packed pack(const at::Tensor& t, int bits, int group_size) {
  at::Tensor w = t.detach().to(at::kFloat).reshape({t.size(0), -1});
  int64_t rows = w.size(0), cols = w.size(1);
  Packed p;
  if (bits == 8) {
    p.scales = (w.abs().amax({1}) / 127.0f).clamp_min(1e-12f);
    p.data = (w / p.scales.unsqueeze(1)).round().clamp(-127, 127).to(at::kChar);
    return p;
  }
  p.group = group_of(cols, group_size);
  int64_t groups = (cols + p.group - 1) / p.group, padded = groups * p.group;
  if (padded % 2) ++padded, ++groups;  // keep whole bytes; the extra group is zeros
  at::Tensor wp = at::zeros({rows, groups * p.group}, w.options());
  wp.narrow(1, 0, cols).copy_(w);
  at::Tensor g = wp.reshape({rows, groups, p.group});
  p.scales = (g.abs().amax({2}) / 7.0f).clamp_min(1e-12f);
  at::Tensor q = (g / p.scales.unsqueeze(2)).round().clamp(-8, 7).to(at::kShort).reshape({rows, -1}) + 8;
  at::Tensor lo = q.slice(1, 0, q.size(1), 2), hi = q.slice(1, 1, q.size(1), 2);
  p.data = (lo + hi * 16).to(at::kByte).contiguous();
  return p;
}

at::Tensor unpack(const Packed& p, int bits, at::IntArrayRef shape) {
  int64_t rows = p.data.size(0);
  at::Tensor w;
  if (bits == 8) {
    w = p.data.to(at::kFloat) * p.scales.unsqueeze(1);
  } else {
    at::Tensor b = p.data.to(at::kShort);
    at::Tensor lo = at::bitwise_and(b, 15) - 8, hi = at::floor_divide(b, 16) - 8;
    at::Tensor q = at::stack({lo, hi}, 2).reshape({rows, -1, p.group}).to(at::kFloat);
    w = (q * p.scales.unsqueeze(2)).reshape({rows, -1});
  }
  int64_t cols = 1;
  for (size_t i = 1; i < shape.size(); ++i) cols *= shape[i];
  return w.narrow(1, 0, cols).reshape(shape);
}

std::map<std::string, at::Tensor> state_of(torch::nn::Module& model) {
  std::map<std::string, at::Tensor> all;
  for (const auto& p : model.named_parameters(true)) all[p.key()] = p.value();
  for (const auto& b : model.named_buffers(true)) all[b.key()] = b.value();
  return all;
}

void check_args(int bits, int group_size) {
  TORCH_CHECK(bits == 8 || bits == 4, "weight-only bits must be 8 or 4, got ", bits);
  TORCH_CHECK(bits == 8 || (group_size >= 2 && group_size % 2 == 0),
              "int4 group size must be an even number >= 2, got ", group_size);
}

}  // namespace

void write_weight_only(const std::map<std::string, at::Tensor>& state, const std::string& path, int bits, int group_size);
torch::jit::Module load_torchscript(const std::string& path);  // torchscript.cpp

}  // namespace torchslim::quantization

namespace torchslim {

using namespace quantization;

void save_weight_only(torch::nn::Module& model, const std::string& path, int bits, int group_size) {
  TS_API_BEGIN
  write_weight_only(state_of(model), path, bits, group_size);
  TS_API_END
}

void torchscript_weight_only(const std::string& in, const std::string& out, int bits, int group_size) {
  TS_API_BEGIN
  torch::jit::Module m = load_torchscript(in);
  std::map<std::string, at::Tensor> state;
  for (const auto& p : m.named_parameters(true)) state[p.name] = p.value;
  for (const auto& b : m.named_buffers(true)) state[b.name] = b.value;
  TORCH_CHECK(!state.empty(), in, " has no parameters or buffers");
  write_weight_only(state, out, bits, group_size);
  TS_API_END
}

}  // namespace torchslim

namespace torchslim::quantization {

void write_weight_only(const std::map<std::string, at::Tensor>& state, const std::string& path, int bits, int group_size) {
  check_args(bits, group_size);
  c10::impl::GenericDict tensors(c10::StringType::get(), c10::AnyType::get());
  for (const auto& [name, t] : state) {
    c10::impl::GenericDict e(c10::StringType::get(), c10::AnyType::get());
    if (quantizable(t)) {
      Packed p = pack(t, bits, group_size);
      e.insert("data", p.data);
      e.insert("scales", p.scales);
      e.insert("group", p.group);
      e.insert("shape", c10::List<int64_t>(t.sizes().vec()));
      e.insert("dtype", std::string(c10::toString(t.scalar_type())));
    } else {
      e.insert("tensor", t.detach().contiguous());
    }
    tensors.insert(name, e);
  }
  c10::impl::GenericDict root(c10::StringType::get(), c10::AnyType::get());
  root.insert("format", std::string(kFormat));
  root.insert("bits", static_cast<int64_t>(bits));
  root.insert("tensors", tensors);
  write_atomically(path, torch::jit::pickle_save(root));
}

}  // namespace torchslim::quantization

namespace torchslim {

using namespace quantization;

void load_weight_only(torch::nn::Module& model, const std::string& path) {
  TS_API_BEGIN
  c10::IValue v = torch::jit::pickle_load(read_file(path));
  TORCH_CHECK(v.isGenericDict() && v.toGenericDict().contains("format") &&
                  v.toGenericDict().at("format").toStringRef() == kFormat,
              path, " is not a TorchSlim weight-only file (", kFormat, ")");
  auto root = v.toGenericDict();
  int bits = static_cast<int>(root.at("bits").toInt());
  auto entries = root.at("tensors").toGenericDict();
  auto targets = state_of(model);
  TORCH_CHECK(entries.size() == targets.size(), "weight-only file has ", entries.size(), " tensors, the model ",
              targets.size());
  // Decode and check everything first, so a mismatch leaves the model as it was.
  std::map<std::string, at::Tensor> decoded;
  for (const auto& item : entries) {
    const std::string name = item.key().toStringRef();
    auto it = targets.find(name);
    TORCH_CHECK(it != targets.end(), "weight-only file has '", name, "', which the model lacks");
    auto e = item.value().toGenericDict();
    at::Tensor t;
    if (e.contains("tensor")) {
      t = e.at("tensor").toTensor();
    } else {
      Packed p{e.at("data").toTensor(), e.at("scales").toTensor(), e.at("group").toInt()};
      t = unpack(p, bits, e.at("shape").toIntVector());
    }
    TORCH_CHECK(t.sizes() == it->second.sizes(), "'", name, "' has shape ", t.sizes(), " in the file but ",
                it->second.sizes(), " in the model");
    decoded[name] = t;
  }
  at::NoGradGuard no_grad;
  for (auto& [name, t] : decoded) targets[name].copy_(t);
  TS_API_END
}

void fake_quantize_weights(torch::nn::Module& model, int bits, int group_size) {
  TS_API_BEGIN
  check_args(bits, group_size);
  at::NoGradGuard no_grad;
  for (auto& [name, t] : state_of(model))
    if (quantizable(t)) t.copy_(unpack(pack(t, bits, group_size), bits, t.sizes()));
  TS_API_END
}

void convert_precision(torch::nn::Module& model, const std::string& dtype) {
  TS_API_BEGIN
  at::ScalarType type = dtype == "fp16" ? at::kHalf : dtype == "bf16" ? at::kBFloat16 : at::kFloat;
  TORCH_CHECK(dtype == "fp16" || dtype == "bf16" || dtype == "fp32", "precision must be fp16, bf16 or fp32, got '",
              dtype, "'");
  model.to(type);
  TS_API_END
}

}  // namespace torchslim
