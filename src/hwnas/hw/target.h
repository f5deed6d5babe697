// The hardware interface: a target measures kernels.
//
// Implementations: npu/ (a parameterised accelerator simulator), cpu/ (XNNPACK on this
// machine), external/ (a user's program), table/ (whole-network latencies from a CSV).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hwnas/base/error.h"
#include "hwnas/hw/fusion.h"
#include "hwnas/hw/kernel.h"

namespace hwnas::hw {

/// What limits a kernel's latency.
enum class Bound : std::uint8_t { compute, sram, dram, overhead, unknown };
std::string_view bound_name(Bound bound);

struct Measurement {
  double latency_s = 0;
  std::optional<double> cycles;
  std::optional<double> sram_bytes;
  std::optional<double> dram_bytes;
  std::optional<double> utilization;  // MACs done / MAC slots offered, in [0, 1]
  Bound bound = Bound::unknown;
  std::vector<double> samples_s;  // measured targets: one per timed run
  /// Measured targets: (p90 − p10) / median of the samples; 0 for simulators.
  double spread = 0;
};

/// A kernel the target cannot run; the message names the kernel and why.
class UnsupportedKernel : public UserError {
 public:
  using UserError::UserError;
};

class Target {
 public:
  virtual ~Target() = default;
  virtual const std::string& name() const = 0;
  /// Name plus a hash of the full description: measurements are stored under it, so a
  /// changed description never reuses another's measurements.
  virtual const std::string& identity() const = 0;
  /// Measures one kernel. Throws UnsupportedKernel, or UserError when the target fails.
  virtual Measurement measure(const Kernel& kernel) = 0;
  /// The fusion patterns the target's compiler applies, when the target states them;
  /// nullopt for black boxes (decomposition then detects them by measurement).
  virtual std::optional<FusionRules> fusion_rules() const { return std::nullopt; }
  /// The precision kernels run at on this target.
  virtual graph::Precision precision() const { return graph::Precision::fp32; }
  /// The parallelism factor P (output-channel lanes of the MAC array) when the target
  /// states one: an npu description's `parallelism_factor`; nullopt for other kinds.
  virtual std::optional<std::int32_t> parallelism_factor() const { return std::nullopt; }
  /// Files the target reads while it measures, besides its description (an external
  /// target's program and the files its command names), so that commands never write an
  /// output over one of them (check_output_path). Paths as the target opens them.
  virtual std::vector<std::string> input_files() const { return {}; }
};

}  // namespace hwnas::hw
