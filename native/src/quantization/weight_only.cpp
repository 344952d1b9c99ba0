// Weight-only int8 / int4 that pays at run time: the frozen model keeps integer weights as its
// constants (the file and the resident weights shrink) and dequantizes them inside forward.
#include <c10/util/Exception.h>
#include <torch/csrc/autograd/grad_mode.h>
#include <torch/csrc/jit/api/function_impl.h>
#include <torch/csrc/jit/api/compilation_unit.h>
#include <torch/csrc/jit/frontend/resolver.h>
#include <torch/csrc/jit/ir/constants.h>
#include <torch/csrc/jit/passes/dead_code_elimination.h>
#include <torch/csrc/jit/passes/freeze_module.h>

#include "core/error.h"
#include "graph/walk.h"
#include "torchslim/quantize.h"

namespace torchslim {
namespace {

const char* kDequantize = R"JIT(
def dequantize_int8(q: Tensor, scales: Tensor, shape: List[int], dtype: int) -> Tensor:
    return (q.to(dtype) * scales.unsqueeze(-1)).reshape(shape)

def dequantize_int4(packed: Tensor, scales: Tensor, shape: List[int], group: int, dtype: int) -> Tensor:
    rows = packed.size(0)
    hi = torch.bitwise_right_shift(packed, 4)
    lo = torch.bitwise_and(packed, 15)
    q = torch.stack([hi, lo], dim=-1).reshape(rows, -1, group)
    w = (q.to(dtype) - 8.0) * scales.unsqueeze(-1)
    return w.reshape(shape)
)JIT";

struct Quantized {
  at::Tensor q;       // int8 [rows, cols] or uint8 packed [rows, cols / 2]
  at::Tensor scales;  // [rows] (int8) or [rows, cols / group] (int4), in the weight's dtype
};

Quantized quantize(const at::Tensor& weight, int bits, int group) {
  at::Tensor w = weight.detach().to(at::kFloat).reshape({weight.size(0), -1});
  if (bits == 8) {
    at::Tensor scale = w.abs().amax(1).clamp_min(1e-12) / 127.0;
    at::Tensor q = at::round(w / scale.unsqueeze(1)).clamp(-127, 127).to(at::kChar);
    return {q, scale.to(weight.scalar_type())};
  }
  at::Tensor g = w.reshape({w.size(0), -1, group});
  at::Tensor scale = g.abs().amax(2).clamp_min(1e-12) / 7.0;
  at::Tensor q = (at::round(g / scale.unsqueeze(2)).clamp(-8, 7) + 8).to(at::kByte).reshape({w.size(0), -1});
  at::Tensor packed = at::bitwise_or(at::bitwise_left_shift(q.slice(1, 0, q.size(1), 2), 4), q.slice(1, 1, q.size(1), 2));
  return {packed.contiguous(), scale.to(weight.scalar_type())};
}

// Index of the weight input of ops whose weight is quantized.
int weight_index(torch::jit::Node* n) {
  static const std::vector<c10::Symbol> ops = {c10::aten::linear, c10::aten::conv1d, c10::aten::conv2d,
                                               c10::aten::conv3d, c10::aten::_convolution,
                                               c10::aten::conv_transpose1d, c10::aten::conv_transpose2d};
  for (auto op : ops)
    if (n->kind() == op) return 1;
  if (n->kind() == c10::aten::embedding) return 0;
  return -1;
}

}  // namespace

void weight_only(ScriptModel& out, const ScriptModel& model, int bits, int group_size) {
  TS_API_BEGIN
  TORCH_CHECK(bits == 8 || bits == 4, "weight-only bits must be 8 or 4, got ", bits);
  TORCH_CHECK(bits == 8 || (group_size >= 2 && group_size % 2 == 0), "int4 group size must be even and >= 2, got ",
              group_size);
  at::NoGradGuard no_grad;
  torch::jit::Module m = model.module().clone();
  m.eval();
  m = torch::jit::freeze_module(m, {}, /*freezeInterfaces=*/true, /*preserveParameters=*/false);
  auto cu = std::make_shared<torch::jit::CompilationUnit>();
  cu->define(std::nullopt, kDequantize, torch::jit::nativeResolver(), nullptr);
  auto g = m.get_method("forward").graph();
  std::vector<torch::jit::Node*> users;
  graph::for_each_node(*g->block(), [&](torch::jit::Node* n) {
    if (weight_index(n) >= 0) users.push_back(n);
  });
  int changed = 0;
  for (torch::jit::Node* n : users) {
    const int wi = weight_index(n);
    auto value = torch::jit::toIValue(n->input(wi));
    if (!value || !value->isTensor()) continue;
    at::Tensor w = value->toTensor();
    if (!w.is_floating_point() || w.dim() < 2) continue;
    const int64_t cols = w.numel() / w.size(0);
    if (bits == 4 && cols % group_size != 0) continue;  // left in float; said by the table
    Quantized qw = quantize(w, bits, group_size);
    torch::jit::WithInsertPoint guard(n);
    std::vector<torch::jit::Value*> inputs = {g->insertConstant(qw.q), g->insertConstant(qw.scales),
                                              g->insertConstant(w.sizes().vec())};
    if (bits == 4) inputs.push_back(g->insertConstant(static_cast<int64_t>(group_size)));
    inputs.push_back(g->insertConstant(static_cast<int64_t>(w.scalar_type())));
    auto& fn = torch::jit::toGraphFunction(cu->get_function(bits == 8 ? "dequantize_int8" : "dequantize_int4"));
    auto outs = torch::jit::insertGraph(*g, *fn.graph(), inputs);
    n->replaceInput(wi, outs.at(0));
    ++changed;
  }
  TORCH_CHECK(changed > 0, "the model has no Linear, Conv or Embedding weight to quantize");
  torch::jit::EliminateDeadCode(g);
  out.reset(m);
  TS_API_END
}

}  // namespace torchslim
