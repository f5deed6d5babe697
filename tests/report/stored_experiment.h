// Experiment stores written as `hwnas search` writes them, without the search loop: genomes
// sampled from the config's space, evaluated by the config's own cost model (a scene
// search's accuracy given, as if trained), committed one step each. For the tests of
// `hwnas report` on real stores.
#pragma once

#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <random>
#include <set>
#include <string>

#include "hwnas/hw/targets/targets.h"
#include "hwnas/search/cost_model.h"
#include "hwnas/search/experiment_config.h"
#include "hwnas/search/experiment_store.h"
#include "hwnas/search/run_search.h"
#include "hwnas/space/registry.h"

namespace hwnas::testing {

/// The store in DIR of the search `config` describes: `trials` distinct genomes sampled
/// from `space` with `seed`, evaluated by `cost`, committed one step each. With `accuracy`,
/// trial i's accuracy is accuracy(i) (evaluated, its fitness), as if trained; with
/// `trial_baseline`, its own trivial baseline (Trial::accuracy_baseline) is trial_baseline(i).
inline void write_store(const std::string& dir, const search::ExperimentConfig& config, const space::Space& space,
                        search::CostModel& cost, std::uint64_t seed, int trials,
                        const std::function<double(std::int64_t)>& accuracy = {},
                        const std::function<double(std::int64_t)>& trial_baseline = {}) {
  search::ExperimentInfo info;
  info.config_yaml = search::normalised_yaml(config.root);
  info.experiment_file = config.file;
  info.base_dir = std::filesystem::absolute(config.file).parent_path().string();
  info.space = space.name();
  info.strategy = "random";
  info.seed = seed;
  info.objective_names = accuracy ? std::vector<std::string>{"accuracy"} : cost.objective_names();
  if (const auto baseline = space.baseline()) info.baseline_genome = space::to_text(*baseline);
  search::ExperimentStore store = search::ExperimentStore::create(dir, info);
  std::mt19937_64 rng(seed);
  std::set<space::Genome> seen;
  for (int i = 0; i < trials;) {
    const space::Genome genome = space::sample(space, rng);
    if (!seen.insert(genome).second) continue;
    search::Trial t = cost.evaluate(genome);
    t.index = i++;
    std::vector<double> fitness = cost.feedback(t).fitness;
    if (accuracy) {
      t.accuracy_evaluated = true;
      t.metrics.accuracy = accuracy(t.index);
      fitness = {*t.metrics.accuracy};
    }
    if (trial_baseline) t.accuracy_baseline = trial_baseline(t.index);
    search::SearchState state;
    state.steps = i;
    store.commit_step({t}, {t.feasible ? fitness : std::vector<double>{}}, state);
  }
}

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
  write_store(dir, config, *space, *search::make_cost_model(config.root, config.file, *space), seed, trials);
}

/// A segmentation search of the scenes as `hwnas search` would store it, without training:
/// the experiment file DIR.yaml (configs/spaces/mobilenet-seg-scenes.yaml, accuracy:
/// train: segmentation, latency on edgetpu-like) and its store in DIR, with `trials`
/// trials whose accuracy (100 x mIoU) is 5 + the trial's index (or accuracy(i)), each with
/// its own all-background baseline (Trial::accuracy_baseline): trial_baseline(i) when given,
/// else `baseline` (none when unset, as a store written before trials kept theirs).
inline void write_scene_experiment(const std::string& dir, int trials, std::optional<double> baseline,
                                   const std::function<double(std::int64_t)>& accuracy = {},
                                   const std::function<double(std::int64_t)>& trial_baseline = {}) {
  const std::string file = dir + ".yaml";
  std::ofstream(file) << "space: " << HWNAS_SOURCE_DIR << "/configs/spaces/mobilenet-seg-scenes.yaml\n"
                         "latency: {target: edgetpu-like}\n"
                         "accuracy:\n  train: {task: segmentation, epochs: 1, scenes: 64, test_scenes: 16}\n"
                         "objective: {maximize: accuracy}\n"
                         "strategy: {name: random}\n"
                         "budget: {trials: " << trials << "}\nseed: 1\n";
  const search::ExperimentConfig config = search::read_experiment_config(file, {});
  const auto space = search::make_experiment_space(config);
  // Latency and memory from the config's latency source; the accuracy is given.
  YAML::Node latency_only = YAML::Clone(config.root);
  latency_only.remove("accuracy");
  latency_only["objective"] = YAML::Load("{maximize: -latency_ms}");
  const auto cost = search::make_cost_model(latency_only, config.file, *space);
  std::function<double(std::int64_t)> own = trial_baseline;
  if (!own && baseline) own = [value = *baseline](std::int64_t) { return value; };
  write_store(dir, config, *space, *cost, 1, trials,
              accuracy ? accuracy : [](std::int64_t i) { return 5.0 + double(i); }, own);
}

}  // namespace hwnas::testing
