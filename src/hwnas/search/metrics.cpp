#include "hwnas/search/metrics.h"

namespace hwnas::search {

Metrics network_metrics(const graph::Graph& network, graph::Precision precision, std::int32_t batch) {
  const graph::Analysis a = graph::analyze(network, precision, batch);
  Metrics m;
  m.peak_activation_bytes = a.peak_activation_bytes;
  m.weight_bytes = a.total.weight_bytes;
  m.params = a.total.params;
  m.macs = a.total.macs;
  return m;
}

}  // namespace hwnas::search
