// Reading an external program's answer for one kernel (docs/hardware-external.md, "The
// answer"): the part both protocols share.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "hwnas/hw/target.h"

namespace hwnas::hw {

/// An answer that breaks the protocol; what() says how, on one line, without the kernel
/// (the caller names it).
class BadAnswer : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The largest latency an answer may give, in ms (10,000 s): far above any one kernel, and
/// low enough that sums over networks of thousands of kernels stay finite and readable.
inline constexpr double kMaxLatencyMs = 1e7;
/// The largest cycle count: kMaxLatencyMs at a 100 GHz clock.
inline constexpr double kMaxCycles = 1e15;

/// The measurement in `text`: one JSON value plus surrounding whitespace, either a bare
/// latency in ms or an object {"latency_ms": x, "cycles": c, "samples_ms": [...]} (latency
/// in (0, kMaxLatencyMs], cycles in [0, kMaxCycles], samples in [0, kMaxLatencyMs]; the
/// spread is (p90 - p10) / median of the samples). With `id` (the batch protocol) only the
/// object form is accepted and it must also hold "id": that number. Throws BadAnswer for
/// anything else: not JSON, a control byte, a key given twice, an unknown or missing key,
/// a value out of range, another id.
Measurement parse_answer(std::string_view text, std::optional<std::int64_t> id = std::nullopt);

/// The first ~100 characters of a program's output, on one line (for errors).
std::string excerpt(std::string_view text);

}  // namespace hwnas::hw
