// torch.nn transformer encoders (scripted, or traced into the fused fast-path op) rewritten in
// plain ops whose attention heads the channel dependency graph can follow.
#pragma once

#include <torch/csrc/jit/api/module.h>
#include <torch/csrc/jit/ir/ir.h>

#include <cstdint>
#include <vector>

namespace torchslim::structural {

/// Inlines every call of g (module's forward graph) as torch::jit::Inline does, except that each
/// call of a plain nn.TransformerEncoder / nn.TransformerEncoderLayer without masks, and each
/// aten::_transformer_encoder_layer_fwd without a mask, becomes the same eval-mode math in linear,
/// split_with_sizes, reshape, scaled_dot_product_attention, layer_norm and add, with num_heads,
/// head_dim and the attention width as constants. Other calls are inlined unchanged.
void inline_with_plain_transformers(const torch::jit::Module& module, torch::jit::Graph& g);

/// Replaces each self-attention of an nn.MultiheadAttention that g (module's inlined forward, a
/// trace made with gradients on: F.multi_head_attention_forward's general path, heads folded into
/// the batch dim by view(L, N*H, hd) and bmm/softmax or scaled_dot_product_attention) computes by
/// the plain attention of inline_with_plain_transformers, with num_heads, head_dim and the q/k/v
/// width as constants. Only the packed form (one in_proj linear on the query, no mask, the
/// attention weights unused) is replaced, and only where the rewrite gives the trace's out_proj
/// output on inputs (one run); num_heads is read from the shapes of that run. Returns the count.
int64_t plain_traced_attention(const torch::jit::Module& module, torch::jit::Graph& g,
                               const std::vector<at::Tensor>& inputs);

/// Whether module (or a submodule) is an nn.TransformerEncoder or nn.TransformerEncoderLayer,
/// scripted or traced.
bool has_transformer(const torch::jit::Module& module);

}  // namespace torchslim::structural
