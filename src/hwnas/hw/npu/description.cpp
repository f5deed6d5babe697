#include "hwnas/hw/npu/description.h"

#include <fmt/format.h>

#include <array>
#include <string_view>
#include <utility>

#include "hwnas/hw/description_reader.h"

namespace hwnas::hw {
namespace {

constexpr std::array<std::string_view, 22> kKeys = {
    "name",           "kind",            "clock_mhz",             "precision",
    "parallelism_factor", "input_lanes", "spatial_lanes",         "vector_lanes",
    "depthwise_mode", "sram_kib",        "weight_sram_kib",       "sram_gb_per_s",
    "dram_gb_per_s",      "dram_latency_ns", "layer_overhead_cycles", "fuse",
    "channel_align",  "fold_fill_factor", "vector_op_cycles",     "bias_bytes",
    "description",    "sources"};
constexpr std::int64_t kMaxLanes = 1 << 20;
// Keys renamed since: bandwidths are GB/s (gigabytes), which "gbps" (gigabits) misread.
constexpr std::array<std::pair<std::string_view, std::string_view>, 2> kRenamed = {
    {{"sram_gbps", "sram_gb_per_s"}, {"dram_gbps", "dram_gb_per_s"}}};

// The description as canonical YAML, every key; `old_keys` spells the renamed keys as
// before (identity_yaml).
std::string emit(const NpuDescription& d, bool old_keys) {
  const auto key = [&](std::string_view name) {
    if (old_keys)
      for (const auto& [before, now] : kRenamed)
        if (now == name) return std::string(before);
    return std::string(name);
  };
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << d.name;
  out << YAML::Key << "kind" << YAML::Value << "npu";
  out << YAML::Key << "clock_mhz" << YAML::Value << d.clock_mhz;
  out << YAML::Key << "precision" << YAML::Value << std::string(graph::precision_name(d.precision));
  out << YAML::Key << "parallelism_factor" << YAML::Value << d.parallelism_factor;
  out << YAML::Key << "input_lanes" << YAML::Value << d.input_lanes;
  out << YAML::Key << "spatial_lanes" << YAML::Value << d.spatial_lanes;
  out << YAML::Key << "vector_lanes" << YAML::Value << d.vector_lanes;
  out << YAML::Key << "depthwise_mode" << YAML::Value
      << (d.depthwise_mode == DepthwiseMode::mac_array ? "mac_array" : "vector");
  out << YAML::Key << "sram_kib" << YAML::Value << d.sram_kib;
  out << YAML::Key << "weight_sram_kib" << YAML::Value << d.weight_sram_kib;
  out << YAML::Key << key("sram_gb_per_s") << YAML::Value << d.sram_gb_per_s;
  out << YAML::Key << key("dram_gb_per_s") << YAML::Value << d.dram_gb_per_s;
  out << YAML::Key << "dram_latency_ns" << YAML::Value << d.dram_latency_ns;
  out << YAML::Key << "layer_overhead_cycles" << YAML::Value << d.layer_overhead_cycles;
  out << YAML::Key << "fuse" << YAML::Value << YAML::Flow << YAML::BeginSeq;
  for (FusionPattern p : d.fuse.patterns) out << std::string(fusion_name(p));
  out << YAML::EndSeq;
  out << YAML::Key << "channel_align" << YAML::Value << d.channel_align;
  out << YAML::Key << "fold_fill_factor" << YAML::Value << d.fold_fill_factor;
  out << YAML::Key << "vector_op_cycles" << YAML::Value << d.vector_op_cycles;
  out << YAML::Key << "bias_bytes" << YAML::Value << d.bias_bytes;
  out << YAML::EndMap;
  return out.c_str();
}

}  // namespace

std::span<const std::string_view> npu_description_keys() { return kKeys; }

NpuDescription parse_npu_description(const YAML::Node& node, const std::string& source) {
  using Sign = DescriptionReader::Sign;
  const DescriptionReader r(node, source,
                            "every hardware description needs it (docs/hardware-npu.md)");
  for (const auto& [before, now] : kRenamed)
    if (node.IsMap() && r.get(std::string(before)))
      r.fail(std::string(before), fmt::format("renamed to '{}' (the bandwidth in GB/s, gigabytes per second); "
                                              "rename the key, keeping its value",
                                              now));
  r.check_mapping_and_keys(kKeys, "a hardware description is a YAML mapping of keys",
                           "see docs/hardware-npu.md for the keys");
  // Every number is positive (docs/hardware-npu.md); the bounds keep latencies printable
  // (a clock of 1e-300 MHz gave a 300-digit latency) and are documented there.
  const auto positive = [&](const std::string& key, double lo, double hi, std::optional<double> fallback = {}) {
    return r.number(key, Sign::positive, lo, hi, fallback);
  };
  const auto lanes = [&](const std::string& key, std::optional<std::int32_t> fallback = {}) {
    return r.integer(key, Sign::positive, kMaxLanes, fallback);
  };
  NpuDescription d;
  d.name = r.text("name");
  r.kind("npu", "for a simulated accelerator");
  d.clock_mhz = positive("clock_mhz", 0.001, 1e5);
  r.text("precision");  // a list or '' fails as not a non-empty string, like depthwise_mode
  d.precision = r.precision("precision", {graph::Precision::int8, graph::Precision::fp16});
  d.parallelism_factor = lanes("parallelism_factor");
  d.input_lanes = lanes("input_lanes");
  d.spatial_lanes = lanes("spatial_lanes");
  d.vector_lanes = lanes("vector_lanes");
  const std::string dw = r.text("depthwise_mode");
  if (dw == "mac_array") d.depthwise_mode = DepthwiseMode::mac_array;
  else if (dw == "vector") d.depthwise_mode = DepthwiseMode::vector;
  else r.fail("depthwise_mode", fmt::format("must be mac_array or vector, got '{}'", dw));
  d.sram_kib = positive("sram_kib", 0, 1e9);
  d.weight_sram_kib = positive("weight_sram_kib", 0, 1e9);
  d.sram_gb_per_s = positive("sram_gb_per_s", 0.001, 1e6);
  d.dram_gb_per_s = positive("dram_gb_per_s", 0.001, 1e6);
  d.dram_latency_ns = positive("dram_latency_ns", 0, 1e9);
  d.layer_overhead_cycles = positive("layer_overhead_cycles", 0, 1e9);
  d.fuse = r.fusion_rules("fuse");
  d.channel_align = lanes("channel_align", 1);
  d.fold_fill_factor = positive("fold_fill_factor", 0, 1000, 1.0);
  d.vector_op_cycles = positive("vector_op_cycles", 0, 1e6, 1.0);
  d.bias_bytes = positive("bias_bytes", 0, 16, 4.0);
  return d;
}

std::string NpuDescription::canonical_yaml() const { return emit(*this, false); }

std::string NpuDescription::identity_yaml() const { return emit(*this, true); }

}  // namespace hwnas::hw
