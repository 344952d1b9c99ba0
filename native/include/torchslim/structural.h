// Structural (channel) pruning of any TorchScript model, DepGraph style: a dependency graph of
// coupled channels built from the inlined forward graph (one handler per op in one registry),
// groups of channels that must leave together, group importance, and physical removal that
// rewrites parameters, buffers and the shape constants of the graph. Every function translates
// LibTorch errors to torchslim::Error.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

namespace torchslim {

class ScriptModel;

/// The channel groups of model for inputs: one line per prunable group
/// "id<TAB>channels<TAB>unit<TAB>layers" (unit = channels per removable unit: 1, or a head's width),
/// then one "fixed<TAB>count<TAB>reason" line per reason channels cannot be removed (the model's
/// inputs and outputs, ops without a handler, named with the op and the layer).
std::string channel_groups(const ScriptModel& model, const std::vector<at::Tensor>& inputs);

/// Group importance: one line per group "id<TAB>i0,i1,..." (importance of each removable unit,
/// in unit order). importance: l1 | l2 | bn (norm scales; l2 where a group has none) | random
/// (seeded) | taylor (|w * dL/dw| summed over the group's parameters, L the cross entropy of the
/// model's output on inputs against targets, which taylor needs).
std::string channel_importance(const ScriptModel& model, const std::vector<at::Tensor>& inputs,
                               const at::Tensor& targets, const std::string& importance, int64_t seed);

/// out = model with channels removed. ratios: "id=ratio" items joined by ';' (groups not named use
/// amount); a group prunes round(ratio * units) of its units of least importance, keeping >= 1.
/// ignore: comma-separated module names (a group that touches one of them, or a module under it,
/// keeps all its channels). zero_only: instead of removing, zero the producing parameters of the
/// chosen channels (weights, biases, norm scales and shifts) and keep every shape (for the
/// invariant: a model whose removed channels are zero gives the same outputs after removal).
/// The output is in eval form (the training flag folded to false) with its forward inlined.
/// Returns one line per changed parameter "name<TAB>shape_before<TAB>shape_after", then one line
/// per group "group<TAB>id<TAB>units_before<TAB>units_after".
std::string prune_channels(ScriptModel& out, const ScriptModel& model, const std::vector<at::Tensor>& inputs,
                           const at::Tensor& targets, const std::string& importance, double amount, const std::string& ratios,
                           const std::string& ignore, int64_t seed, bool zero_only);

}  // namespace torchslim
