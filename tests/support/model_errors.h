// The error a model file's text gives, for tests of model-file input.
#pragma once

#include <string>

#include "hwnas/base/error.h"
#include "hwnas/graph/model_file.h"

namespace hwnas::testing {

/// The UserError message of parsing `text` as the model file `source`, or "(no error)"
/// when it parses.
inline std::string model_error_of(const std::string& text, const std::string& source = "m.yaml") {
  try {
    graph::parse_model(text, source);
  } catch (const UserError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace hwnas::testing
