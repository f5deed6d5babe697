// A cost model over FakeProblem (experiment_fakes.h) whose Nth accuracy evaluation fails as
// one whose program was killed from outside by a signal (AccuracyResult::killed), for the
// tests of such kills (search_step.cpp, docs/experiments.md).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "search/experiment_fakes.h"

namespace hwnas::search::testing {

class KillingCostModel final : public CostModel {
 public:
  /// Evaluation number `killed_call` (1-based) fails with `failure`, killed by `signal`.
  KillingCostModel(const FakeProblem& problem, int killed_call, int signal, std::string failure)
      : inner_(problem), killed_call_(killed_call), signal_(signal), failure_(std::move(failure)) {}

  Trial screen(const space::Genome& g) override { return inner_.screen(g); }
  std::int32_t rungs() const override { return 1; }
  AccuracyResult evaluate_accuracy(const AccuracyJob& job) const override {
    if (++calls != killed_call_) return inner_.evaluate_accuracy(job);
    AccuracyResult r{job.id, std::nullopt, failure_, 2};
    r.killed = true;
    r.signal = signal_;
    return r;
  }
  Feedback feedback(const Trial& t) const override { return inner_.feedback(t); }
  std::size_t objectives() const override { return 1; }
  std::vector<std::string> objective_names() const override { return {"accuracy"}; }
  std::vector<std::pair<std::string, double>> layer_latency_ms(const graph::Graph&) const override { return {}; }

  mutable int calls = 0;  // evaluate_accuracy calls

 private:
  FakeCostModel inner_;
  int killed_call_;
  int signal_;
  std::string failure_;
};

}  // namespace hwnas::search::testing
