// Graph IR performance: copy+hash rate (search creates millions of candidates) and
// `inspect` (build + analyse) time per zoo model. Each figure is printed with a ratio to a
// baseline measured in the same run: rebuilding the graph from its zoo builder.
//
//   build/bench/graph_bench                  # all
//   build/bench/graph_bench --benchmark_filter=CopyHash
#include <benchmark/benchmark.h>

#include "rate_reporter.h"
#include <fmt/format.h>

#include <map>
#include <string>

#include "hwnas/graph/analysis.h"
#include "hwnas/graph/zoo/zoo.h"

namespace {

using hwnas::graph::Graph;

const char* const kNb201 =
    "nb201:arch=|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|"
    "skip_connect~2|";
const char* const kFbnet =
    "fbnet:blocks=k5_e6-skip-k3_e1_g2-skip-k5_e1-skip-skip-skip-k5_e6-k5_e1-k3_e1_g2-k5_e1-"
    "k5_e6-k3_e6-k3_e3-k5_e6-k3_e6-k3_e3-k5_e1-k3_e3-k5_e1-k5_e1_g2";

std::string spec_of(std::string_view name) {
  if (name == "nb201") return kNb201;
  if (name == "fbnet") return kFbnet;
  return std::string(name);
}

void BM_CopyHash(benchmark::State& state) {
  const Graph g = hwnas::graph::build_zoo_model("mobilenet_v2");
  std::uint64_t sink = 0;
  for (auto _ : state) {
    Graph copy = g;
    sink ^= copy.hash();
    benchmark::DoNotOptimize(copy);
  }
  benchmark::DoNotOptimize(sink);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CopyHash)->Name("CopyHash/mobilenet_v2");

void BM_Build(benchmark::State& state, std::string spec) {
  for (auto _ : state) benchmark::DoNotOptimize(hwnas::graph::build_zoo_model(spec));
  state.SetItemsProcessed(state.iterations());
}

void BM_Inspect(benchmark::State& state, std::string spec) {
  for (auto _ : state) {
    const Graph g = hwnas::graph::build_zoo_model(spec);
    benchmark::DoNotOptimize(hwnas::graph::analyze(g, hwnas::graph::Precision::int8));
  }
  state.SetItemsProcessed(state.iterations());
}

// Collects mean real time per benchmark so main can print ratios.

}  // namespace

int main(int argc, char** argv) {
  for (const auto& model : hwnas::graph::zoo_models()) {
    const std::string spec = spec_of(model.name);
    benchmark::RegisterBenchmark(("Build/" + std::string(model.name)).c_str(), BM_Build, spec);
    benchmark::RegisterBenchmark(("Inspect/" + std::string(model.name)).c_str(), BM_Inspect, spec);
  }
  benchmark::Initialize(&argc, argv);
  hwnas::bench::RateReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  const auto& s = reporter.seconds;
  fmt::print("\nsummary (one core; ratios against rebuilding from the zoo builder, same run)\n");
  if (s.contains("CopyHash/mobilenet_v2")) {
    const double copy = s.at("CopyHash/mobilenet_v2");
    fmt::print("  copy+hash mobilenet_v2: {:.0f}/s (goal >= 100000/s: {})", 1 / copy,
               1 / copy >= 100000 ? "met" : "NOT met");
    if (s.contains("Build/mobilenet_v2"))
      fmt::print(", {:.1f}x faster than rebuilding", s.at("Build/mobilenet_v2") / copy);
    fmt::print("\n");
  }
  for (const auto& model : hwnas::graph::zoo_models()) {
    const std::string name(model.name);
    if (!s.contains("Inspect/" + name)) continue;
    const double inspect = s.at("Inspect/" + name);
    fmt::print("  inspect {:<28} {:>9.1f} us", name, inspect * 1e6);
    if (s.contains("Build/" + name))
      fmt::print("  ({:.2f}x the build time)", inspect / s.at("Build/" + name));
    fmt::print("\n");
  }
  benchmark::Shutdown();
  return 0;
}
