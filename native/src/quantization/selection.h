// Turns the comma separated layer paths of the API into a checked set, and float layers into steps.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "quantization/layers.h"
#include "quantization/model_state.h"

namespace torchslim::quantization {

/// Paths from "a,b.0,c"; each must name a layer of one of the allowed kinds.
std::set<std::string> select_layers(const std::vector<Layer>& layers, const std::string& csv,
                                    const std::vector<Kind>& allowed, const char* mode);

/// A float step with copies of the layer's weights; false for layers inference skips (Dropout, Identity).
bool float_step(const Layer& layer, Step& out);

/// True for layers that run on int8 tensors unchanged (ReLU, MaxPool2d, Flatten, Dropout, Identity).
bool runs_on_int8(Kind kind);

}  // namespace torchslim::quantization
