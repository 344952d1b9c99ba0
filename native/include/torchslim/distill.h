// Knowledge distillation: the logit KD loss (Hinton et al.) and a frozen teacher's logits.
// Every function translates LibTorch errors to torchslim::Error.
#pragma once

#include <cstdint>

#include <ATen/core/Tensor.h>

#include "torchslim/graph.h"

namespace torchslim {

/// alpha * KL(softmax(teacher / T) || softmax(student / T)) * T^2 + (1 - alpha) * CE(student, target),
/// KL averaged over the batch (PyTorch's reduction='batchmean'), CE over the batch. student and
/// teacher are [batch, classes] logits (log-probabilities work too: softmax ignores the shift);
/// target holds class indices. Differentiable in student only (the teacher is detached).
at::Tensor kd_loss(const at::Tensor& student, const at::Tensor& teacher, const at::Tensor& target,
                   double temperature, double alpha);

/// The teacher's first output on every row of x, in batches, in eval mode without autograd
/// (the teacher's training flag is restored): the cacheable soft targets of a fixed data set.
at::Tensor teacher_logits(ScriptModel& teacher, const at::Tensor& x, int64_t batch_size);

}  // namespace torchslim
