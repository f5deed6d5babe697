// The cost model of a search: metrics of a candidate (accuracy, latency, memory), hard
// constraints, and the objective values a strategy maximises.
//
// Cheap metrics (memory and counts from graph analysis, then latency) are computed first;
// a candidate that breaks a hard constraint is recorded as infeasible with its reason and
// never costs an accuracy evaluation. Sources and objectives: docs/experiments.md.
#pragma once

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "hwnas/search/accuracy_pool.h"
#include "hwnas/search/input_digest.h"
#include "hwnas/search/strategy.h"
#include "hwnas/search/trial.h"
#include "hwnas/space/space.h"

namespace hwnas::search {

class CostModel {
 public:
  virtual ~CostModel() = default;

  /// The cheap part of an evaluation, on the loop's thread: decodes `genome` (canonical),
  /// computes its memory, counts and latency and checks the hard constraints. The trial is
  /// final when infeasible or failed (a constraint broken, the network undecodable, the
  /// latency source failing), or ok and feasible when rungs() is 0 (no accuracy source);
  /// otherwise it is ok and feasible, awaiting accuracy (awaits_accuracy), which finish()
  /// adds. `seconds` is this call's wall time; `index` is left for the caller. Never throws
  /// for a failing candidate; throws UserError only for errors of the experiment's own
  /// files that make every trial fail (found at construction where possible).
  virtual Trial screen(const space::Genome& genome) = 0;

  /// Fidelity rungs of the accuracy source (one source per rung; the last is full
  /// fidelity): 1 for single fidelity, 0 when the experiment has no accuracy source.
  virtual std::int32_t rungs() const = 0;

  /// The expensive part: the accuracy of `job.genome` at `job.rung` (< rungs()). Never
  /// throws for a failing evaluation (a crashed program, garbage output, a missing CSV
  /// row): result.failure says why in one line. Safe to call from several threads at once
  /// (the accuracy sources are; accuracy_pool.h runs it so).
  virtual AccuracyResult evaluate_accuracy(const AccuracyJob& job) const = 0;

  /// What the accuracy source of `rung` evaluates for `genome` (AccuracySource::
  /// evaluation_key of the decoded candidate): genomes of one key at one rung are one
  /// evaluation, the loop runs the first and answers the others with its result (copies,
  /// counted as no evaluation). nullopt: every genome its own (the default, the test
  /// doubles', and a genome that does not decode). Needs no started program.
  virtual std::optional<std::uint64_t> evaluation_key(const space::Genome&, std::int32_t /*rung*/) const {
    return std::nullopt;
  }

  /// Whether `trial`, from screen(), waits for an accuracy evaluation.
  bool awaits_accuracy(const Trial& trial) const {
    return rungs() > 0 && trial.status == TrialStatus::ok && trial.feasible && !trial.accuracy_evaluated &&
           !trial.metrics.accuracy;
  }

  /// Adds an accuracy evaluation of `trial` at `rung` to it: its accuracy (a later rung's
  /// replaces an earlier one's), or status failed with reason "accuracy: FAILURE" ("accuracy
  /// at rung R: ..." with several rungs); rung, accuracy_evaluated, seconds += result's.
  /// With `copy_of` (e.g. "trial 3"), the result is that evaluation's, answered without
  /// running (evaluation_key): accuracy_evaluated and seconds are left as they are, and the
  /// reason says "accuracy: as trial 3, the same network (not evaluated again)" (or the
  /// failure's reason, then that); `copy_trial` is that trial's index (Trial::copy_of),
  /// unset when its trial was never stored; Trial::copied_rungs gets the rung's bit.
  void finish(Trial& trial, const AccuracyResult& result, std::int32_t rung, const std::string& copy_of = "",
              std::optional<std::int64_t> copy_trial = std::nullopt) const;

  /// screen() then, when the trial awaits accuracy, evaluate_accuracy() at the top rung
  /// and finish(), on this thread: one whole evaluation (reports, tests and benches).
  Trial evaluate(const space::Genome& genome);

