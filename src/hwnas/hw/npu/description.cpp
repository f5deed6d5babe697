#include "hwnas/hw/npu/description.h"

#include <fmt/format.h>

#include <cmath>
#include <optional>
#include <set>

#include "hwnas/graph/error.h"

namespace hwnas::hw {
namespace {

const std::set<std::string>& known_keys() {
  static const std::set<std::string> keys = {
      "name",           "kind",           "clock_mhz",       "precision",
      "parallelism_factor", "input_lanes", "spatial_lanes", "vector_lanes",
      "depthwise_mode", "sram_kib",       "weight_sram_kib", "sram_gbps",
      "dram_gbps",      "dram_latency_ns", "layer_overhead_cycles", "fuse",
      "channel_align",  "fold_fill_factor", "vector_op_cycles", "bias_bytes",
      "description",    "sources"};
  return keys;
}

class Reader {
 public:
  Reader(const YAML::Node& node, const std::string& source) : node_(node), source_(source) {}

  [[noreturn]] void fail(const std::string& key, const std::string& message) const {
    const YAML::Node at = node_[key];
    const std::string where =
        at && !at.Mark().is_null() ? fmt::format("{}:{}", source_, at.Mark().line + 1) : source_;
    throw UserError(fmt::format("{}: key '{}': {}", where, key, message));
  }

  YAML::Node required(const std::string& key) const {
    const YAML::Node v = node_[key];
    if (!v) fail(key, "missing; every hardware description needs it (docs/hardware-npu.md)");
    return v;
  }

  double positive(const std::string& key, std::optional<double> fallback = {}) const {
    const YAML::Node v = fallback ? node_[key] : required(key);
    if (!v) return *fallback;
    double out = 0;
    if (!v.IsScalar() || !YAML::convert<double>::decode(v, out) || !std::isfinite(out) || out <= 0)
      fail(key, fmt::format("must be a positive number, got '{}'", v.IsScalar() ? v.Scalar() : "a list"));
    return out;
  }

  double non_negative(const std::string& key) const {
    const YAML::Node v = required(key);
    double out = 0;
    if (!v.IsScalar() || !YAML::convert<double>::decode(v, out) || !std::isfinite(out) || out < 0)
      fail(key, fmt::format("must be a non-negative number, got '{}'", v.IsScalar() ? v.Scalar() : "a list"));
    return out;
  }

  std::int32_t lanes(const std::string& key, std::optional<std::int32_t> fallback = {}) const {
    const YAML::Node v = fallback ? node_[key] : required(key);
    if (!v) return *fallback;
    std::int64_t out = 0;
    if (!v.IsScalar() || !YAML::convert<std::int64_t>::decode(v, out) || out <= 0 || out > 1 << 20)
      fail(key, fmt::format("must be a positive integer, got '{}'", v.IsScalar() ? v.Scalar() : "a list"));
    return static_cast<std::int32_t>(out);
  }

  std::string text(const std::string& key) const {
    const YAML::Node v = required(key);
    if (!v.IsScalar() || v.Scalar().empty()) fail(key, "must be a non-empty string");
    return v.Scalar();
  }

  const YAML::Node& node() const { return node_; }

