// Issue 12 §3's transfer figure (docs/transfer.md, "Measured"): patterns from a search of
// one space applied to another space's baseline, against a fresh search of that space.
//
//   transfer_bench OUT_DIR [SEED ...]      (default seeds 1 2 3)
//
// For each seed, objective variant and direction (mobilenet-det's block search -> the
// zoo's mobilenet_v2, and mobilenet-cls's -> ssdlite_mobilenet_v2), it runs both block
// searches of bench/transfer/ (edgetpu-like, 1,000 trials each), reads the source's
// patterns, plans the model, and measures on edgetpu-like: the model, the model after the
// plan, and the fastest Pareto member of the fresh search of the model's own space (whose
// baseline the model is). Prints one row each: latencies, the two reductions and their
// ratio (the done-when asks for >= 2/3). Writes the searches, and per row the rewritten
// model (.yaml) and the patterns and plan as text (.txt), to OUT_DIR (which must not exist).
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "hwnas/advise/transfer.h"
#include "hwnas/base/error.h"
#include "hwnas/estimate/measure_network.h"
#include "hwnas/graph/model_file.h"
#include "hwnas/hw/targets/targets.h"
#include "hwnas/search/run_search.h"
#include "hwnas/space/models.h"

namespace {

namespace fs = std::filesystem;
using namespace hwnas;

struct Variant {
  std::string name;
  std::vector<std::string> sets;  // --set overrides of the bench configs
};

double latency_ms(const graph::Graph& g) {
  const std::unique_ptr<hw::Target> target = hw::make_target("edgetpu-like");
  return estimate::measure_network(g, *target).latency_s * 1e3;
}

std::string run_block_search(const std::string& space, const Variant& v, std::uint64_t seed, const fs::path& out) {
  const std::string config = fmt::format("{}/bench/transfer/{}-blocks-edgetpu.yaml", HWNAS_SOURCE_DIR, space);
  std::vector<std::string> sets = v.sets;
  sets.push_back(fmt::format("seed={}", seed));
  const std::string dir = (out / fmt::format("{}-{}-seed{}", space, v.name, seed)).string();
  search::run_search(search::read_experiment_config(config, sets), dir, false, {});
  return dir;
}

// The latency of the fastest Pareto member of the experiment in `dir`.
double fastest_pareto_ms(const std::string& dir) {
  const search::ExperimentRecord r = search::read_experiment(dir);
  double best = 1e300;
  for (const std::size_t t : search::pareto_trials(r)) best = std::min(best, *r.trials[t].metrics.latency_ms);
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: transfer_bench OUT_DIR [SEED ...]\n";
    return 2;
  }
  const fs::path out = argv[1];
  if (fs::exists(out)) {
    std::cerr << out << " exists; give a new directory\n";
    return 2;
  }
  std::vector<std::uint64_t> seeds;
  for (int i = 2; i < argc; ++i) seeds.push_back(std::stoull(argv[i]));
  if (seeds.empty()) seeds = {1, 2, 3};
  const std::vector<Variant> variants = {
      {"latency", {}},
      {"latency-weights",
       {"objective={maximize: [-latency_ms, -weight_bytes]}", "strategy={name: nsga2, population: 32}"}}};
  struct Direction {
    std::string from, to, model;
  };
  const std::vector<Direction> directions = {{"det", "cls", "mobilenet_v2"}, {"cls", "det", "ssdlite_mobilenet_v2"}};
  try {
    fmt::print("{:<16} {:>4} {:<8} {:<22} {:>9} {:>9} {:>6} {:>9} {:>7} {:>7} {:>6}\n", "objectives", "seed", "patterns",
               "model", "model_ms", "plan_ms", "steps", "fresh_ms", "plan_%", "fresh_%", "ratio");
    for (const Variant& v : variants) {
      for (const std::uint64_t seed : seeds) {
        const std::string det = run_block_search("det", v, seed, out), cls = run_block_search("cls", v, seed, out);
        for (const Direction& d : directions) {
          const advise::TransferPatterns patterns = advise::read_patterns(d.from == "det" ? det : cls);
          const graph::Graph model = space::load_model(d.model);
          const advise::TransferPlan plan = advise::make_transfer_plan(model, patterns);
          const fs::path stem = out / fmt::format("{}-from-{}-{}-seed{}", d.model, d.from, v.name, seed);
          graph::save_model_file(plan.rewritten, stem.string() + ".yaml");
          std::ofstream(stem.string() + ".txt") << advise::patterns_text(patterns) << advise::plan_text(plan);
          const double base = latency_ms(model), planned = latency_ms(plan.rewritten);
          const double fresh = fastest_pareto_ms(d.to == "det" ? det : cls);
          fmt::print("{:<16} {:>4} {:<8} {:<22} {:>9.3f} {:>9.3f} {:>6} {:>9.3f} {:>7.1f} {:>7.1f} {:>6.2f}\n", v.name,
                     seed, d.from, d.model, base, planned, plan.steps.size(), fresh, 100 * (base - planned) / base,
                     100 * (base - fresh) / base, (base - planned) / (base - fresh));
        }
      }
    }
  } catch (const UserError& e) {
    std::cerr << "transfer_bench: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
