#include "hwnas/estimate/measure_network.h"

namespace hwnas::estimate {

NetworkMeasurement measure_network(const graph::Graph& graph, hw::Target& target,
                                   std::int32_t batch, const hw::FusionRules& black_box_rules) {
  const hw::FusionRules rules = target.fusion_rules().value_or(black_box_rules);
  NetworkMeasurement out;
  for (KernelInstance& instance : decompose(graph, rules, target.precision(), batch)) {
    hw::Measurement m = target.measure(instance.kernel);
    out.latency_s += m.latency_s;
    out.cycles += m.cycles.value_or(0);
    out.kernels.push_back({std::move(instance), std::move(m)});
  }
  return out;
}

}  // namespace hwnas::estimate
