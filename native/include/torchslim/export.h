// What an exporter needs of a model: its forward as a frozen, inlined inference graph, evaluated
// on example inputs so that everything that does not depend on the input's data is a constant.
#pragma once

#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "torchslim/graph.h"

namespace torchslim {

/// Writes to path the description of model's forward that dev.torchslim.export reads: the model
/// frozen in eval mode (Conv+BN folded, dropout removed, calls inlined), run node by node on
/// examples; values that do not depend on the inputs' data (weights, shape arithmetic, masks) are
/// written as constants, the rest as nodes (kind, inputs, outputs, module path, source line) with
/// the dtype and shape they had. Packed int8 weights are written unpacked (int8 data, scales, zero
/// points, convolution settings). With next_batch (the examples with one more row; may be empty),
/// each constant says whether it changed with the batch size. Writes through a temporary file.
void describe_for_export(const ScriptModel& model, const std::vector<at::Tensor>& examples,
                         const std::vector<at::Tensor>& next_batch, const std::string& path);

}  // namespace torchslim
