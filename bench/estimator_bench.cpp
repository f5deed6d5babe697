// Estimator speed on one core: MobileNetV2-size networks estimated per second with the
// kernel cache warm, and kernel predictions per second in batches (cache cold). Baseline
// in the same run: the npu simulator measuring the same networks and kernels.
//
//   build/bin/estimator_bench                      # fits a npu-p16 estimator first (~2 min)
//   HWNAS_BENCH_ESTIMATOR=p16.est build/bin/estimator_bench   # or times one `hwnas fit` wrote
#include <benchmark/benchmark.h>

#include "rate_reporter.h"
#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>

#include "hwnas/estimate/fit.h"
#include "hwnas/estimate/kernel_sampler.h"
#include "hwnas/estimate/measure_network.h"
#include "hwnas/graph/zoo/zoo.h"
#include "hwnas/hw/targets/targets.h"

namespace {

using namespace hwnas;

struct Setup {
  std::unique_ptr<hw::Target> target;
  estimate::Estimator estimator;
  std::vector<graph::Graph> networks;
  std::vector<hw::Kernel> kernels;
};

// Leaked on purpose: XGBoost's own statics may be gone when static destructors run.
Setup& setup() {
  static Setup& s = *[] {
    auto* made = new Setup;
    Setup& out = *made;
    if (const char* path = std::getenv("HWNAS_BENCH_ESTIMATOR")) {
      out.estimator = estimate::Estimator::load(path);
      out.target = hw::make_target(out.estimator.target_name());
    } else {
      // Default model settings on enough kernels that the trees grow to full depth.
      out.target = hw::make_target("npu-p16");
      const auto db = std::filesystem::temp_directory_path() / fmt::format("hwnas_bench_{}.db", ::getpid());
      {
        auto store = hw::MeasurementStore::open(db.string());
        estimate::FitOptions o;
        o.budget = 20000;  // 10,000 kernels measured: a full-size model
        o.rounds = 0;
        out.estimator = estimate::fit_estimator(*out.target, store, o);
      }
      std::filesystem::remove(db);
    }
    fmt::print("estimator for {}: {} measurements\n", out.estimator.target_name(),
               out.estimator.metrics().value("measurements", 0));
    for (double width : {0.5, 0.75, 1.0, 1.25})
      for (int res : {160, 192, 224})
        out.networks.push_back(graph::build_zoo_model(fmt::format("mobilenet_v2:width={},res={}", width, res)));
    estimate::KernelSampler sampler(*out.target->fusion_rules(), out.target->precision(), 5);
    out.kernels = sampler.next_batch(10000);
    return made;
  }();
  return s;
}

void BM_EstimateNetworkWarm(benchmark::State& state) {
  Setup& s = setup();
  for (const auto& g : s.networks) s.estimator.estimate(g);  // warm the cache
  std::size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(s.estimator.latency_s(s.networks[i++ % s.networks.size()]));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EstimateNetworkWarm);

void BM_SimulateNetwork(benchmark::State& state) {
  Setup& s = setup();
  std::size_t i = 0;
  for (auto _ : state)
    benchmark::DoNotOptimize(estimate::measure_network(s.networks[i++ % s.networks.size()], *s.target));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SimulateNetwork);

void BM_PredictKernelsBatched(benchmark::State& state) {
  Setup& s = setup();
  for (auto _ : state) {
    s.estimator.clear_cache();
    benchmark::DoNotOptimize(s.estimator.predict(s.kernels));
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(s.kernels.size()));
}
BENCHMARK(BM_PredictKernelsBatched);

void BM_SimulateKernels(benchmark::State& state) {
  Setup& s = setup();
  for (auto _ : state)
    for (const auto& k : s.kernels) benchmark::DoNotOptimize(s.target->measure(k));
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(s.kernels.size()));
}
BENCHMARK(BM_SimulateKernels);


}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  hwnas::bench::RateReporter r;
  benchmark::RunSpecifiedBenchmarks(&r);
  const auto& x = r.rate;
  fmt::print("\nsummary (one core):\n");
  if (x.contains("BM_EstimateNetworkWarm") && x.contains("BM_SimulateNetwork"))
    fmt::print("  MobileNetV2-size networks estimated, cache warm: {:.0f}/s (goal >= 100,000/s: {}); {:.2f}x the npu "
               "simulator's rate\n",
               x.at("BM_EstimateNetworkWarm"), x.at("BM_EstimateNetworkWarm") >= 1e5 ? "met" : "NOT met",
               x.at("BM_EstimateNetworkWarm") / x.at("BM_SimulateNetwork"));
  if (x.contains("BM_PredictKernelsBatched") && x.contains("BM_SimulateKernels"))
    fmt::print("  kernel predictions, batched, cache cold: {:.0f}/s (goal >= 1,000,000/s: {}); {:.2f}x the npu "
               "simulator's rate\n",
               x.at("BM_PredictKernelsBatched"), x.at("BM_PredictKernelsBatched") >= 1e6 ? "met" : "NOT met",
               x.at("BM_PredictKernelsBatched") / x.at("BM_SimulateKernels"));
  benchmark::Shutdown();
  return 0;
}
