// One evaluated candidate of a search, as the experiment store keeps it and the report
// and `hwnas search --json` show it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "hwnas/space/genome.h"

namespace hwnas::search {

/// The metrics of a network. Memory figures are exact, from graph::analyze at the
/// experiment's precision and batch; latency comes from the latency source.
struct Metrics {
  std::optional<double> accuracy;   // the task's metric in [0, 100] (top-1 %, mAP, mIoU); unset if not evaluated
  std::optional<double> latency_ms; // unset when the latency source failed
  std::int64_t peak_activation_bytes = 0;
  std::int64_t weight_bytes = 0;
  std::int64_t params = 0;
  std::int64_t macs = 0;
};

enum class TrialStatus {
  ok,          // every metric computed; feasible tells whether the constraints hold
  infeasible,  // a cheap metric broke a hard constraint: accuracy was never evaluated
  failed,      // an evaluation failed: `reason` says why
};

struct Trial {
  std::int64_t index = 0;  // 0-based, in evaluation order
  space::Genome genome;    // canonical
  std::string arch;        // Space::arch(genome)
  TrialStatus status = TrialStatus::ok;
  bool feasible = false;   // meets every hard constraint
  std::string reason;      // for infeasible/failed: "latency_ms 5.2 > 4", "program exited with status 1: ..."
  Metrics metrics;
  bool accuracy_evaluated = false;  // counted as an (expensive) accuracy evaluation
  /// The fidelity rung its accuracy was measured at (0-based; the experiment's last rung is
  /// full fidelity; single fidelity: 0). Best trial and Pareto front take only top-rung trials.
  std::int32_t rung = 0;
  /// Seconds of its cheap metrics plus those of its accuracy evaluations (every rung).
  double seconds = 0;
  /// The trivial baseline its accuracy's evaluation measured at `rung` (a copy's: the
  /// evaluation's it copies; AccuracyResult::baseline: a scene task's all-background mIoU or
  /// prior-box mAP@0.5 x 100, which depends on the network's resolution); unset when none
  /// was measured, and in stores written before it was recorded (unknown). Compare the
  /// trial's accuracy with this one (no_better_than_baseline), not another trial's.
  std::optional<double> accuracy_baseline;
  /// For a copy (accuracy_copied): the index of the trial whose evaluation of the same
  /// network it took at `rung` (its reason names it too). Unset for an evaluation of its
  /// own, for a copy of an evaluation whose trial was never stored (the reason names its
  /// architecture), and in stores written before it was recorded.
  std::optional<std::int64_t> copy_of;
  /// The rungs at which its accuracy was another trial's evaluation (a copy), as bits: bit
  /// k for rung k (rungs <= 10). A copy (accuracy_copied) has the bit of every rung it
  /// reached; a candidate evaluated at a lower rung may have only the top one's. In a store
  /// written before it was recorded: the bit of `rung` for a copy there (copy_of, or
  /// accuracy_copied), as the lower rungs' are unknown.
  std::uint32_t copied_rungs = 0;
};

/// Whether `t` took its accuracy from another trial's evaluation at every rung it reached,
/// without one of its own (the same network: CostModel::evaluation_key): not counted as an
/// accuracy evaluation, its reason says whose ("accuracy: as trial 3, the same network ...").
inline bool accuracy_copied(const Trial& t) {
  return !t.accuracy_evaluated &&
         (t.metrics.accuracy || (t.status == TrialStatus::failed && t.reason.starts_with("accuracy")));
}

}  // namespace hwnas::search
