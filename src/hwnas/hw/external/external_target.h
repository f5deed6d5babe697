// A target that times kernels with a user's program (docs/hardware-external.md).
//
// Two protocols, chosen by the description's `protocol` key:
// - per_kernel (the default): for every kernel the program is started with fork/execvp
//   (never through a shell), gets kernel_to_json(kernel) as one line on stdin, and prints
//   the latency on stdout: a bare number of milliseconds or {"latency_ms": x, "cycles": c,
//   "samples_ms": [...]}.
// - batch: one program, started at the first kernel and kept for the target's life, reads
//   {"id": n, "kernel": {...}} lines on stdin and answers each with one line {"id": n,
//   "latency_ms": x, ...} on stdout (batch_target.h).
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
/// list: the program and its arguments), `protocol` (per_kernel, the default, or batch),
/// `timeout_s` (seconds per kernel, default 30), `batch_timeout_s` (batch only: seconds one
/// program may take in all, default 86400), `precision` (default fp32) and `fusion`
/// (optional list of pattern names). `source` names the description in errors; when it is
/// a file path, the command runs in that file's directory. Throws UserError naming the key
/// for bad descriptions.
std::unique_ptr<Target> make_external_target(const YAML::Node& description,
                                             const std::string& source);

}  // namespace hwnas::hw
