// Experiment stores written as `hwnas search` writes them, without the search loop: genomes
// sampled from the config's space, evaluated by the config's own cost model, committed
// one step each. For the tests of `hwnas report` on real stores.
#pragma once

#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <string>

#include "hwnas/hw/targets/targets.h"
#include "hwnas/search/cost_model.h"
#include "hwnas/search/experiment_config.h"
#include "hwnas/search/experiment_store.h"
#include "hwnas/space/registry.h"

namespace hwnas::testing {

/// A latency-only search of mobilenet-cls on edgetpu-like: the experiment file
/// DIR.yaml and its store in DIR with `trials` trials (0: the store alone).
inline void write_stored_experiment(const std::string& dir, int trials, std::uint64_t seed = 1) {
  const std::string file = dir + ".yaml";
  std::ofstream(file) << "space: mobilenet-cls\n"
                         "latency: {target: edgetpu-like}\n"
                         "objective:\n  maximize: -latency_ms\n  constraints: [latency_ms <= 3.5]\n"
                         "strategy: {name: random}\n"
                         "budget: {trials: " << std::max(trials, 1) << "}\n"
                         "seed: " << seed << "\n";
  const search::ExperimentConfig config = search::read_experiment_config(file, {});
  const auto p = hw::make_target("edgetpu-like")->parallelism_factor();
  const auto space = space::make_space("mobilenet-cls", space::space_options_for_target(p, "edgetpu-like"));
  const auto cost = search::make_cost_model(config.root, config.file, *space);
  search::ExperimentInfo info;
  info.config_yaml = search::normalised_yaml(config.root);
  info.experiment_file = file;
  info.base_dir = std::filesystem::absolute(file).parent_path().string();
  info.space = space->name();
  info.strategy = "random";
  info.seed = seed;
  info.objective_names = cost->objective_names();
  if (const auto baseline = space->baseline()) info.baseline_genome = space::to_text(*baseline);
  search::ExperimentStore store = search::ExperimentStore::create(dir, info);
  std::mt19937_64 rng(seed);
  std::set<space::Genome> seen;
  for (int i = 0; i < trials;) {
    const space::Genome genome = space::sample(*space, rng);
    if (!seen.insert(genome).second) continue;
    search::Trial t = cost->evaluate(genome);
    t.index = i++;
    const search::Feedback f = cost->feedback(t);
    search::SearchState state;
    state.steps = i;
    store.commit_step({t}, {t.feasible ? f.fitness : std::vector<double>{}}, state);
  }
}

}  // namespace hwnas::testing
