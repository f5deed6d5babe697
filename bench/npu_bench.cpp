// NPU simulator speed: layer (kernel) simulations per second on one core, against a
// baseline measured in the same run: counting the same kernels' MACs (a FLOPs model).
//
//   build/bin/npu_bench
#include <benchmark/benchmark.h>

#include "rate_reporter.h"
#include <fmt/format.h>

#include "hwnas/estimate/decompose.h"
#include "hwnas/graph/zoo/zoo.h"
#include "hwnas/hw/npu/npu_target.h"
#include "hwnas/hw/npu/simulate.h"
#include "hwnas/hw/targets/targets.h"

namespace {

struct Workload {
  hwnas::hw::NpuDescription description;
  std::vector<hwnas::hw::Kernel> kernels;
};

const Workload& workload() {
  static const Workload w = [] {
    const auto target = hwnas::hw::make_target("edgetpu-like");
    Workload out{dynamic_cast<hwnas::hw::NpuTarget&>(*target).description(), {}};
    for (const char* model : {"mobilenet_v2", "mobilenet_v3_large", "efficientnet_b0", "resnet50"})
      for (auto& k : hwnas::estimate::decompose(hwnas::graph::build_zoo_model(model),
                                                out.description.fuse, out.description.precision))
        out.kernels.push_back(std::move(k.kernel));
    return out;
  }();
  return w;
}

void BM_Simulate(benchmark::State& state) {
  const Workload& w = workload();
  double sink = 0;
  for (auto _ : state)
    for (const auto& k : w.kernels) sink += hwnas::hw::simulate_npu(k, w.description).latency_s;
  benchmark::DoNotOptimize(sink);
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(w.kernels.size()));
}
BENCHMARK(BM_Simulate);

void BM_CountMacs(benchmark::State& state) {
  const Workload& w = workload();
  std::int64_t sink = 0;
  for (auto _ : state)
    for (const auto& k : w.kernels) sink += hwnas::hw::kernel_macs(k);
  benchmark::DoNotOptimize(sink);
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(w.kernels.size()));
}
BENCHMARK(BM_CountMacs);


}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  hwnas::bench::RateReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  const auto& r = reporter.rate;
  if (r.contains("BM_Simulate") && r.contains("BM_CountMacs"))
    fmt::print("\nsummary (one core, {} kernels of 4 zoo models on edgetpu-like):\n"
               "  simulations: {:.0f}/s (goal >= 1,000,000/s: {}); {:.1f}x the cost of counting MACs\n",
               workload().kernels.size(), r.at("BM_Simulate"),
               r.at("BM_Simulate") >= 1e6 ? "met" : "NOT met", r.at("BM_CountMacs") / r.at("BM_Simulate"));
  benchmark::Shutdown();
  return 0;
}
