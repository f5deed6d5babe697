// An experiment's objective (docs/experiments.md, "Objective"): hard constraints, then
// what the search maximises — accuracy, MnasNet's or TuNAS's reward, minus a cost metric,
// or several of these at once (a Pareto search).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "hwnas/search/constraint.h"
#include "hwnas/search/experiment_input.h"
#include "hwnas/search/trial.h"

namespace hwnas::search {

class Objective {
 public:
  /// One value the search maximises.
  struct Term {
    enum class Kind : std::uint8_t {
      accuracy,        // the accuracy source's value
      minus_metric,    // -metric, e.g. -latency_ms: minimise the metric
      mnasnet_reward,  // ACC · (LAT/T)^w, w = alpha when LAT <= T, else beta (Tan et al. 2019, Eq. 2)
      tunas_reward,    // ACC + 100 · beta · |LAT/T − 1| (Bender et al. 2020, absolute reward)
    } kind = Kind::accuracy;
    Metric metric = Metric::latency_ms;  // for minus_metric
    std::string name;                    // as written: "accuracy", "-latency_ms", "mnasnet_reward"
  };

  /// Reads the `objective:` section (keys constraints, maximize, reward). `has_accuracy`
  /// and `has_latency` say which sources the experiment has: a term or constraint that
  /// needs a missing one is a UserError naming the key and the section to add.
  static Objective parse(const ExperimentSection& section, bool has_accuracy, bool has_latency);

  const std::vector<Constraint>& constraints() const { return constraints_; }
  const std::vector<Term>& terms() const { return terms_; }
  std::vector<std::string> names() const;

  /// The values to maximise, one per term, of metrics that hold every value the terms
  /// need (accuracy, latency; InternalError otherwise).
  std::vector<double> fitness(const Metrics& metrics) const;

 private:
  std::vector<Constraint> constraints_;
  std::vector<Term> terms_;
  double target_ms_ = 0;       // T of the rewards
  double alpha_ = -0.07;       // MnasNet: exponent when LAT <= T
  double beta_ = -0.07;        // MnasNet: exponent when LAT > T; TuNAS: the penalty weight
};

}  // namespace hwnas::search
