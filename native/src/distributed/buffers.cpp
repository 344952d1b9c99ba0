// Buffers of a ScriptModel for the data-parallel loop.
#include "core/error.h"
#include "torchslim/distributed.h"

namespace torchslim {

std::vector<at::Tensor> model_buffers(ScriptModel& model) {
  TS_API_BEGIN
  std::vector<at::Tensor> out;
  for (const auto& b : model.module().buffers(/*recurse=*/true)) out.push_back(b);
  return out;
  TS_API_END
}

}  // namespace torchslim
