// The logit distillation loss, written with the ATen ops Python's F.kl_div and F.cross_entropy
// call, so it equals kl_div(log_softmax(s/T), softmax(t/T), 'batchmean')*T*T*alpha + (1-alpha)*CE.
#include <ATen/core/Reduction.h>
#include <ATen/ops/cross_entropy_loss.h>
#include <ATen/ops/kl_div.h>
#include <ATen/ops/log_softmax.h>
#include <ATen/ops/softmax.h>
#include <c10/util/Exception.h>

#include "core/error.h"
#include "torchslim/distill.h"

namespace torchslim {

at::Tensor kd_loss(const at::Tensor& student, const at::Tensor& teacher, const at::Tensor& target,
                   double temperature, double alpha) {
  TS_API_BEGIN
  TORCH_CHECK(temperature > 0, "the distillation temperature must be > 0, got ", temperature);
  TORCH_CHECK(alpha >= 0 && alpha <= 1, "the distillation alpha must be in [0, 1], got ", alpha);
  TORCH_CHECK(student.defined() && teacher.defined() && student.dim() == 2,
              "distillation needs [batch, classes] student logits, got ", student.defined() ? student.dim() : 0,
              " dimensions");
  TORCH_CHECK(student.sizes() == teacher.sizes(), "student logits ", student.sizes(), " and teacher logits ",
              teacher.sizes(), " differ in shape (the two models must predict the same classes)");
  at::Tensor soft_teacher = at::softmax(teacher.detach().to(student.scalar_type()) / temperature, 1);
  at::Tensor soft = at::kl_div(at::log_softmax(student / temperature, 1), soft_teacher, at::Reduction::Sum) /
                    static_cast<double>(student.size(0));
  at::Tensor loss = soft * (alpha * temperature * temperature);
  if (alpha < 1) {
    TORCH_CHECK(target.defined() && target.dim() == 1 && target.size(0) == student.size(0),
                "distillation with alpha < 1 needs one class index per row, got targets of shape ",
                target.defined() ? target.sizes() : at::IntArrayRef{});
    loss = loss + at::cross_entropy_loss(student, target) * (1 - alpha);
  }
  return loss;
  TS_API_END
}

}  // namespace torchslim
