// A minimal user NPU description (every required key, no optional one) for the tests that
// load, break or run one.
#pragma once

#include <string>

namespace hwnas::testing {

inline std::string minimal_npu_description(const std::string& name) {
  return "name: " + name + "\n" + R"(clock_mhz: 800
precision: int8
parallelism_factor: 24
input_lanes: 12
spatial_lanes: 3
vector_lanes: 40
depthwise_mode: vector
sram_kib: 700
weight_sram_kib: 300
sram_gb_per_s: 50
dram_gb_per_s: 6
dram_latency_ns: 300
layer_overhead_cycles: 700
fuse: [conv_bn_act]
)";
}

}  // namespace hwnas::testing
