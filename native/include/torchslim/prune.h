// Pruning: masks (1 keep, 0 prune; the weight's dtype and shape, as torch.nn.utils.prune makes
// them), in-place global magnitude pruning, mask-holding gradient hooks, physical channel removal
// and TorchScript files. Every function translates LibTorch errors to torchslim::Error.
//
// Counts follow torch.nn.utils.prune: a fraction `amount` of n elements prunes round(amount * n)
// elements, rounding half to even like Python's round().
// Tie rule (documented, deterministic): the k elements with the smallest importance are pruned;
// among equal importances the lower (flat, or concatenated for global) index is pruned first.
// torch.topk leaves this order implementation-defined, so parity holds for tie-free importances.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>

namespace torchslim {

/// round(amount * n), half to even; amount must be in [0, 1].
int64_t prune_count(int64_t n, double amount);

/// Mask pruning the round(amount * numel) entries of smallest |weight| (l1_unstructured).
at::Tensor l1_unstructured_mask(const at::Tensor& weight, double amount);

/// Masks pruning round(amount * total) entries of smallest |w| across all weights together
/// (global_unstructured with L1Unstructured): one threshold, found by radix select, no sort.
std::vector<at::Tensor> global_l1_unstructured_masks(const std::vector<at::Tensor>& weights,
                                                     double amount);

/// Zeroes in place the round(amount * total) entries of smallest |w| across all weights
/// (global L1 then remove). Returns the number of entries pruned.
int64_t global_l1_prune_(std::vector<at::Tensor>& weights, double amount);

/// Mask pruning round(amount * numel) entries chosen uniformly at random from a seeded generator.
at::Tensor random_unstructured_mask(const at::Tensor& weight, double amount, int64_t seed);

/// Mask pruning round(amount * size(dim)) whole slices along dim with the smallest Ln norm
/// (ln_structured). n is 1, 2 or infinity (any n > 0 works).
at::Tensor ln_structured_mask(const at::Tensor& weight, double amount, double n, int64_t dim);

/// N:M semi-structured mask: in every group of m consecutive entries along the input dimension
/// (dim 1), the n of largest |w| are kept. size(1) must be a multiple of m.
at::Tensor nm_mask(const at::Tensor& weight, int64_t n, int64_t m);

/// Mask pruning the round(amount * numel) entries of smallest importance (importance >= 0).
at::Tensor importance_mask(const at::Tensor& importance, double amount);

/// One threshold across all importances (global); the masks come back in the same order.
std::vector<at::Tensor> global_importance_masks(const std::vector<at::Tensor>& importances,
                                                double amount);

/// score += |weight * weight.grad| (first-order Taylor importance); no-op without a gradient.
void accumulate_taylor_(at::Tensor& score, const at::Tensor& weight);

/// weight *= mask, in place, without autograd.
void apply_mask_(at::Tensor& weight, const at::Tensor& mask);

/// Registers a gradient hook grad -> grad * mask on weight; returns its handle for removal.
int64_t register_mask_hook(at::Tensor& weight, const at::Tensor& mask);

/// Removes a hook registered by register_mask_hook.
void remove_mask_hook(at::Tensor& weight, int64_t handle);

/// Removes, in place, the output channels of Conv2d and Linear layers whose weight slice is all
/// zero, and the matching input channels of the next Conv2d/Linear (through BatchNorm2d,
/// activations, pooling, dropout and flatten). The model must be a Sequential (nested allowed)
/// of those layers; a removed channel's constant output (its bias through BN and activations) is
/// folded into the consumer's bias, so outputs are unchanged in eval mode. The last layer keeps
/// its outputs. Throws, leaving the model unchanged, when it cannot analyse the model.
/// Returns one line per changed layer: "name out_before->out_after".
std::string remove_zero_channels(torch::nn::Module& model);

/// Prunes a TorchScript file saved by torch.jit.save and writes the result to out (temp file then
/// rename). method: l1 | l1-global | random | ln | nm. Covered weights: Conv1d/2d/3d,
/// ConvTranspose1d/2d/3d, Linear (and NonDynamicallyQuantizableLinear, Bilinear, scripted
/// subclasses), RNN/LSTM/GRU weight_ih/hh/hr, MultiheadAttention in/q/k/v_proj_weight, and
/// Embedding/EmbeddingBag when include_embedding. Nothing else changes. Returns a line
/// "time\tLOAD\tPRUNE\tSAVE\tREPORT\tFREE\t..." (ms) and one line per parameter: "pruned\tNAME\tSHAPE\tPARAMS\tNONZERO" or "left\tNAME\tSHAPE\tPARAMS\tREASON".
std::string prune_torchscript(const std::string& in, const std::string& out,
                              const std::string& method, double amount, double n, int64_t dim,
                              int64_t nm_n, int64_t nm_m, int64_t seed, bool include_embedding);

}  // namespace torchslim
