// The exact, cheap metrics of a network: memory and counts from graph analysis.
#pragma once

#include <cstdint>

#include "hwnas/graph/analysis.h"
#include "hwnas/graph/graph.h"
#include "hwnas/search/trial.h"

namespace hwnas::search {

/// graph::analyze at `precision` and `batch` (> 0): peak_activation_bytes (graph order, as
/// `hwnas inspect` and estimates report it), weight_bytes (folded weights at the
/// precision), params (as PyTorch counts them) and MACs (conv and linear, times the
/// batch); docs/analysis.md defines each. Accuracy and latency are left unset. Throws
/// UserError when a count overflows (analysis.h).
Metrics network_metrics(const graph::Graph& network, graph::Precision precision, std::int32_t batch);

/// The same figures from an analysis already made (graph-order peak, as above).
Metrics analysis_metrics(const graph::Analysis& analysis);

}  // namespace hwnas::search
