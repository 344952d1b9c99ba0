// The model as a graph: any TorchScript module (scripted or traced, any nesting, custom classes),
// or a Java/C++ nn::Module traced into one. Every technique that changes structure works on a
// ScriptModel. Every function translates LibTorch errors to torchslim::Error.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>
#include <torch/csrc/jit/api/module.h>
#include <torch/nn/module.h>

namespace torchslim {

class ScriptModel {
 public:
  ScriptModel();

  /// Replaces this model by the TorchScript file at path (torch.jit.save / torch.jit.script(m).save).
  void load(const std::string& path);
  /// Replaces this model by a trace of module's forward on example (Sequential or any module
  /// whose forward is C++); parameters and buffers become attributes under their own names.
  void trace_sequential(torch::nn::Module& module, const at::Tensor& example);
  /// Replaces this model by a deep copy of other (parameters copied, not shared).
  void copy_from(const ScriptModel& other);
  /// Writes the model through a temporary file and a rename; Python's torch.jit.load reads it.
  void save(const std::string& path) const;
  bool empty() const;

  /// forward(input); the first tensor of the output (tuples, lists and dicts are searched in order).
  at::Tensor forward(const at::Tensor& input);
  /// forward(inputs...); every tensor of the output, flattened in order.
  std::vector<at::Tensor> forward_all(const std::vector<at::Tensor>& inputs);

  /// One "name<TAB>type" line per module, the root first (name "").
  std::string modules() const;
  /// One "name<TAB>shape<TAB>dtype<TAB>requires_grad" line per parameter.
  std::string parameter_table() const;
  /// One "name<TAB>shape<TAB>dtype" line per buffer.
  std::string buffer_table() const;
  /// The parameters, in parameter_table's order (the same tensors: optimizers train the model).
  std::vector<at::Tensor> parameters();
  /// One "kind<TAB>count" line per op kind of the inlined forward graph.
  std::string ops() const;
  /// The inlined forward graph as text.
  std::string graph_text() const;
  /// The forward method's schema, e.g. "forward(__torch__.M self, Tensor x) -> Tensor".
  std::string schema() const;

  void train(bool on);
  bool is_training() const;
  int64_t parameter_count() const;
  int64_t nonzero_parameter_count() const;
  /// Bytes of parameters and buffers (recursively) at their dtypes, packed weights included.
  int64_t state_bytes() const;

  /// The TorchScript module itself (for techniques).
  torch::jit::Module& module();
  const torch::jit::Module& module() const;
  void reset(torch::jit::Module module);

 private:
  std::shared_ptr<torch::jit::Module> module_;
};

}  // namespace torchslim
