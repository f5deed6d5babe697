// The hardware description of a simulated accelerator (configs/hardware/*.yaml).
//
// Required keys keep these names so users and scripts can edit them; further keys are
// optional with documented defaults (docs/hardware-npu.md).
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <span>
#include <string_view>
#include <string>

#include "hwnas/graph/analysis.h"
#include "hwnas/hw/fusion.h"

namespace hwnas::hw {

enum class DepthwiseMode : std::uint8_t { mac_array, vector };

struct NpuDescription {
  // Required.
  std::string name;
  double clock_mhz = 0;
  graph::Precision precision = graph::Precision::int8;
  std::int32_t parallelism_factor = 0;  // P: output-channel lanes of the MAC array
  std::int32_t input_lanes = 0;         // reduction (input-channel) lanes
  std::int32_t spatial_lanes = 0;       // output pixels computed in parallel
  std::int32_t vector_lanes = 0;        // elements per cycle of the vector unit
  DepthwiseMode depthwise_mode = DepthwiseMode::mac_array;
  double sram_kib = 0;         // activation SRAM
  double weight_sram_kib = 0;  // on-chip weight memory
  double sram_gb_per_s = 0;  // GB/s: 1e9 bytes per second
  double dram_gb_per_s = 0;  // GB/s
  double dram_latency_ns = 0;
  double layer_overhead_cycles = 0;
  FusionRules fuse;
  // Optional.
  std::int32_t channel_align = 1;  // tensors store channels padded to this multiple
  double fold_fill_factor = 1.0;   // scales SCALE-Sim's per-tile fill/drain (2·rows+cols−2)
  double vector_op_cycles = 1.0;   // vector-unit cycles per element per op
  double bias_bytes = 4;           // per output channel under int8 (int32 bias)

  /// The description as canonical YAML (every key, defaults included).
  std::string canonical_yaml() const;
  /// canonical_yaml() with the keys renamed since spelled as before (sram_gb_per_s was
  /// sram_gbps, dram_gb_per_s was dram_gbps): NpuTarget's identity hashes it, so the
  /// identities that measurement stores and estimator files recorded before the rename
  /// still match.
  std::string identity_yaml() const;
};

/// Every key an npu description may have (make_target infers a missing `kind` from them).
std::span<const std::string_view> npu_description_keys();

/// Parses and validates a description. `source` names the file in errors:
/// "SOURCE: key 'clock_mhz': must be a positive number, got '-1'".
NpuDescription parse_npu_description(const YAML::Node& node, const std::string& source);

}  // namespace hwnas::hw
