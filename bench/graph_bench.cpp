// Graph IR performance: copy+hash rate (search creates millions of candidates), `inspect`
// (build + analyse) time per zoo model, and how load, analysis and kernel decomposition
// grow with the size of a model file. Each figure is printed with a ratio measured in the
// same run: against rebuilding the graph from its zoo builder, or, for growth, the time at
// 4N over the time at N (about 4 when linear, 16 when quadratic).
//
//   build/bin/graph_bench                  # all
//   build/bin/graph_bench --benchmark_filter=CopyHash
//   build/bin/graph_bench --benchmark_filter=Growth
#include <benchmark/benchmark.h>

#include "rate_reporter.h"
#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "hwnas/estimate/decompose.h"
#include "hwnas/graph/analysis.h"
#include "hwnas/graph/model_file.h"
#include "hwnas/graph/zoo/zoo.h"
#include "hwnas/space/models.h"

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
  for (auto _ : state) benchmark::DoNotOptimize(hwnas::space::build_zoo_model(spec));
  state.SetItemsProcessed(state.iterations());
}

void BM_Inspect(benchmark::State& state, std::string spec) {
  for (auto _ : state) {
    const Graph g = hwnas::space::build_zoo_model(spec);
    benchmark::DoNotOptimize(hwnas::graph::analyze(g, hwnas::graph::Precision::int8));
  }
  state.SetItemsProcessed(state.iterations());
}

// Model files of n layers whose structure stresses one path each:
// - inplace: a chain of relus (every one runs in place on the input's buffer);
// - residual: x_i = add(x_{i-1}, x_{i-2}), every tensor read twice;
// - concat: n relus of the input joined by one concat of n inputs;
// - concats: n/3 steps of relu, concat(previous, relu), 1x1 conv back to 4 channels.
const std::vector<std::string> kGrowthKinds = {"inplace", "residual", "concat", "concats"};
constexpr int kGrowthN = 5000;
constexpr int kGrowthRepeats = 3;

std::string growth_model(const std::string& kind, int n) {
  using nlohmann::json;
  json layers = json::array();
  const auto name = [](char prefix, int i) { return prefix + std::to_string(i); };
  if (kind == "inplace") {
    for (int i = 0; i < n; ++i) layers.push_back({{"op", "relu"}});
  } else if (kind == "residual") {
    layers.push_back({{"op", "relu"}, {"name", "a0"}});
    layers.push_back({{"op", "relu"}, {"name", "a1"}});
    for (int i = 2; i < n; ++i)
      layers.push_back({{"op", "add"}, {"name", name('a', i)},
                        {"inputs", {name('a', i - 1), name('a', i - 2)}}});
  } else if (kind == "concat") {
    json all = json::array();
    for (int i = 0; i < n; ++i) {
      layers.push_back({{"op", "relu"}, {"name", name('r', i)}, {"inputs", "input"}});
      all.push_back(name('r', i));
    }
    layers.push_back({{"op", "concat"}, {"inputs", all}});
  } else {
    std::string prev = "input";
    for (int i = 0; i < n / 3; ++i) {
      layers.push_back({{"op", "relu"}, {"name", name('r', i)}, {"inputs", prev}});
      layers.push_back({{"op", "concat"}, {"name", name('c', i)}, {"inputs", {prev, name('r', i)}}});
      layers.push_back({{"op", "conv2d"}, {"name", name('p', i)}, {"out", 4}, {"inputs", name('c', i)}});
      prev = name('p', i);
    }
  }
  return json{{"name", kind}, {"input", {4, 8, 8}}, {"layers", layers}}.dump();
}

void BM_GrowthLoad(benchmark::State& state, std::string text) {
  for (auto _ : state) benchmark::DoNotOptimize(hwnas::graph::parse_model(text, "<bench>"));
}

void BM_GrowthAnalyse(benchmark::State& state, std::string text) {
  const Graph g = hwnas::graph::parse_model(text, "<bench>");
  for (auto _ : state) benchmark::DoNotOptimize(hwnas::graph::analyze(g, hwnas::graph::Precision::int8));
}

void BM_GrowthDecompose(benchmark::State& state, std::string text) {
  const Graph g = hwnas::graph::parse_model(text, "<bench>");
  using hwnas::hw::FusionPattern;
  const hwnas::hw::FusionRules all{{FusionPattern::conv_bn_act, FusionPattern::conv_add,
                                    FusionPattern::act_pool, FusionPattern::se_gate}};
  for (auto _ : state) benchmark::DoNotOptimize(hwnas::estimate::group_kernels(g, all));
}

const std::vector<std::pair<std::string, void (*)(benchmark::State&, std::string)>> kPhases = {
    {"load", BM_GrowthLoad}, {"analyse", BM_GrowthAnalyse}, {"decompose", BM_GrowthDecompose}};

std::string growth_name(const std::string& phase, const std::string& kind, int n) {
  return "Growth/" + phase + "/" + kind + "/" + std::to_string(n);
}

}  // namespace

int main(int argc, char** argv) {
  for (const auto& model : hwnas::space::zoo_models()) {
    const std::string spec = spec_of(model.name);
    benchmark::RegisterBenchmark(("Build/" + std::string(model.name)).c_str(), BM_Build, spec);
    benchmark::RegisterBenchmark(("Inspect/" + std::string(model.name)).c_str(), BM_Inspect, spec);
  }
  for (const std::string& kind : kGrowthKinds)
    for (const int n : {kGrowthN, 4 * kGrowthN}) {
      const std::string text = growth_model(kind, n);
      for (const auto& [phase, fn] : kPhases)
        benchmark::RegisterBenchmark(growth_name(phase, kind, n).c_str(), fn, text)
            ->Unit(benchmark::kMillisecond)
            ->Repetitions(kGrowthRepeats);
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
  for (const auto& model : hwnas::space::zoo_models()) {
    const std::string name(model.name);
    if (!s.contains("Inspect/" + name)) continue;
    const double inspect = s.at("Inspect/" + name);
    fmt::print("  inspect {:<28} {:>9.1f} us", name, inspect * 1e6);
    if (s.contains("Build/" + name))
      fmt::print("  ({:.2f}x the build time)", inspect / s.at("Build/" + name));
    fmt::print("\n");
  }
  // CPU time of the fastest repetition: on a shared machine it varies least.
  const auto& cpu = reporter.cpu_seconds;
  fmt::print("\ngrowth: CPU time at {} layers / at {} (about 4 when linear, 16 when quadratic)\n",
             4 * kGrowthN, kGrowthN);
  for (const std::string& kind : kGrowthKinds) {
    fmt::print("  {:<9}", kind);
    for (const auto& [phase, fn] : kPhases) {
      const std::string repeats = fmt::format("/repeats:{}", kGrowthRepeats);
      const std::string small = growth_name(phase, kind, kGrowthN) + repeats,
                        large = growth_name(phase, kind, 4 * kGrowthN) + repeats;
      if (cpu.contains(small) && cpu.contains(large))
        fmt::print("  {} {:5.2f} ({:.2f} ms)", phase, cpu.at(large) / cpu.at(small),
                   cpu.at(large) * 1e3);
    }
    fmt::print("\n");
  }
  benchmark::Shutdown();
  return 0;
}
