// Graph helpers every technique uses: loading with clear errors, type names, inlined copies of
// forward, walking nodes (into sub-blocks), and the bytes a module holds.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <torch/csrc/jit/api/module.h>
#include <torch/csrc/jit/ir/ir.h>

namespace torchslim::graph {

/// torch::jit::load with an error that names the file and says what it is not.
torch::jit::Module load_module(const std::string& path);

/// The module's class name without TorchScript's ___torch_mangle_N parts.
std::string type_name(const torch::jit::Module& module);

/// A copy of the forward graph with every method call inlined (the module is not changed).
std::shared_ptr<torch::jit::Graph> inlined_forward(const torch::jit::Module& module);

/// Calls fn on every node of block and of its nested blocks, in order.
void for_each_node(torch::jit::Block& block, const std::function<void(torch::jit::Node*)>& fn);

/// Bytes of every tensor the module holds (parameters, buffers, tensor attributes, and the
/// tensors in the state of packed weights), recursively.
int64_t state_bytes(const torch::jit::Module& module);

/// Every method graph of the module and of its submodules (for in-place rewrites).
std::vector<std::shared_ptr<torch::jit::Graph>> all_graphs(const torch::jit::Module& module);

/// Replaces every read of a module's `training` flag in every method by the constant `training`
/// and removes the branches that became dead (StochasticDepth's `if not self.training`, dropout
/// switches). For models that will only run in that mode; the module's types must be its own
/// (Module::clone()).
void fold_training_flag(const torch::jit::Module& module, bool training);

/// The run-time values of some top-level values of g (graph inputs or node outputs of module's
/// forward graph g) on inputs: a copy of g that returns them as a tuple, run once without gradients.
std::vector<c10::IValue> run_returning(const torch::jit::Module& module, torch::jit::Graph& g,
                                       const std::vector<at::Tensor>& inputs,
                                       const std::vector<const torch::jit::Value*>& wanted);

/// module.clone() (new types, so a rewrite leaves the source's code alone) whose parameters take
/// gradients as the source's do: a clone made under NoGradGuard would otherwise drop the flag.
torch::jit::Module clone_keeping_grad(const torch::jit::Module& module);

}  // namespace torchslim::graph