 private:
  const YAML::Node& node_;
  const std::string& source_;
};

}  // namespace

NpuDescription parse_npu_description(const YAML::Node& node, const std::string& source) {
  if (!node.IsMap()) throw UserError(fmt::format("{}: a hardware description is a YAML mapping of keys", source));
  for (const auto& entry : node)
    if (!known_keys().contains(entry.first.Scalar()))
      throw UserError(fmt::format("{}:{}: unknown key '{}'; see docs/hardware-npu.md for the keys",
                                  source, entry.first.Mark().line + 1, entry.first.Scalar()));
  const Reader r(node, source);
  NpuDescription d;
  d.name = r.text("name");
  if (node["kind"] && (!node["kind"].IsScalar() || node["kind"].Scalar() != "npu"))
    r.fail("kind", "must be npu for a simulated accelerator");
  d.clock_mhz = r.positive("clock_mhz");
  const std::string precision = r.text("precision");
  if (precision == "int8") d.precision = graph::Precision::int8;
  else if (precision == "fp16") d.precision = graph::Precision::fp16;
  else r.fail("precision", fmt::format("must be int8 or fp16, got '{}'", precision));
  d.parallelism_factor = r.lanes("parallelism_factor");
  d.input_lanes = r.lanes("input_lanes");
  d.spatial_lanes = r.lanes("spatial_lanes");
  d.vector_lanes = r.lanes("vector_lanes");
  const std::string dw = r.text("depthwise_mode");
  if (dw == "mac_array") d.depthwise_mode = DepthwiseMode::mac_array;
  else if (dw == "vector") d.depthwise_mode = DepthwiseMode::vector;
  else r.fail("depthwise_mode", fmt::format("must be mac_array or vector, got '{}'", dw));
  d.sram_kib = r.positive("sram_kib");
  d.weight_sram_kib = r.positive("weight_sram_kib");
  d.sram_gbps = r.positive("sram_gbps");
  d.dram_gbps = r.positive("dram_gbps");
  d.dram_latency_ns = r.non_negative("dram_latency_ns");
  d.layer_overhead_cycles = r.non_negative("layer_overhead_cycles");
  const YAML::Node fuse = r.required("fuse");
  if (!fuse.IsSequence()) r.fail("fuse", fmt::format("must be a list of fusion patterns from: {}", fusion_names()));
  for (const YAML::Node& item : fuse) {
    FusionPattern p{};
    if (!item.IsScalar() || !parse_fusion(item.Scalar(), p))
      r.fail("fuse", fmt::format("unknown fusion '{}'; use names from: {}",
                                 item.IsScalar() ? item.Scalar() : "a list", fusion_names()));
    if (!d.fuse.has(p)) d.fuse.patterns.push_back(p);
  }
  d.channel_align = r.lanes("channel_align", 1);
  d.fold_fill_factor = r.positive("fold_fill_factor", 1.0);
  d.vector_op_cycles = r.positive("vector_op_cycles", 1.0);
  d.bias_bytes = r.positive("bias_bytes", 4.0);
  return d;
}

std::string NpuDescription::canonical_yaml() const {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << name;
  out << YAML::Key << "kind" << YAML::Value << "npu";
  out << YAML::Key << "clock_mhz" << YAML::Value << clock_mhz;
  out << YAML::Key << "precision" << YAML::Value << std::string(graph::precision_name(precision));
  out << YAML::Key << "parallelism_factor" << YAML::Value << parallelism_factor;
  out << YAML::Key << "input_lanes" << YAML::Value << input_lanes;
  out << YAML::Key << "spatial_lanes" << YAML::Value << spatial_lanes;
  out << YAML::Key << "vector_lanes" << YAML::Value << vector_lanes;
  out << YAML::Key << "depthwise_mode" << YAML::Value
      << (depthwise_mode == DepthwiseMode::mac_array ? "mac_array" : "vector");
  out << YAML::Key << "sram_kib" << YAML::Value << sram_kib;
  out << YAML::Key << "weight_sram_kib" << YAML::Value << weight_sram_kib;
  out << YAML::Key << "sram_gbps" << YAML::Value << sram_gbps;
  out << YAML::Key << "dram_gbps" << YAML::Value << dram_gbps;
  out << YAML::Key << "dram_latency_ns" << YAML::Value << dram_latency_ns;
  out << YAML::Key << "layer_overhead_cycles" << YAML::Value << layer_overhead_cycles;
  out << YAML::Key << "fuse" << YAML::Value << YAML::Flow << YAML::BeginSeq;
  for (FusionPattern p : fuse.patterns) out << std::string(fusion_name(p));
  out << YAML::EndSeq;
  out << YAML::Key << "channel_align" << YAML::Value << channel_align;
  out << YAML::Key << "fold_fill_factor" << YAML::Value << fold_fill_factor;
  out << YAML::Key << "vector_op_cycles" << YAML::Value << vector_op_cycles;
  out << YAML::Key << "bias_bytes" << YAML::Value << bias_bytes;
  out << YAML::EndMap;
  return out.c_str();
}

}  // namespace hwnas::hw
