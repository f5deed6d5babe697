// Small experiments built in memory for the report tests: trials of every status with
// metrics that follow a known trade-off, so tests can tell what the report must show.
#pragma once

#include <cmath>
#include <string>

#include "hwnas/report/search_report.h"
#include "hwnas/search/constraint.h"

namespace hwnas::testing {

/// `n` trials of a 3-gene space: trial i has latency 1 + (i * 7 % n) / n * 4 ms and accuracy
/// growing with latency, plus noise; every 7th trial breaks the latency constraint
/// (infeasible, no accuracy), every 11th failed (no latency). With `accuracy` false the
/// search is latency-only (no accuracy anywhere; objective -latency_ms).
inline report::ExperimentReport synthetic_experiment(const std::string& dir, int n, bool accuracy = true,
                                                     const std::string& space = "toy-space") {
  report::ExperimentReport e;
  search::ExperimentRecord& r = e.record;
  r.dir = dir;
  r.info.space = space;
  r.info.strategy = "evolution";
  r.info.seed = 7;
  r.info.experiment_file = dir + "/exp.yaml";
  r.info.objective_names = {accuracy ? "accuracy" : "-latency_ms"};
  r.info.config_yaml = "space: " + space + "\nstrategy:\n  name: evolution\nobjective:\n  maximize: " +
                       r.info.objective_names[0] + "\n  constraints: [latency_ms <= 4.5]\n";
  e.constraints.push_back(search::parse_constraint("latency_ms <= 4.5", "test"));
  for (int i = 0; i < n; ++i) {
    search::Trial t;
    t.index = i;
    t.genome.genes = {static_cast<std::uint16_t>(i % 5), static_cast<std::uint16_t>(i / 5 % 5),
                      static_cast<std::uint16_t>(i / 25)};
    t.arch = "arch-" + std::to_string(i);
    const double latency = 1 + double(i * 7 % n) / n * 4.5 + (i % 7 == 0 ? 0.5 : 0);
    t.metrics.peak_activation_bytes = 100000 + (i * 13 % n) * 1000;
    t.metrics.weight_bytes = 2000000 + i * 100;
    t.metrics.params = 1000000 + i;
    t.metrics.macs = 300000000 + i;
    if (i % 11 == 10) {
      t.status = search::TrialStatus::failed;
      t.reason = "latency: program exited with status 1";
    } else if (latency > 4.5) {
      t.status = search::TrialStatus::infeasible;
      t.metrics.latency_ms = latency;
      t.reason = "latency_ms " + std::to_string(latency) + " > 4.5";
    } else {
      t.status = search::TrialStatus::ok;
      t.feasible = true;
      t.metrics.latency_ms = latency;
      if (accuracy) {
        t.accuracy_evaluated = true;
        t.metrics.accuracy = 60 + 20 * std::log(latency) / std::log(5.5) + (i * 37 % 10) / 3.0;
      }
    }
    r.fitness.push_back(t.status == search::TrialStatus::ok
                            ? std::vector<double>{accuracy ? *t.metrics.accuracy : -*t.metrics.latency_ms}
                            : std::vector<double>{});
    r.accuracy_evaluations += t.accuracy_evaluated ? 1 : 0;
    r.latency_evaluations += t.metrics.latency_ms ? 1 : 0;
    r.trials.push_back(t);
  }
  report::ExperimentReport::Baseline b;
  b.genome = "2-2-0";
  b.arch = "baseline-arch";
  b.metrics.latency_ms = 3.9;
  b.metrics.peak_activation_bytes = 150000;
  b.metrics.weight_bytes = 3500000;
  e.baseline = b;
  e.best_layers_ms = {{"stem.conv", 0.4}, {"stage1.layer1.expand.conv", 0.9}, {"head.linear", 0.2}};
  e.baseline_layers_ms = {{"stem.conv", 0.4}, {"stage1.layer1.expand.conv", 1.6}, {"stage1.layer2.dw.conv", 1.1},
                          {"head.linear", 0.2}};
  return e;
}

}  // namespace hwnas::testing
