// An op's parameters as a JSON object with the keys model files use.
#pragma once

#include <nlohmann/json.hpp>

#include "hwnas/graph/ops.h"

namespace hwnas::graph {

/// e.g. conv2d: {"out": 32, "kernel": 3, "stride": 2, "padding": 1, "dilation": 1,
/// "groups": 1, "bias": false}; a [h, w] pair where the two differ, a padding as p, [h, w]
/// or [top, left, bottom, right], whichever is shortest. Keys, defaults and which values
/// are omitted when default come from the op's description (op_schema.h). Ops without
/// parameters give an empty object.
nlohmann::ordered_json op_params_json(const Op& op);

}  // namespace hwnas::graph
