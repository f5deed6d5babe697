#include "hwnas/estimate/validate.h"

#include <fmt/format.h>

#include "hwnas/estimate/kernel_sampler.h"
#include "hwnas/estimate/measure_network.h"
#include "hwnas/estimate/stats.h"
#include "hwnas/graph/error.h"

namespace hwnas::estimate {

nlohmann::json validate(const Estimator& estimator, hw::Target& target, std::int64_t networks,
                        std::uint64_t seed, const std::function<void(std::int64_t, std::int64_t)>& progress) {
  if (estimator.target_identity() != target.identity())
    throw UserError(fmt::format("the estimator was fitted for '{}' ({}), not for target '{}' ({}); validate it "
                                "against its own target or fit one for this target",
                                estimator.target_name(), estimator.target_identity(), target.name(),
                                target.identity()));
  KernelSampler sampler(estimator.fusion_rules(), estimator.precision(), seed);
  std::vector<double> measured, predicted;
  for (std::int64_t i = 0; i < networks; ++i) {
    const graph::Graph g = sampler.random_validation_network();
    measured.push_back(measure_network(g, target, 1, estimator.fusion_rules()).latency_s);
    predicted.push_back(estimator.estimate(g).latency_s);
    if (progress) progress(i + 1, networks);
  }
  nlohmann::json out = agreement(measured, predicted);
  out["networks"] = networks;
  return out;
}

}  // namespace hwnas::estimate
