// A small model with every kind of kernel (conv, grouped and depthwise conv, pools,
// upsample, concat, add, mul, linear) that the fuzz targets run a fuzzed target or
// estimator on, as `hwnas simulate` and `hwnas estimate` would.
#pragma once

#include "hwnas/graph/model_file.h"

namespace hwnas::fuzz {

inline const graph::Graph& probe_model() {
  static const graph::Graph g = graph::parse_model(R"(
name: probe
input: [8, 16, 16]
layers:
  - {op: conv, name: stem, out: 16, kernel: 3, stride: 2}
  - {op: conv2d, name: grouped, out: 16, kernel: 3, groups: 4}
  - {op: ibn, name: b1, out: 16, expand: 2, se: 0.25}
  - {op: max_pool, name: pool, kernel: 3, stride: 2, padding: 1, ceil_mode: true}
  - {op: upsample, name: up, scale: 2}
  - {op: concat, name: cat, inputs: [up, stem]}
  - {op: avg_pool, name: avg, kernel: 2}
  - {op: global_pool, name: gap}
  - {op: linear, name: fc, out: 10}
)",
                                                    "probe.yaml");
  return g;
}

}  // namespace hwnas::fuzz
