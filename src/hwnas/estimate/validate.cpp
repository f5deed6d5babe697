#include "hwnas/estimate/validate.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <unordered_map>

#include "hwnas/estimate/decompose.h"
#include "hwnas/estimate/features.h"
#include "hwnas/estimate/kernel_sampler.h"
#include "hwnas/estimate/measure_network.h"
#include "hwnas/estimate/stats.h"
#include "hwnas/base/error.h"

namespace hwnas::estimate {
namespace {

// Measures each distinct kernel once: validation networks share many kernels (a zoo
// model's blocks, NB201's cells), and a real device's timing is the slow part.
class MemoTarget : public hw::Target {
 public:
  explicit MemoTarget(hw::Target& inner) : inner_(inner) {}
  const std::string& name() const override { return inner_.name(); }
  const std::string& identity() const override { return inner_.identity(); }
  std::optional<hw::FusionRules> fusion_rules() const override { return inner_.fusion_rules(); }
  graph::Precision precision() const override { return inner_.precision(); }
  hw::Measurement measure(const hw::Kernel& kernel) override {
    const std::uint64_t key = hw::kernel_hash(kernel);
    if (const auto it = seen_.find(key); it != seen_.end()) return it->second;
    return seen_.emplace(key, inner_.measure(kernel)).first->second;
  }

 private:
  hw::Target& inner_;
  std::unordered_map<std::uint64_t, hw::Measurement> seen_;
};

}  // namespace

nlohmann::json validate(const Estimator& estimator, hw::Target& target, std::int64_t networks,
                        std::uint64_t seed, const std::function<void(std::int64_t, std::int64_t)>& progress) {
  if (estimator.target_identity() != target.identity())
    throw UserError(fmt::format("the estimator was fitted for '{}' ({}), not for target '{}' ({}); validate it "
                                "against its own target or fit one for this target",
                                estimator.target_name(), estimator.target_identity(), target.name(),
                                target.identity()));
  KernelSampler sampler(estimator.fusion_rules(), estimator.precision(), seed);
  // Network i runs at the i-th fitted batch size, in turn.
  const std::vector<std::int32_t>& batches = estimator.batches();
  MemoTarget memo(target);
  std::vector<double> measured, predicted;
  std::vector<std::string> names;
  std::map<std::int32_t, std::pair<std::vector<double>, std::vector<double>>> by_batch;  // measured, predicted
  std::map<std::string, std::int64_t> kernel_counts;  // per kernel type, over the networks
  // Networks with a kernel the target cannot run (a CPU has no NB201 `zero` kernel) are
  // skipped and replaced by others, and counted.
  std::int64_t skipped = 0;
  std::string skip_reason;
  for (std::int64_t i = 0; i < networks;) {
    const graph::Graph g = sampler.random_validation_network();
    const std::int32_t batch = batches[static_cast<std::size_t>(i) % batches.size()];
    double latency = 0;
    try {
      latency = measure_network(g, memo, batch, estimator.fusion_rules()).latency_s;
    } catch (const hw::UnsupportedKernel& e) {
      if (skip_reason.empty()) skip_reason = e.what();
      if (++skipped > 10 * networks)
        throw UserError(fmt::format("target '{}' cannot run most validation networks: {}", target.name(), skip_reason));
      continue;
    }
    measured.push_back(latency);
    predicted.push_back(estimator.latency_s(g, batch));
    by_batch[batch].first.push_back(measured.back());
    by_batch[batch].second.push_back(predicted.back());
    for (const KernelInstance& k : decompose(g, estimator.fusion_rules(), estimator.precision(), batch))
      ++kernel_counts[kernel_type(k.kernel)];
    names.push_back(fmt::format("#{} {} ({} nodes, batch {})", i, g.name(), g.size(), batch));
    ++i;
    if (progress) progress(i, networks);
  }
  nlohmann::json out = agreement(measured, predicted);
  out["networks"] = networks;
  out["skipped"] = skipped;
  out["batches"] = nlohmann::json::object();
  for (const auto& [batch, mp] : by_batch) out["batches"][std::to_string(batch)] = agreement(mp.first, mp.second);
  out["kernel_types"] = kernel_counts;
  if (skipped > 0) out["skipped_because"] = skip_reason;
  // The five networks estimated worst, to see where an estimator needs more data.
  std::vector<std::size_t> order(measured.size());
  std::iota(order.begin(), order.end(), 0);
  const auto error = [&](std::size_t i) { return std::fabs(predicted[i] / measured[i] - 1); };
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return error(a) > error(b); });
  out["worst"] = nlohmann::json::array();
  for (std::size_t k = 0; k < std::min<std::size_t>(5, order.size()); ++k)
    out["worst"].push_back({{"network", names[order[k]]},
                            {"measured_ms", measured[order[k]] * 1e3},
                            {"estimated_ms", predicted[order[k]] * 1e3}});
  return out;
}

}  // namespace hwnas::estimate
