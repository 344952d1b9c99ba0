// Soft targets of a frozen teacher, computed once per data set.
#include <ATen/ops/cat.h>
#include <c10/util/Exception.h>
#include <torch/csrc/autograd/grad_mode.h>

#include "core/error.h"
#include "torchslim/distill.h"

namespace torchslim {

at::Tensor teacher_logits(ScriptModel& teacher, const at::Tensor& x, int64_t batch_size) {
  TS_API_BEGIN
  TORCH_CHECK(batch_size >= 1, "batch size must be >= 1, got ", batch_size);
  TORCH_CHECK(x.defined() && x.dim() >= 1 && x.size(0) >= 1, "the teacher needs at least one input row");
  const bool was_training = teacher.is_training();
  teacher.train(false);
  try {
    at::NoGradGuard no_grad;
    std::vector<at::Tensor> parts;
    for (int64_t from = 0; from < x.size(0); from += batch_size)
      parts.push_back(teacher.forward(x.narrow(0, from, std::min(batch_size, x.size(0) - from))).detach());
    teacher.train(was_training);
    return at::cat(parts, 0);
  } catch (...) {
    teacher.train(was_training);
    throw;
  }
  TS_API_END
}

}  // namespace torchslim
