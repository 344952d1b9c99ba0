// Mask makers of every strategy, in-place global pruning and mask-holding gradient hooks.
#include <cmath>
#include <limits>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>

#include "core/error.h"
#include "pruning/select.h"
#include "torchslim/prune.h"

namespace torchslim {
namespace {

void check_amount(double amount) {
  TORCH_CHECK(std::isfinite(amount) && amount >= 0.0 && amount <= 1.0,
              "amount must be a fraction in [0, 1], got ", amount);
}

int64_t total_numel(const std::vector<at::Tensor>& ts) {
  int64_t n = 0;
  for (const auto& t : ts) n += t.numel();
  return n;
}

}  // namespace

int64_t prune_count(int64_t n, double amount) {
  TS_API_BEGIN
  check_amount(amount);
  TORCH_CHECK(n >= 0, "element count must be >= 0, got ", n);
  // Python's round(): half to even, which nearbyint does in the default rounding mode.
  return static_cast<int64_t>(std::nearbyint(amount * static_cast<double>(n)));
  TS_API_END
}

at::Tensor importance_mask(const at::Tensor& importance, double amount) {
  TS_API_BEGIN
  return pruning::smallest_masks({importance}, prune_count(importance.numel(), amount))[0];
  TS_API_END
}

std::vector<at::Tensor> global_importance_masks(const std::vector<at::Tensor>& importances,
                                                double amount) {
  TS_API_BEGIN
  TORCH_CHECK(!importances.empty(), "global pruning needs at least one tensor");
  return pruning::smallest_masks(importances, prune_count(total_numel(importances), amount));
  TS_API_END
}

at::Tensor l1_unstructured_mask(const at::Tensor& weight, double amount) {
  TS_API_BEGIN
  // The selection works on |x| itself: the weight is its own L1 importance, no abs() copy.
  return importance_mask(weight, amount);
  TS_API_END
}

std::vector<at::Tensor> global_l1_unstructured_masks(const std::vector<at::Tensor>& weights,
                                                     double amount) {
  TS_API_BEGIN
  return global_importance_masks(weights, amount);
  TS_API_END
}

int64_t global_l1_prune_(std::vector<at::Tensor>& weights, double amount) {
  TS_API_BEGIN
  TORCH_CHECK(!weights.empty(), "global pruning needs at least one tensor");
  int64_t k = prune_count(total_numel(weights), amount);
  bool direct = true;
  for (const auto& w : weights)
    direct = direct && w.scalar_type() == at::kFloat && w.is_contiguous() && w.device().is_cpu();
  at::NoGradGuard no_grad;
  if (!direct) {
    auto masks = pruning::smallest_masks(weights, k);
    for (size_t i = 0; i < weights.size(); ++i) weights[i].mul_(masks[i]);
    return k;
  }
  pruning::FlatView view = pruning::make_view(weights);
  pruning::InPlaceWriter writer;
  for (auto& w : weights) writer.data.push_back(w.data_ptr<float>());
  pruning::select_and_write(view, k, writer);
  return k;
  TS_API_END
}

at::Tensor random_unstructured_mask(const at::Tensor& weight, double amount, int64_t seed) {
  TS_API_BEGIN
  auto gen = at::make_generator<at::CPUGeneratorImpl>(static_cast<uint64_t>(seed));
  at::Tensor scores = at::rand(weight.sizes(), gen, at::TensorOptions().dtype(at::kFloat));
  at::Tensor mask = pruning::smallest_masks({scores}, prune_count(weight.numel(), amount))[0];
  return mask.to(weight.device(), weight.scalar_type());
  TS_API_END
}

at::Tensor ln_structured_mask(const at::Tensor& weight, double amount, double n, int64_t dim) {
  TS_API_BEGIN
  TORCH_CHECK(weight.dim() >= 1, "ln_structured needs a tensor with dimensions");
  TORCH_CHECK(n > 0, "norm order n must be > 0 (1, 2 or infinity), got ", n);
  TORCH_CHECK(dim >= -weight.dim() && dim < weight.dim(), "dim ", dim, " out of range for a ",
              weight.dim(), "-d tensor");
  if (dim < 0) dim += weight.dim();
  std::vector<int64_t> others;
  for (int64_t d = 0; d < weight.dim(); ++d)
    if (d != dim) others.push_back(d);
  at::Tensor w = weight.detach();
  at::Tensor norms = others.empty() ? w.abs() : at::linalg_vector_norm(w, n, others, false);
  at::Tensor slice_mask =
      pruning::smallest_masks({norms}, prune_count(weight.size(dim), amount))[0].to(weight.device(), weight.scalar_type());
  std::vector<int64_t> shape(weight.dim(), 1);
  shape[dim] = weight.size(dim);
  return slice_mask.view(shape).expand(weight.sizes()).contiguous();
  TS_API_END
}

at::Tensor nm_mask(const at::Tensor& weight, int64_t n, int64_t m) {
  TS_API_BEGIN
  TORCH_CHECK(m >= 1 && n >= 0 && n <= m, "N:M needs 0 <= N <= M and M >= 1, got ", n, ":", m);
  TORCH_CHECK(weight.dim() >= 2, "N:M sparsity needs a weight with an input dimension (dim 1), got ",
              weight.dim(), "-d");
  TORCH_CHECK(weight.size(1) % m == 0, "N:M sparsity: input dimension ", weight.size(1),
              " is not a multiple of M=", m);
  // Put the input dimension last so each group of m is contiguous.
  std::vector<int64_t> perm{0};
  for (int64_t d = 2; d < weight.dim(); ++d) perm.push_back(d);
  perm.push_back(1);
  std::vector<int64_t> inverse(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) inverse[perm[i]] = static_cast<int64_t>(i);
  at::Tensor a = weight.detach().to(at::kCPU, at::kFloat).permute(perm).contiguous();
  at::Tensor mask = at::empty_like(a);
  const float* src = a.data_ptr<float>();
  float* dst = mask.data_ptr<float>();
  int64_t groups = a.numel() / m, drop = m - n;
  at::parallel_for(0, groups, 1024, [&](int64_t b, int64_t e) {
    for (int64_t g = b; g < e; ++g) {
      const float* x = src + g * m;
      for (int64_t j = 0; j < m; ++j) {
        // Rank of j among the group: smaller |x|, or equal with a lower index.
        uint32_t kj = pruning::magnitude_key(x[j]);
        int64_t rank = 0;
        for (int64_t i = 0; i < m; ++i) {
          uint32_t ki = pruning::magnitude_key(x[i]);
          rank += ki < kj || (ki == kj && i < j);
        }
        dst[g * m + j] = rank < drop ? 0.f : 1.f;
      }
    }
  });
  return mask.permute(inverse).contiguous().to(weight.device(), weight.scalar_type());
  TS_API_END
}

void accumulate_taylor_(at::Tensor& score, const at::Tensor& weight) {
  TS_API_BEGIN
  const at::Tensor& grad = weight.grad();
  if (!grad.defined()) return;
  TORCH_CHECK(score.sizes() == weight.sizes(), "Taylor score shape ", score.sizes(),
              " differs from weight ", weight.sizes());
  at::NoGradGuard no_grad;
  score.add_((weight.detach() * grad).abs());
  TS_API_END
}

void apply_mask_(at::Tensor& weight, const at::Tensor& mask) {
  TS_API_BEGIN
  TORCH_CHECK(weight.sizes() == mask.sizes(), "mask shape ", mask.sizes(), " differs from weight ",
              weight.sizes());
  at::NoGradGuard no_grad;
  weight.mul_(mask.to(weight.device(), weight.scalar_type()));
  TS_API_END
}

int64_t register_mask_hook(at::Tensor& weight, const at::Tensor& mask) {
  TS_API_BEGIN
  TORCH_CHECK(weight.requires_grad(), "a mask hook needs a weight that requires grad");
  TORCH_CHECK(weight.sizes() == mask.sizes(), "mask shape ", mask.sizes(), " differs from weight ",
              weight.sizes());
  at::Tensor m = mask.detach().to(weight.device(), weight.scalar_type());
  return static_cast<int64_t>(weight.register_hook([m](const at::Tensor& grad) { return grad * m; }));
  TS_API_END
}

void remove_mask_hook(at::Tensor& weight, int64_t handle) {
  TS_API_BEGIN
  TORCH_CHECK(handle >= 0, "bad hook handle ", handle);
  weight.remove_hook(static_cast<unsigned>(handle));
  TS_API_END
}

}  // namespace torchslim
