// An op's parameters as a JSON object with the keys model files use.
#pragma once

#include <nlohmann/json.hpp>

#include "hwnas/graph/ops.h"

namespace hwnas::graph {

/// e.g. conv2d: {"out": 32, "kernel": 3, "stride": 2, "padding": 1, "dilation": 1,
/// "groups": 1, "bias": false}; a [h, w] pair where the two differ. Ops without
/// parameters give an empty object.
nlohmann::ordered_json op_params_json(const Op& op);

}  // namespace hwnas::graph
