// Latency from an estimator file: a kernel estimator (per-kernel regressors, predictions
// batched per kernel type and cached by kernel, estimator.h) or a table estimator (a
// whole-network model keyed by the architecture string, table_model.h).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "hwnas/base/error.h"
#include "hwnas/estimate/estimator.h"
#include "hwnas/estimate/table_model.h"
#include "hwnas/search/latency_source.h"
#include "hwnas/search/table_estimator_inputs.h"

namespace hwnas::search {
namespace {

class KernelEstimatorLatency : public LatencySource {
 public:
  KernelEstimatorLatency(estimate::Estimator estimator, std::int32_t batch)
      : estimator_(std::move(estimator)), batch_(batch) {}

  double latency_ms(const Candidate& c) override { return estimator_.latency_s(c.network, batch_) * 1000; }

  std::vector<std::pair<std::string, double>> layer_latency_ms(const graph::Graph& network) override {
    std::vector<std::pair<std::string, double>> out;
    for (const estimate::LayerEstimate& layer : estimator_.estimate(network, batch_).layers)
      out.emplace_back(std::string(network.node_name(layer.nodes.front())), layer.latency_s * 1000);
    return out;
  }

  std::optional<graph::Precision> precision() const override { return estimator_.precision(); }

 private:
  estimate::Estimator estimator_;
  std::int32_t batch_;
};

class TableEstimatorLatency : public LatencySource {
 public:
  explicit TableEstimatorLatency(estimate::TableEstimator estimator) : estimator_(std::move(estimator)) {}
  double latency_ms(const Candidate& c) override { return estimator_.predict_ms(c.arch); }
  std::vector<std::pair<std::string, double>> layer_latency_ms(const graph::Graph&) override { return {}; }

 private:
  estimate::TableEstimator estimator_;
};

}  // namespace

std::unique_ptr<LatencySource> make_estimator_latency(const ExperimentSection& s, const space::Space& space,
                                                      std::int32_t batch, std::string_view batch_key) {
  s.only({"estimator"});
  const std::string path =
      s.path("estimator");
  const nlohmann::json doc = estimate::read_estimator_json(path);
  if (estimate::TableEstimator::is_table_estimator(doc)) {
    const std::string table_space = estimate::TableEstimator::space_name(doc, path);
    if (table_space != space.name())
      s.fail("estimator", fmt::format("{} is a table estimator of space '{}', but the experiment searches '{}'; "
                                      "fit one on a table of '{}' (hwnas fit --table)",
                                      path, table_space, space.name(), space.name()));
    return std::make_unique<TableEstimatorLatency>(load_table_estimator(doc, path));
  }
  estimate::Estimator estimator = estimate::Estimator::from_json(doc, path);
  const std::vector<std::int32_t>& batches = estimator.batches();
  if (std::find(batches.begin(), batches.end(), batch) == batches.end())
    throw UserError(fmt::format("{}: {}: {} is not a batch size the estimator {} was fitted for ({}); set {} to "
                                "one of them, or refit with hwnas fit --batch",
                                s.file(), batch_key, batch, path, fmt::join(batches, ", "), batch_key));
  return std::make_unique<KernelEstimatorLatency>(std::move(estimator), batch);
}

}  // namespace hwnas::search
