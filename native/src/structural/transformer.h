// torch.nn transformer encoders (scripted, or traced into the fused fast-path op) rewritten in
// plain ops whose attention heads the channel dependency graph can follow.
#pragma once

#include <torch/csrc/jit/api/module.h>
#include <torch/csrc/jit/ir/ir.h>

namespace torchslim::structural {

/// Inlines every call of g (module's forward graph) as torch::jit::Inline does, except that each
/// call of a plain nn.TransformerEncoder / nn.TransformerEncoderLayer without masks, and each
/// aten::_transformer_encoder_layer_fwd without a mask, becomes the same eval-mode math in linear,
/// split_with_sizes, reshape, scaled_dot_product_attention, layer_norm and add, with num_heads,
/// head_dim and the attention width as constants. Other calls are inlined unchanged.
void inline_with_plain_transformers(const torch::jit::Module& module, torch::jit::Graph& g);

/// Whether module (or a submodule) is an nn.TransformerEncoder or nn.TransformerEncoderLayer,
/// scripted or traced.
bool has_transformer(const torch::jit::Module& module);

}  // namespace torchslim::structural
