// Every command's MODEL argument: a zoo spec, a model file (.yaml, .yml, .json) or an ONNX
// file (FILE.onnx, or FILE.onnx:input_shape=C,H,W for dynamic axes; docs/onnx.md).
#pragma once

#include <string_view>

#include "hwnas/graph/graph.h"

namespace hwnas::cli {

/// io::load_model_spec with space::load_model for what is not ONNX.
graph::Graph load_model_arg(std::string_view spec);

}  // namespace hwnas::cli
