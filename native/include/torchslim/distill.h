// Knowledge distillation: the logit KD loss (Hinton et al.) and a frozen teacher's logits.
// Every function translates LibTorch errors to torchslim::Error.
#pragma once

#include <cstdint>
#include <string>

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

/// out = a model whose forward(x) returns the tuple (model's output, the output of each layer named
/// in `layers` (comma-separated module paths, e.g. "layer3,layer2.1.conv1"), in that order). It
/// holds model as a submodule (the same parameters; model's type and saved file are unchanged).
/// Each named module must run exactly once, outside loops and branches, and return a tensor.
void tap_features(ScriptModel& out, ScriptModel& model, const std::string& layers);

/// A feature-distillation loss between student features and (detached) teacher features of the
/// same rank and batch; 4-D teacher features are average-pooled to the student's spatial size first.
/// kind "mse" (FitNets): mse_loss(adapter(student), teacher), where adapter is a 1x1 convolution
/// (4-D, weight [Ct, Cs, 1, 1]) or a linear map over the last dimension (weight [Ct, Cs]) when
/// adapter_weight is defined (bias optional), the identity otherwise.
/// kind "at" (attention transfer): mean((q(s) - q(t))^2), q(A) = normalize(sum_c A^2 flattened per
/// sample); 4-D features only, no adapter.
at::Tensor hint_loss(const at::Tensor& student, const at::Tensor& teacher, const at::Tensor& adapter_weight,
                     const at::Tensor& adapter_bias, const std::string& kind);

}  // namespace torchslim