  /// How much of the hard constraints' budget `genome` uses, from its cheap metrics alone
  /// (graph analysis and latency; never accuracy): the largest value / limit over the `<=`
  /// constraints on cheap metrics, so 1 is at a limit and above 1 breaks one (a broken `>=`
  /// constraint gives 1 + its excess). nullopt when the objective has no `<=` constraint on
  /// a cheap metric, or the network cannot be decoded or timed (screen() then says why).
  /// Strategies try the candidates that use more of the budget first (local search's
  /// `order: budget`): under a latency limit the most accurate feasible networks are
  /// usually near it (docs/strategies.md measures it on NAS-Bench-201).
  virtual std::optional<double> budget_use(const space::Genome&) { return std::nullopt; }
  /// The strategy's view of a trial: status, fitness (size objectives()), violation. A
  /// trial that a rung of another family than the top rung's stopped (a proxy or supernet
  /// rung below training: its accuracy is on that rung's scale) is told as infeasible with
  /// violation (rungs of the top family above it) - accuracy / 101, so that it ranks below
  /// every trial the top family measured, by rung, then by its value (docs/hybrid.md).
  virtual Feedback feedback(const Trial& trial) const = 0;

  /// Number of objective values Feedback::fitness holds (1 unless Pareto).
  virtual std::size_t objectives() const = 0;

  /// Names of the objective values, e.g. {"accuracy"} or {"accuracy", "-latency_ms"}.
  virtual std::vector<std::string> objective_names() const = 0;

  /// Per-layer latency in ms of a network, (layer or kernel name, ms), in execution
  /// order, when the latency source can split it (kernel estimators, targets); empty
  /// otherwise. For the report.
  virtual std::vector<std::pair<std::string, double>> layer_latency_ms(const graph::Graph& network) const = 0;
};

/// Builds the cost model from an experiment file's `latency:`, `accuracy:`, `objective:`
/// (and `precision:`/`batch:` if present) sections. `file` names the experiment file in
/// errors: UserError "FILE: KEY: ..." for unknown or misspelt keys, wrong types, units,
/// missing sources, a CSV without the architecture column. The cost model keeps a
/// reference to `space`, which must outlive it. `set_keys`: the keys hwnas search --set gave
/// (ExperimentConfig::set_keys); errors about them say "(from --set)" (experiment_input.h).
/// `at_once`: the accuracy evaluations that run at once on this machine (a training's
/// scenes must fit that many times: make_train_accuracies).
std::unique_ptr<CostModel> make_cost_model(const YAML::Node& experiment, const std::string& file,
                                           const space::Space& space, const std::set<std::string>& set_keys = {},
                                           const EvaluationsAtOnce& at_once = {});

/// make_cost_model in two steps, so that a search reports every error of its config (the
/// schedule's, the strategy's, a resumed store's) before anything slow starts: a hybrid's
/// proxy reference sample and supernet probe take tens of seconds.
class CostModelPlan {
 public:
  CostModelPlan(CostModelPlan&&) noexcept;
  CostModelPlan& operator=(CostModelPlan&&) noexcept;
  ~CostModelPlan();

  /// As CostModel::objectives() will be.
  std::size_t objectives() const;
  /// The accuracy sources' files and their digests (PlannedSource::inputs), rung by rung:
  /// the store keeps them, and --resume refuses one that changed.
  std::vector<InputDigest> accuracy_inputs() const;
  /// Starts the accuracy sources (their errors: make_accuracy_sources') and returns the
  /// cost model. Once.
  std::unique_ptr<CostModel> start();

 private:
  friend CostModelPlan plan_cost_model(const YAML::Node&, const std::string&, const space::Space&,
                                       const std::set<std::string>&, const EvaluationsAtOnce&);
  struct Parts;
  explicit CostModelPlan(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

/// Every check of make_cost_model that needs nothing started (all but the accuracy
/// sources' start-up: accuracy_source.h, plan_accuracy_sources); the same errors.
CostModelPlan plan_cost_model(const YAML::Node& experiment, const std::string& file, const space::Space& space,
                              const std::set<std::string>& set_keys = {}, const EvaluationsAtOnce& at_once = {});

}  // namespace hwnas::search
