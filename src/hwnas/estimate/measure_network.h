// End-to-end measurement of a network on a target: decompose, measure every kernel, sum.
#pragma once

#include <vector>

#include "hwnas/estimate/decompose.h"
#include "hwnas/hw/target.h"

namespace hwnas::estimate {

struct KernelResult {
  KernelInstance instance;
  hw::Measurement measurement;
};

struct NetworkMeasurement {
  std::vector<KernelResult> kernels;
  double latency_s = 0;
  double cycles = 0;  // 0 when the target reports no cycles
};

/// Decomposes `graph` with the target's fusion rules — for a target that states none,
/// `black_box_rules` (e.g. detected ones; default: one kernel per node) — at the target's
/// precision, and measures every kernel. Throws what measure() throws.
NetworkMeasurement measure_network(const graph::Graph& graph, hw::Target& target,
                                   std::int32_t batch = 1, const hw::FusionRules& black_box_rules = {});

}  // namespace hwnas::estimate
