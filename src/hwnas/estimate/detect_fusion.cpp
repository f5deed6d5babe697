#include "hwnas/estimate/detect_fusion.h"

#include <algorithm>

#include "hwnas/estimate/decompose.h"
#include "hwnas/graph/blocks.h"

namespace hwnas::estimate {
namespace {

using hw::FusionPattern;

// A probe graph for `pattern` at `channels` × `size`².
graph::Graph probe(FusionPattern pattern, std::int32_t channels, std::int32_t size) {
  graph::Graph g("probe");
  const graph::NodeId x = g.add("in", graph::Input{channels, size, size}, {});
  switch (pattern) {
    case FusionPattern::conv_bn_act:
      graph::conv_bn_act(g, x, {.out = channels, .kernel = 3}, "c");
      break;
    case FusionPattern::conv_add: {
      const graph::NodeId y = graph::conv_bn_act(g, x, {.out = channels, .act = std::nullopt}, "c");
      g.add("add", graph::Add{}, {x, y});
      break;
    }
    case FusionPattern::act_pool: {
      const graph::NodeId y = g.add("relu", graph::Activation{graph::ActKind::relu}, {x});
      g.add("pool", graph::Pool{.kind = graph::PoolKind::max}, {y});
      break;
    }
    case FusionPattern::se_gate:
      graph::squeeze_excite(g, x, {.squeeze = std::max(8, channels / 4)}, "se");
      break;
  }
  return g;
}

// Patterns a probe relies on besides the one it tests.
hw::FusionRules base_rules(FusionPattern pattern) {
  if (pattern == FusionPattern::conv_add) return {{FusionPattern::conv_bn_act}};
  return {};
}

double total_ms(hw::Target& target, const std::vector<KernelInstance>& kernels, double* smallest) {
  double sum = 0;
  for (const KernelInstance& k : kernels) {
    const double ms = target.measure(k.kernel).latency_s * 1e3;
    sum += ms;
    if (smallest != nullptr) *smallest = std::min(*smallest, ms);
  }
  return sum;
}

}  // namespace

FusionDetection detect_fusion(hw::Target& target, double alpha) {
  FusionDetection out;
  out.evidence = nlohmann::json::object();
  for (FusionPattern pattern : {FusionPattern::conv_bn_act, FusionPattern::conv_add, FusionPattern::act_pool,
                                FusionPattern::se_gate}) {
    int votes = 0;
    nlohmann::json probes = nlohmann::json::array();
    for (const auto& [channels, size] : {std::pair{16, 56}, std::pair{32, 28}, std::pair{64, 14}}) {
      const graph::Graph g = probe(pattern, channels, size);
      hw::FusionRules with = base_rules(pattern);
      const auto parts = decompose(g, with, target.precision());
      with.patterns.push_back(pattern);
      const auto fused = decompose(g, with, target.precision());
      double smallest = 1e300, parts_ms = 0;
      try {
        parts_ms = total_ms(target, parts, &smallest);
      } catch (const hw::UnsupportedKernel&) {
        probes.push_back({{"channels", channels}, {"size", size}, {"unsupported", true}});
        continue;
      }
      double fused_ms = -1;
      bool is_fused = false;
      try {
        fused_ms = total_ms(target, fused, nullptr);
        is_fused = fused.size() < parts.size() && parts_ms - fused_ms > alpha * smallest;
      } catch (const hw::UnsupportedKernel&) {
      }
      votes += is_fused;
      probes.push_back({{"channels", channels}, {"size", size}, {"parts_ms", parts_ms},
                        {"fused_ms", fused_ms}, {"fused", is_fused}});
    }
    if (votes >= 2) out.rules.patterns.push_back(pattern);
    out.evidence[std::string(hw::fusion_name(pattern))] = {{"fused", votes >= 2}, {"probes", probes}};
  }
  return out;
}

}  // namespace hwnas::estimate
