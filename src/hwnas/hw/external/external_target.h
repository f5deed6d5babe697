// A target that times kernels with a user's program (docs/hardware-external.md).
//
// For every kernel the program is started with fork/execvp (never through a shell), gets
// kernel_to_json(kernel) as one line on stdin, and prints the latency on stdout: a bare
// number of milliseconds or {"latency_ms": x, "cycles": c, "samples_ms": [...]}.
#pragma once

#include <memory>
#include <span>
#include <string_view>
#include <string>

#include <yaml-cpp/yaml.h>

#include "hwnas/hw/target.h"

namespace hwnas::hw {

/// Every key an external description may have (make_target infers a missing `kind` from them).
std::span<const std::string_view> external_description_keys();

/// Builds the target from a description with keys `name`, `kind: external`, `command` (a
/// list: the program and its arguments), `timeout_s` (default 30), `precision` (default
/// fp32) and `fusion` (optional list of pattern names). `source` names the description in
/// errors; when it is a file path, the command runs in that file's directory. Throws
/// UserError naming the key for bad descriptions.
std::unique_ptr<Target> make_external_target(const YAML::Node& description,
                                             const std::string& source);

}  // namespace hwnas::hw
