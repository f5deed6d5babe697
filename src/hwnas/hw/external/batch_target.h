// The batch protocol's target (docs/hardware-external.md, "The batch protocol"): one
// program, started at the first kernel measured and kept until the target is destroyed,
// answers kernels as JSON lines.
//
// hwnas writes {"id": n, "kernel": <kernel_to_json>} and a newline (ids count from 0 for
// each program started) and reads the program's next line, which must be {"id": n,
// "latency_ms": x} with optional "cycles" and "samples_ms" (answer.h). One kernel is
// outstanding at a time: the next is written once its answer has been read, so any other
// id is an error. `timeout_s` bounds each kernel (from writing it to reading its answer;
// the first kernel's includes the program's start), `batch_timeout_s` the program's whole
// life. Any failure - the program cannot start, ends, times out or answers wrongly - kills
// its process group and throws a one-line UserError naming the outstanding kernel and how
// many kernels the program answered; the next measure() starts a fresh program.
// measure() may be called from several threads, short-lived ones too (the program is
// started from a thread of the target's own: session_starter.h); calls are served one at a
// time.
#pragma once

#include <memory>
#include <string>

#include "hwnas/hw/external/external_description.h"
#include "hwnas/hw/target.h"

namespace hwnas::hw {

/// The target for a description with `protocol: batch`; `source` as make_external_target's.
std::unique_ptr<Target> make_batch_target(ExternalDescription d, std::string source);

}  // namespace hwnas::hw
