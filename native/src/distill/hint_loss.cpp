// Feature distillation losses between a student's and a teacher's intermediate outputs:
// FitNets hints (MSE after a learned adapter) and attention transfer (Zagoruyko & Komodakis).
#include <ATen/ops/adaptive_avg_pool2d.h>
#include <ATen/ops/conv2d.h>
#include <ATen/ops/linear.h>
#include <ATen/ops/mse_loss.h>
#include <c10/util/Exception.h>

#include "core/error.h"
#include "torchslim/distill.h"

namespace torchslim {
namespace {

// A[b, c, h, w] -> the per-sample spatial map sum_c A^2, flattened and L2-normalised (eps 1e-12
// as F.normalize).
at::Tensor attention_map(const at::Tensor& a) {
  at::Tensor map = a.pow(2).sum(1).flatten(1);
  return map / map.norm(2, {1}, /*keepdim=*/true).clamp_min(1e-12);
}

}  // namespace

at::Tensor hint_loss(const at::Tensor& student, const at::Tensor& teacher, const at::Tensor& adapter_weight,
                     const at::Tensor& adapter_bias, const std::string& kind) {
  TS_API_BEGIN
  TORCH_CHECK(student.defined() && teacher.defined(), "a hint needs the student's and the teacher's features");
  TORCH_CHECK(kind == "mse" || kind == "at", "unknown hint loss '", kind, "': expected mse or at");
  TORCH_CHECK(student.dim() >= 2 && student.dim() == teacher.dim() && student.size(0) == teacher.size(0),
              "hint features must have the same rank and batch, got student ", student.sizes(), " and teacher ",
              teacher.sizes());
  at::Tensor t = teacher.detach().to(student.scalar_type());
  if (student.dim() == 4 && t.sizes().slice(2) != student.sizes().slice(2))
    t = at::adaptive_avg_pool2d(t, student.sizes().slice(2));
  if (kind == "at") {
    TORCH_CHECK(student.dim() == 4, "attention transfer needs [batch, channels, height, width] features, got ",
                student.sizes());
    return (attention_map(student) - attention_map(t)).pow(2).mean();
  }
  at::Tensor s = student;
  if (adapter_weight.defined()) {
    s = student.dim() == 4 ? at::conv2d(student, adapter_weight, adapter_bias) : at::linear(student, adapter_weight, adapter_bias);
  }
  TORCH_CHECK(s.sizes() == t.sizes(), "hint features differ in shape: student ", s.sizes(),
              adapter_weight.defined() ? " (after the adapter)" : "", ", teacher ", t.sizes(),
              adapter_weight.defined() ? "" : " (channel counts differ: an adapter is needed)");
  return at::mse_loss(s, t);
  TS_API_END
}

}  // namespace torchslim
