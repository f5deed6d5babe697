// Search-space speed on one core: mobilenet-cls genomes sampled and decoded per second,
// and sampled, decoded and estimated per second (issue 10's latency-only throughput; goal
// 20,000/s), with the ratio of the two measured in the same run.
//
//   build/bin/space_bench                                    # fits a npu-p16 estimator first (~2 min)
//   HWNAS_BENCH_ESTIMATOR=p16.est build/bin/space_bench      # or times one `hwnas fit` wrote
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <random>

#include "hwnas/estimate/fit.h"
#include "hwnas/hw/targets/targets.h"
#include "hwnas/space/registry.h"
#include "rate_reporter.h"

namespace {

using namespace hwnas;

const space::Space& cls_space() {
  static const std::unique_ptr<space::Space> s = space::make_space("mobilenet-cls", {});
  return *s;
}

// Leaked on purpose: XGBoost's own statics may be gone when static destructors run.
const estimate::Estimator& estimator() {
  static const estimate::Estimator& e = *[] {
    if (const char* path = std::getenv("HWNAS_BENCH_ESTIMATOR"))
      return new estimate::Estimator(estimate::Estimator::load(path));
    const std::unique_ptr<hw::Target> target = hw::make_target("npu-p16");
    const auto db = std::filesystem::temp_directory_path() / fmt::format("hwnas_space_bench_{}.db", ::getpid());
    estimate::Estimator* fitted = nullptr;
    {
      auto store = hw::MeasurementStore::open(db.string());
      estimate::FitOptions o;
      o.budget = 20000;
      o.rounds = 0;
      fitted = new estimate::Estimator(estimate::fit_estimator(*target, store, o));
    }
    std::filesystem::remove(db);
    return fitted;
  }();
  return e;
}

void BM_SampleDecode(benchmark::State& state) {
  std::mt19937_64 rng(1);
  for (auto _ : state) benchmark::DoNotOptimize(cls_space().decode(space::sample(cls_space(), rng)).size());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SampleDecode)->Unit(benchmark::kMicrosecond);

void BM_SampleDecodeEstimate(benchmark::State& state) {
  const estimate::Estimator& e = estimator();
  std::mt19937_64 rng(1);
  for (auto _ : state) benchmark::DoNotOptimize(e.latency_s(cls_space().decode(space::sample(cls_space(), rng))));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SampleDecodeEstimate)->Unit(benchmark::kMicrosecond);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  estimator();  // fitted before timing
  hwnas::bench::RateReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  const auto& cpu = reporter.cpu_seconds;
  if (cpu.contains("BM_SampleDecode") && cpu.contains("BM_SampleDecodeEstimate")) {
    const double decode = cpu.at("BM_SampleDecode"), full = cpu.at("BM_SampleDecodeEstimate");
    fmt::print(
        "mobilenet-cls on one core (CPU time): sampled+decoded {:.0f}/s, sampled+decoded+estimated {:.0f}/s "
        "(goal 20,000/s); estimating costs {:.2f}x decoding alone\n",
        1 / decode, 1 / full, full / decode);
  }
  benchmark::Shutdown();
}
