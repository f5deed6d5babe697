// How the advisor values a graph: the estimator's latency (per kernel and in total), the
// graph analysis's memory and counts, and with a target its measurement of every kernel
// (utilisation, bound, DRAM traffic) — the hardware facts of the explanations. Also the
// limits (--limit) and the objective the combination minimises (docs/advisor.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "hwnas/estimate/estimator.h"
#include "hwnas/graph/graph.h"
#include "hwnas/hw/target.h"

namespace hwnas::advise {

/// A graph's figures, per sample (batch 1) at the estimator's precision.
struct Figures {
  double latency_s = 0;               // the estimator's, summed over kernels
  std::optional<double> measured_s;   // the target's, when the evaluator has one
  std::int64_t macs = 0, params = 0;  // analysis.h conventions
  std::int64_t weight_bytes = 0, peak_activation_bytes = 0;
};

/// One kernel of a graph's decomposition (estimate/decompose.h).
struct KernelFacts {
  std::vector<std::string> nodes;  // node names; nodes[0] the main op
  std::string label;               // "3x3 depthwise conv 96 ch at 56x56", "3x3 conv 16->96 at 56x56"
  std::int64_t macs = 0;
  double latency_s = 0;                    // estimated
  std::optional<hw::Measurement> measured; // with a target
};

struct Evaluation {
  Figures figures;
  std::vector<KernelFacts> kernels;  // in execution order
};

class Evaluator {
 public:
  /// `target` (may be null; not owned, must outlive the evaluator) measures every graph
  /// too. UserError when it is a table target (no per-kernel measurement:
  /// hw::refuse_table_for_kernels) or when its
  /// identity differs from the one the estimator (read from `estimator_path`) was fitted
  /// for: such an estimator gives meaningless advice; the message gives the complete
  /// `hwnas fit --target T --db T.db --out T.est` command, T being `target_arg` (the
  /// --target argument as given, quoted for a POSIX shell when needed; "": the target's name).
  Evaluator(const estimate::Estimator& estimator, hw::Target* target, std::string_view estimator_path,
            std::string_view target_arg = "");

  /// Latency and memory; measured_s only when `measure` and a target is given.
  Figures figures(const graph::Graph& graph, bool measure) const;
  /// Figures (measured with a target) and every kernel.
  Evaluation evaluate(const graph::Graph& graph) const;

  /// P of the menu: the estimator's detected output-channel lanes, else 8.
  std::int32_t parallelism() const;
  bool has_target() const { return target_ != nullptr; }
  const estimate::Estimator& estimator() const { return estimator_; }
  const hw::Target* target() const { return target_; }

 private:
  const hw::Measurement& measure(const hw::Kernel& kernel) const;

  const estimate::Estimator& estimator_;
  hw::Target* target_ = nullptr;
  hw::FusionRules target_rules_;
  mutable std::unordered_map<std::uint64_t, hw::Measurement> measured_;  // by kernel_hash
};

/// A limit of --limit: on latency_ms (the estimated latency), peak_activation_bytes or
/// weight_bytes; `value` is absolute, or percent of the baseline when `percent`.
struct Limit {
  std::string key;
  double value = 0;
  bool percent = false;
};

/// "latency_ms=2.5,peak_activation_bytes=1e6,weight_bytes=53%"; UserError naming `option`
/// for a malformed item, an unknown or repeated key, or a value that is not a positive
/// finite number (a percentage in (0, 1000]).
std::vector<Limit> parse_limits(std::string_view text, std::string_view option = "--limit");
/// The limits with percentages made absolute against `baseline`.
std::vector<Limit> absolute_limits(const std::vector<Limit>& limits, const Figures& baseline);
/// The figure a limit key bounds (latency_ms in ms, the others in bytes).
double limited_value(std::string_view key, const Figures& figures);

/// What the combination minimises, lexicographically: total violation Σ max(0, value/limit
/// − 1) over the (absolute) limits, then estimated latency.
struct Objective {
  double violation = 0;
  double latency_s = 0;
};
Objective objective(const std::vector<Limit>& limits, const Figures& figures);
/// Whether `a` improves on `b`: less violation (by more than 1e-9), or as much and a
/// latency lower by more than `min_gain` (a fraction of b's latency; 0.001 in the greedy).
bool improves(const Objective& a, const Objective& b, double min_gain);

}  // namespace hwnas::advise
