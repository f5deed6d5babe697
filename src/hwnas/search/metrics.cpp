#include "hwnas/search/metrics.h"

namespace hwnas::search {

Metrics network_metrics(const graph::Graph& network, graph::Precision precision, std::int32_t batch) {
  // Search constrains the graph-order peak; the min-order search would be most of the time.
  return analysis_metrics(graph::analyze(network, precision, batch, graph::MinOrder::skip));
}

Metrics analysis_metrics(const graph::Analysis& a) {
  Metrics m;
  m.peak_activation_bytes = a.peak_activation_bytes;
  m.weight_bytes = a.total.weight_bytes;
  m.params = a.total.params;
  m.macs = a.total.macs;
  return m;
}

}  // namespace hwnas::search
