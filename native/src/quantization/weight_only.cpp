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

def dequantize_int4(packed: Tensor, scales: Tensor, shape: List[int], group: int, cols: int, dtype: int) -> Tensor:
    rows = packed.size(0)
    hi = torch.bitwise_right_shift(packed, 4)
    lo = torch.bitwise_and(packed, 15)
    q = torch.stack([hi, lo], dim=-1).reshape(rows, -1, group)
    w = (q.to(dtype) - 8.0) * scales.to(dtype).unsqueeze(-1)
    return w.reshape(rows, -1)[:, :cols].reshape(shape)
)JIT";

struct Quantized {
  at::Tensor q;       // int8 [rows, cols] or uint8 packed [rows, padded cols / 2]
  at::Tensor scales;  // [rows] in the weight's dtype (int8), or [rows, padded cols / group] fp16 (int4)
};

Quantized quantize(const at::Tensor& weight, int bits, int group) {
  at::Tensor w = weight.detach().to(at::kFloat).reshape({weight.size(0), -1});
  if (bits == 8) {
    at::Tensor scale = w.abs().amax(1).clamp_min(1e-12) / 127.0;
    at::Tensor q = at::round(w / scale.unsqueeze(1)).clamp(-127, 127).to(at::kChar);
    return {q, scale.to(weight.scalar_type())};
  }
  const int64_t cols = w.size(1);
  const int64_t padded = (cols + group - 1) / group * group;  // zero columns up to whole groups
  if (padded != cols) w = at::constant_pad_nd(w, {0, padded - cols});
  at::Tensor g = w.reshape({w.size(0), -1, group});
  // fp16 scales, rounded before use so quantization and dequantization agree
  at::Tensor scale = (g.abs().amax(2).clamp_min(1e-6) / 7.0).to(at::kHalf).to(at::kFloat);
  at::Tensor q = (at::round(g / scale.unsqueeze(2)).clamp(-8, 7) + 8).to(at::kByte).reshape({w.size(0), -1});
  at::Tensor packed = at::bitwise_or(at::bitwise_left_shift(q.slice(1, 0, q.size(1), 2), 4), q.slice(1, 1, q.size(1), 2));
  return {packed.contiguous(), scale.to(at::kHalf)};
}

// The nodes computing `w` back from its integer form, inserted at the current insert point.
torch::jit::Value* dequantized(torch::jit::Graph& g, torch::jit::CompilationUnit& cu, const at::Tensor& w, int bits,
                               int group) {
  Quantized qw = quantize(w, bits, group);
  std::vector<torch::jit::Value*> inputs = {g.insertConstant(qw.q), g.insertConstant(qw.scales),
                                            g.insertConstant(w.sizes().vec())};
  if (bits == 4) {
    inputs.push_back(g.insertConstant(static_cast<int64_t>(group)));
    inputs.push_back(g.insertConstant(w.numel() / w.size(0)));
  }
  inputs.push_back(g.insertConstant(static_cast<int64_t>(w.scalar_type())));
  auto& fn = torch::jit::toGraphFunction(cu.get_function(bits == 8 ? "dequantize_int8" : "dequantize_int4"));
  return torch::jit::insertGraph(g, *fn.graph(), inputs).at(0);
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
  std::vector<torch::jit::Node*> rnns;
  graph::for_each_node(*g->block(), [&](torch::jit::Node* n) {
    if (weight_index(n) >= 0) users.push_back(n);
    // input overloads: (input, hx, params, ...); the packed-sequence ones take params third too
    if ((n->kind() == c10::aten::lstm || n->kind() == c10::aten::gru) && n->inputs().size() == 9 &&
        n->input(2)->type()->cast<c10::ListType>())
      rnns.push_back(n);
  });
  int changed = 0;
  for (torch::jit::Node* n : users) {
    const int wi = weight_index(n);
    auto value = torch::jit::toIValue(n->input(wi));
    if (!value || !value->isTensor()) continue;
    at::Tensor w = value->toTensor();
    if (!w.is_floating_point() || w.dim() < 2) continue;
    torch::jit::WithInsertPoint guard(n);
    n->replaceInput(wi, dequantized(*g, *cu, w, bits, group_size));
    ++changed;
  }
  // LSTM/GRU: their constant weight lists become lists of dequantized weights (biases stay).
  for (torch::jit::Node* n : rnns) {
    auto list = torch::jit::toIValue(n->input(2));
    if (!list || !list->isTensorList()) continue;
    torch::jit::WithInsertPoint guard(n);
    std::vector<torch::jit::Value*> items;
    for (const at::Tensor& t : list->toTensorVector()) {
      items.push_back(t.is_floating_point() && t.dim() == 2 ? dequantized(*g, *cu, t, bits, group_size)
                                                            : g->insertConstant(t));
      if (t.dim() == 2) ++changed;
    }
    torch::jit::Node* construct = g->insertNode(g->createList(c10::TensorType::get(), items));
    n->replaceInput(2, construct->output());
  }
  TORCH_CHECK(changed > 0, "the model has no Linear, Conv, Embedding, LSTM or GRU weight to quantize");
  torch::jit::EliminateDeadCode(g);
  out.reset(m);
  TS_API_END
}

}  // namespace torchslim
