// Pruning of TorchScript files saved by Python: only the weights of Conv*/Linear submodules change.
#include <iomanip>
#include <regex>
#include <sstream>

#include <ATen/ATen.h>
#include <torch/csrc/jit/api/module.h>
#include <torch/csrc/jit/serialization/import.h>

#include "core/error.h"
#include "core/files.h"
#include "torchslim/prune.h"

namespace torchslim {
namespace {

// Python mangles the type names of scripted submodules ("...linear.___torch_mangle_3.Linear").
bool prunable_type(std::string qualified) {
  static const std::regex mangle("___torch_mangle_[0-9]+\\.");
  qualified = std::regex_replace(qualified, mangle, "");
  const std::string linear = "torch.nn.modules.linear.Linear";
  return qualified.find("torch.nn.modules.conv.Conv") != std::string::npos ||
         (qualified.size() >= linear.size() &&
          qualified.compare(qualified.size() - linear.size(), linear.size(), linear) == 0);
}

std::string shape_of(const at::Tensor& t) {
  std::ostringstream s;
  s << t.sizes();
  return s.str();
}

}  // namespace

std::string prune_torchscript(const std::string& in, const std::string& out,
                              const std::string& method, double amount, double n, int64_t dim,
                              int64_t nm_n, int64_t nm_m, int64_t seed) {
  TS_API_BEGIN
  TORCH_CHECK(method == "l1" || method == "l1-global" || method == "random" || method == "ln" ||
                  method == "nm",
              "unknown method '", method, "': expected l1, l1-global, random, ln or nm");
  torch::jit::Module module = torch::jit::load(in);
  std::vector<std::string> names;
  std::vector<at::Tensor> weights;
  for (const auto& item : module.named_modules()) {
    auto type = item.value.type()->name();
    if (!type || !prunable_type(type->qualifiedName()) || !item.value.hasattr("weight")) continue;
    auto attr = item.value.attr("weight");
    if (!attr.isTensor() || attr.toTensor().dim() < 2) continue;
    names.push_back(item.name.empty() ? "<root>" : item.name);
    weights.push_back(attr.toTensor());
  }
  TORCH_CHECK(!weights.empty(), in, " has no Conv or Linear submodules with weights to prune");
  std::vector<at::Tensor> masks(weights.size());
  std::vector<std::string> notes(weights.size());
  if (method == "l1-global") {
    masks = global_l1_unstructured_masks(weights, amount);
  } else {
    for (size_t i = 0; i < weights.size(); ++i) {
      if (method == "l1") masks[i] = l1_unstructured_mask(weights[i], amount);
      if (method == "random") masks[i] = random_unstructured_mask(weights[i], amount, seed + static_cast<int64_t>(i));
      if (method == "ln") masks[i] = ln_structured_mask(weights[i], amount, n, dim);
      if (method == "nm") {
        if (weights[i].size(1) % nm_m != 0) {
          notes[i] = "skipped: " + std::to_string(weights[i].size(1)) + " inputs, not a multiple of M=" +
                     std::to_string(nm_m);
          continue;
        }
        masks[i] = nm_mask(weights[i], nm_n, nm_m);
      }
    }
  }
  {
    at::NoGradGuard no_grad;
    for (size_t i = 0; i < weights.size(); ++i)
      if (masks[i].defined()) weights[i].mul_(masks[i]);
  }
  save_module_atomically(module, out);

  std::ostringstream table;
  table << std::left << std::setw(24) << "layer" << std::setw(20) << "shape" << std::right
        << std::setw(12) << "params" << std::setw(12) << "nonzero" << std::setw(10) << "sparsity"
        << "\n";
  int64_t total = 0, nonzero = 0;
  for (size_t i = 0; i < weights.size(); ++i) {
    int64_t numel = weights[i].numel(), nz = weights[i].count_nonzero().item<int64_t>();
    total += numel;
    nonzero += nz;
    table << std::left << std::setw(24) << names[i] << std::setw(20) << shape_of(weights[i])
          << std::right << std::setw(12) << numel << std::setw(12) << nz << std::setw(9)
          << std::fixed << std::setprecision(2) << 100.0 * (numel - nz) / std::max<int64_t>(numel, 1)
          << "%" << (notes[i].empty() ? "" : "  " + notes[i]) << "\n";
  }
  table << std::left << std::setw(44) << "total (pruned weights)" << std::right << std::setw(12) << total
        << std::setw(12) << nonzero << std::setw(9) << std::fixed << std::setprecision(2)
        << 100.0 * (total - nonzero) / std::max<int64_t>(total, 1) << "%\n";
  return table.str();
  TS_API_END
}

}  // namespace torchslim
