// A bounds-checked walk over a saved XGBoost model (Universal Binary JSON, ubjson.org, in
// the subset XGBoost 1.7's UBJWriter writes) before XGBoost reads it.
//
// XGBoost's UBJReader (xgboost/json_io.h) trusts the bytes: it reads past the buffer's
// end, allocates whatever a length field says (a flipped bit asks for terabytes) and loops
// forever on an array that is never closed. An estimator file is user input, so its
// models are checked here first.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace hwnas::estimate {

/// Why `bytes` is not one well-formed UBJ object that XGBoost reads as a model — every
/// length and count inside the buffer, arrays and objects closed, nesting at most 64 deep,
/// nothing after the object; every tree's node arrays num_nodes long, its children and
/// parents nodes of the tree, no categorical splits — or nullopt when it is.
std::optional<std::string> ubj_model_problem(std::string_view bytes);

}  // namespace hwnas::estimate
