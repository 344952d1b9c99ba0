// Frozen, inference-optimized copies (torch.jit.optimize_for_inference in C++).
#include <torch/csrc/autograd/grad_mode.h>
#include <torch/csrc/jit/api/module.h>

#include "core/error.h"
#include "torchslim/graph.h"

namespace torchslim {

void optimize_for_inference(ScriptModel& out, const ScriptModel& model) {
  TS_API_BEGIN
  at::NoGradGuard no_grad;
  torch::jit::Module m = model.module().clone();
  m.eval();
  m = torch::jit::optimize_for_inference(m);
  out.reset(m);
  TS_API_END
}

}  // namespace torchslim
