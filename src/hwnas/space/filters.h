// Validity filters: limits on a decoded network's size and memory, checked before the
// network costs any evaluation (the experiment loop calls them first).
//
// The counts come from graph::analyze (graph/analysis.h, docs/analysis.md): params as
// PyTorch counts them, MACs of conv and linear layers, weight bytes of the folded weights
// at the precision, and the peak of live activation bytes executing in graph order.
// Weight and activation bytes depend on the precision, which is the target's.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <optional>
#include <string>

#include "hwnas/graph/analysis.h"

namespace hwnas::space {

struct Filters {
  std::optional<std::int64_t> max_params, max_macs, max_weight_bytes, max_peak_activation_bytes;
  bool empty() const { return !max_params && !max_macs && !max_weight_bytes && !max_peak_activation_bytes; }
};

/// Reads a `filters:` mapping: max_params and max_macs are counts ("3.4M", "600000000"),
/// max_weight_bytes and max_peak_activation_bytes byte sizes ("4MB", "512KiB"), as
/// base/units.h parses them. Throws UserError "SOURCE:LINE: key 'PATH.KEY': ..." for an
/// unknown key (naming the closest), a value that is not a count or size, or one below 1.
Filters read_filters(const YAML::Node& node, const std::string& source, const std::string& path);

/// Why the analysed network breaks a filter, e.g. "peak_activation_bytes 602112 > 512KiB
/// (524288)", the first broken one in the order of Filters' fields; nullopt when it passes.
std::optional<std::string> filter_violation(const Filters& filters, const graph::Analysis& analysis);

/// The same, analysing `graph` at `precision` (batch 1) when some filter is set.
std::optional<std::string> filter_violation(const Filters& filters, const graph::Graph& graph,
                                            graph::Precision precision);

/// The limits as text, e.g. "max_params 5000000, max_peak_activation_bytes 524288"; "none".
std::string describe(const Filters& filters);

}  // namespace hwnas::space
