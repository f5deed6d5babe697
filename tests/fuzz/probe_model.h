// A small model with every kind of kernel (conv, grouped and depthwise conv, pools,
// upsample, concat, add, mul, linear) that the fuzz targets run a fuzzed target or
// estimator on, as `hwnas simulate` and `hwnas estimate` would.
#pragma once

#include "fuzz/fuzz_contract.h"
#include "hwnas/graph/model_file.h"

namespace hwnas::fuzz {

inline constexpr const char* kProbeModel = R"(
name: probe
input: [8, 16, 16]
layers:
  - {op: conv, name: stem, out: 16, kernel: 3, stride: 2}
  - {op: conv2d, name: grouped, out: 16, kernel: 3, groups: 4}
  - {op: ibn, name: b1, out: 16, expand: 2, se: 0.25}
  - {op: max_pool, name: pool, kernel: 3, stride: 2, padding: 1}
  - {op: upsample, name: up, scale: 2}
  - {op: concat, name: cat, inputs: [up, stem]}
  - {op: avg_pool, name: avg, kernel: 2, ceil_mode: true}
  - {op: global_pool, name: gap}
  - {op: linear, name: fc, out: 10}
)";

/// The probe model; a probe that fails to build aborts (a UserError here is no finding).
inline const graph::Graph& probe_model() {
  static const graph::Graph g = [] {
    graph::Graph built;
    expect_no_error("building the probe model", [&] { built = graph::parse_model(kProbeModel, "probe.yaml"); });
    return built;
  }();
  return g;
}

}  // namespace hwnas::fuzz
