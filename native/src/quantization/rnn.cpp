#include "quantization/rnn.h"

#include <limits>

#include <ATen/ATen.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <c10/util/Exception.h>
#include <torch/csrc/jit/ir/constants.h>

#include "graph/walk.h"

namespace torchslim::quantization {
namespace {

c10::IValue call_op(const char* name, const char* overload, std::vector<c10::IValue> args) {
  auto op = c10::Dispatcher::singleton().findSchemaOrThrow(name, overload);
  torch::jit::Stack stack(std::move(args));
  op.callBoxed(&stack);
  return stack.at(0);
}

// MinMaxObserver(qint8, per_tensor_symmetric) then quantize_per_tensor, as _quantize_weight does.
at::Tensor quantize_weight(const at::Tensor& w) {
  at::Tensor x = w.detach().to(at::kFloat);
  auto [mn, mx] = at::aminmax(x);
  at::Tensor min_neg = at::minimum(mn, at::zeros_like(mn));
  at::Tensor max_pos = at::maximum(mx, at::zeros_like(mx));
  max_pos = at::maximum(-min_neg, max_pos);
  at::Tensor scale = max_pos / (static_cast<double>(127 - (-128)) / 2);
  scale = at::maximum(scale, at::full({}, std::numeric_limits<float>::epsilon()));
  return at::quantize_per_tensor(x, scale.item<double>(), 0, at::kQInt8);
}

c10::IValue cell_params(const at::Tensor& w_ih, const at::Tensor& w_hh, const at::Tensor& b_ih,
                        const at::Tensor& b_hh, bool reduce_range) {
  c10::IValue p_ih = call_op("quantized::linear_prepack", "", {quantize_weight(w_ih), c10::optional<at::Tensor>(b_ih)});
  c10::IValue p_hh = call_op("quantized::linear_prepack", "", {quantize_weight(w_hh), c10::optional<at::Tensor>(b_hh)});
  return call_op("quantized::make_quantized_cell_params_dynamic", "", {p_ih, p_hh, b_ih, b_hh, reduce_range});
}

}  // namespace

int quantize_rnn_dynamic(torch::jit::Module& frozen, bool reduce_range) {
  auto graph = frozen.get_method("forward").graph();
  std::vector<torch::jit::Node*> rnns;
  graph::for_each_node(*graph->block(), [&](torch::jit::Node* n) {
    if (n->kind() == c10::aten::lstm || n->kind() == c10::aten::gru) rnns.push_back(n);
  });
  int rewritten = 0;
  for (torch::jit::Node* n : rnns) {
    const bool lstm = n->kind() == c10::aten::lstm;
    // input overload: (input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first)
    // (the packed-sequence overloads take (data, batch_sizes, hx, ...): left in float)
    if (n->inputs().size() != 9 || !n->input(2)->type()->cast<c10::ListType>()) continue;
    if ((n->input(1)->type()->cast<c10::ListType>() != nullptr) != lstm) continue;
    auto params = torch::jit::toIValue(n->input(2));
    auto has_biases = torch::jit::toIValue(n->input(3));
    if (!params || !has_biases || !has_biases->toBool()) continue;  // weights not constant, or no biases
    std::vector<at::Tensor> w = params->toTensorVector();
    if (w.size() % 4 != 0) continue;  // projections (proj_size) have 5 tensors per direction
    c10::List<c10::IValue> cells(c10::AnyType::get());
    c10::TypePtr cell_type;
    for (size_t i = 0; i < w.size(); i += 4) {
      c10::IValue cell = cell_params(w[i], w[i + 1], w[i + 2], w[i + 3], reduce_range);
      cell_type = cell.type();
      cells.push_back(cell);
    }
    c10::List<c10::IValue> typed(cell_type);
    for (const auto& c : cells) typed.push_back(c);
    const std::string attr = std::string("_quantized_") + (lstm ? "lstm_" : "gru_") + std::to_string(rewritten);
    frozen.register_attribute(attr, c10::ListType::create(cell_type), typed);
    torch::jit::WithInsertPoint guard(n);
    torch::jit::Value* self = graph->inputs().at(0);
    torch::jit::Value* packed = graph->insertGetAttr(self, attr);
    std::vector<torch::jit::Value*> inputs = {n->input(0), n->input(1), packed};
    for (size_t i = 3; i < 9; ++i) inputs.push_back(n->input(i));
    if (lstm) {
      inputs.push_back(graph->insertConstant(c10::IValue()));  // dtype: None
      inputs.push_back(graph->insertConstant(true));           // use_dynamic
    }
    torch::jit::Node* q = graph->insertNode(
        graph->create(lstm ? c10::Symbol::aten("quantized_lstm") : c10::Symbol::aten("quantized_gru"), inputs,
                      n->outputs().size()));
    for (size_t i = 0; i < n->outputs().size(); ++i) {
      q->output(i)->setType(n->output(i)->type());
      n->output(i)->replaceAllUsesWith(q->output(i));
    }
    TORCH_CHECK(q->maybeSchema() != nullptr, "no quantized RNN operator matches ", *n);
    n->destroy();
    ++rewritten;
  }
  return rewritten;
}

}  // namespace torchslim::quantization
