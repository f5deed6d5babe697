// Latency measured on a target kernel by kernel (estimate/measure_network.h), each kernel
// measured once: looked up in the measurement store when the experiment names one (and
// stored there after measuring), and in memory for the run. A simulated accelerator
// without a store is asked directly.
#include <fmt/format.h>

#include <unordered_map>

#include "hwnas/base/error.h"
#include "hwnas/estimate/features.h"
#include "hwnas/estimate/measure_network.h"
#include "hwnas/hw/npu/npu_target.h"
#include "hwnas/hw/store/measurement_store.h"
#include "hwnas/hw/table/table_target.h"
#include "hwnas/hw/targets/targets.h"
#include "hwnas/search/latency_source.h"

namespace hwnas::search {
namespace {

/// `inner` with every measurement kept: in memory, and in `store` when there is one.
class StoredTarget : public hw::Target {
 public:
  StoredTarget(std::unique_ptr<hw::Target> inner, std::optional<hw::MeasurementStore> store)
      : inner_(std::move(inner)), store_(std::move(store)) {}

  const std::string& name() const override { return inner_->name(); }
  const std::string& identity() const override { return inner_->identity(); }
  std::optional<hw::FusionRules> fusion_rules() const override { return inner_->fusion_rules(); }
  graph::Precision precision() const override { return inner_->precision(); }

  hw::Measurement measure(const hw::Kernel& kernel) override {
    std::string key = hw::kernel_key(kernel);
    if (const auto it = memory_.find(key); it != memory_.end()) return it->second;
    std::optional<hw::Measurement> m = store_ ? store_->find(identity(), key) : std::nullopt;
    if (!m) {
      m = inner_->measure(kernel);
      if (store_) store_->put(name(), identity(), kernel, estimate::kernel_features(kernel), *m);
    }
    return memory_.emplace(std::move(key), std::move(*m)).first->second;
  }

 private:
  std::unique_ptr<hw::Target> inner_;
  std::optional<hw::MeasurementStore> store_;
  std::unordered_map<std::string, hw::Measurement> memory_;
};

class TargetLatency : public LatencySource {
 public:
  TargetLatency(std::unique_ptr<hw::Target> target, std::int32_t batch) : target_(std::move(target)), batch_(batch) {}

  double latency_ms(const Candidate& c) override {
    return estimate::measure_network(c.network, *target_, batch_).latency_s * 1000;
  }

  std::vector<std::pair<std::string, double>> layer_latency_ms(const graph::Graph& network) override {
    std::vector<std::pair<std::string, double>> out;
    for (const estimate::KernelResult& k : estimate::measure_network(network, *target_, batch_).kernels)
      out.emplace_back(std::string(network.node_name(k.instance.nodes.front())), k.measurement.latency_s * 1000);
    return out;
  }

  std::optional<graph::Precision> precision() const override { return target_->precision(); }

 private:
  std::unique_ptr<hw::Target> target_;
  std::int32_t batch_;
};


}  // namespace

std::unique_ptr<LatencySource> make_target_latency(const ExperimentSection& s, const space::Space& space,
                                                   std::int32_t batch) {
  s.only({"target", "store"});
  const std::string spec = s.text("target");
  std::unique_ptr<hw::Target> target;
  try {
    target = hw::make_target(s.target_spec("target"));
  } catch (const UserError& e) {
    s.fail("target", e.what());
  }
  if (auto* table = dynamic_cast<hw::TableTarget*>(target.get())) {
    if (s.has("store"))
      s.fail("store", fmt::format("target '{}' is a table of whole-network latencies, which are never measured; "
                                  "remove store",
                                  spec));
    target.release();
    return make_table_latency(std::unique_ptr<hw::TableTarget>(table), space);
  }
  if (!s.has("store") && dynamic_cast<const hw::NpuTarget*>(target.get()) != nullptr)
    // The simulator is deterministic and faster than building the kernel keys a cache
    // needs (15,000 vs 2,800 mobilenet-cls networks per second on one core).
    return std::make_unique<TargetLatency>(std::move(target), batch);
  std::optional<hw::MeasurementStore> store;
  if (s.has("store")) store = hw::MeasurementStore::open(s.path("store"));
  return std::make_unique<TargetLatency>(std::make_unique<StoredTarget>(std::move(target), std::move(store)), batch);
}

}  // namespace hwnas::search
