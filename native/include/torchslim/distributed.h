// Data-parallel training: what the Java loop over c10d (dev.torchslim.distributed) needs from a
// model beyond its parameters. The collectives themselves are bytedeco's c10d bindings.
#pragma once

#include <vector>

#include <ATen/core/Tensor.h>

#include "torchslim/graph.h"

namespace torchslim {

/// The model's buffers (recursively), in the order of ScriptModel::buffer_table: the tensors
/// themselves, so a collective that writes them changes the model (observer min/max, BatchNorm).
std::vector<at::Tensor> model_buffers(ScriptModel& model);

}  // namespace torchslim
