// Hard constraints of an experiment's objective: "latency_ms <= 4",
// "peak_activation_bytes <= 512KiB", "weight_bytes <= 4MB", "params <= 3.5M",
// "macs >= 100M" (docs/experiments.md, "Objective").
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "hwnas/search/trial.h"

namespace hwnas::search {

/// The metrics a constraint or an objective term may name (trial.h's Metrics, accuracy aside).
enum class Metric : std::uint8_t { latency_ms, peak_activation_bytes, weight_bytes, params, macs };

std::string_view metric_name(Metric metric);
/// Inverse of metric_name; false for any other name.
bool parse_metric(std::string_view name, Metric& metric);
/// "latency_ms, peak_activation_bytes, weight_bytes, params, macs".
std::string metric_names();
/// The metric's value in `m`; nullopt when it was not computed (latency not yet measured).
std::optional<double> metric_value(const Metrics& m, Metric metric);
/// Exact and computed before any latency: memory and counts from graph analysis.
bool is_cheap(Metric metric);

struct Constraint {
  Metric metric = Metric::latency_ms;
  bool at_most = true;     // `<=` (an upper limit) or `>=` (a lower one)
  double limit = 0;        // in the metric's unit (ms, bytes, count), > 0
  std::string limit_text;  // as written, e.g. "512KiB"

  bool holds(double value) const { return at_most ? value <= limit : value >= limit; }
  /// How far `value` breaks the constraint relative to the limit, (value - limit) / limit
  /// for `<=` and (limit - value) / limit for `>=`; 0 when it holds.
  double excess(double value) const;
  /// Why `value` breaks it: "latency_ms 5.21 > 4", "peak_activation_bytes 600000 > 512KiB (524288)".
  std::string reason(double value) const;
};

/// Parses "METRIC OP LIMIT[UNIT]": OP is <= or >=; LIMIT a positive decimal number (a
/// fraction or an exponent allowed: limits need not be whole); UNIT one of the metric's
/// units (base/units.h): latency_ms: ms (default), us, s; the byte metrics: B (default),
/// kB/KB, MB, GB (powers of 1000), KiB, MiB, GiB (powers of 1024); params and macs: none,
/// K/k, M, G (1e3, 1e6, 1e9). Throws UserError "WHERE: 'TEXT': ..." naming the unknown
/// metric, the operator or the unit and what is allowed.
Constraint parse_constraint(std::string_view text, std::string_view where);

}  // namespace hwnas::search
