#include "hwnas/search/cost_model.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <unordered_map>

#include "hwnas/base/error.h"
#include "hwnas/search/accuracy_source.h"
#include "hwnas/search/experiment_input.h"
#include "hwnas/search/latency_source.h"
#include "hwnas/search/metrics.h"
#include "hwnas/search/objective.h"
#include "hwnas/search/trial_program.h"

namespace hwnas::search {
namespace {

constexpr std::int64_t kMaxBatch = 65536;
using Clock = std::chrono::steady_clock;

class ExperimentCostModel : public CostModel {
 public:
  ExperimentCostModel(const space::Space& space, graph::Precision precision, std::int32_t batch,
                      std::unique_ptr<LatencySource> latency, std::vector<std::unique_ptr<AccuracySource>> accuracy,
                      Objective objective)
      : space_(space),
        precision_(precision),
        batch_(batch),
        latency_(std::move(latency)),
        accuracy_(std::move(accuracy)),
        objective_(std::move(objective)) {
    for (const Constraint& c : objective_.constraints())
      has_budget_ |= c.at_most && (is_cheap(c.metric) || latency_ != nullptr);
    first_top_family_rung_ = rungs() - 1;
    while (first_top_family_rung_ > 0 &&
           accuracy_[static_cast<std::size_t>(first_top_family_rung_ - 1)]->family() == accuracy_.back()->family())
      --first_top_family_rung_;
  }

  Trial screen(const space::Genome& genome) override {
    const auto start = Clock::now();
    Trial t = screen_untimed(genome);
    t.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    return t;
  }

  std::int32_t rungs() const override { return static_cast<std::int32_t>(accuracy_.size()); }

  AccuracyResult evaluate_accuracy(const AccuracyJob& job) const override {
    HWNAS_CHECK(job.rung >= 0 && job.rung < rungs());
    const auto start = Clock::now();
    AccuracyResult r;
    r.id = job.id;
    try {
      const graph::Graph network = space_.decode(job.genome);
      const std::string arch = space_.arch(job.genome);
      AccuracySource& source = *accuracy_[static_cast<std::size_t>(job.rung)];
      const Candidate candidate{job.genome, arch, network};
      r.accuracy = source.accuracy(candidate);
      r.baseline = source.baseline(candidate);
    } catch (const ProgramKilled& e) {
      r.failure = e.what();
      r.killed = true;
      r.signal = e.signal();
    } catch (const UserError& e) {
      r.failure = e.what();
    }
    r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    return r;
  }

  std::optional<std::uint64_t> evaluation_key(const space::Genome& genome, std::int32_t rung) const override {
    HWNAS_CHECK(rung >= 0 && rung < rungs());
    try {
      const graph::Graph network = space_.decode(genome);
      const std::string arch = space_.arch(genome);
      return accuracy_[static_cast<std::size_t>(rung)]->evaluation_key({genome, arch, network});
    } catch (const UserError&) {  // the evaluation fails, saying why
      return std::nullopt;
    }
  }

  std::optional<double> budget_use(const space::Genome& genome) override {
    if (!has_budget_) return std::nullopt;
    Metrics metrics;
    try {
      const graph::Graph network = space_.decode(genome);
      metrics = network_metrics(network, precision_, batch_);
      if (latency_) metrics.latency_ms = latency_ms({genome, space_.arch(genome), network});
    } catch (const UserError&) {
      return std::nullopt;
    }
    double use = 0;
    for (const Constraint& c : objective_.constraints()) {
      const std::optional<double> value = metric_value(metrics, c.metric);
      if (!value) continue;
      if (c.at_most) use = std::max(use, *value / c.limit);
      else if (!c.holds(*value)) use = std::max(use, 1 + c.excess(*value));  // a `>=` that holds adds nothing
    }
    return use;
  }

  Feedback feedback(const Trial& trial) const override {
    Feedback f;
    f.genome = trial.genome;
    switch (trial.status) {
      case TrialStatus::ok:
        f.status = Feedback::Status::ok;
        f.fitness = objective_.fitness(trial.metrics);
        break;
      case TrialStatus::infeasible: f.status = Feedback::Status::infeasible; break;
      case TrialStatus::failed: f.status = Feedback::Status::failed; break;
    }
    for (const Constraint& c : objective_.constraints())
      if (const std::optional<double> v = metric_value(trial.metrics, c.metric)) f.violation += c.excess(*v);
    if (f.status == Feedback::Status::ok && screened_out(trial)) {
      // Its accuracy is on its rung's scale (a proxy percentile, a shared-weight top-1), not
      // the top rung's: told as infeasible, so it ranks below every candidate measured by
      // the top family, by the rung it reached, then by its value there (docs/hybrid.md).
      const auto above = static_cast<double>(first_top_family_rung_ - trial.rung);
      f.status = Feedback::Status::infeasible;
      f.fitness.clear();
      f.violation = above - trial.metrics.accuracy.value_or(0) / 101;
    }
    return f;
  }

  std::size_t objectives() const override { return objective_.terms().size(); }
  std::vector<std::string> objective_names() const override { return objective_.names(); }

  std::vector<std::pair<std::string, double>> layer_latency_ms(const graph::Graph& network) const override {
    return latency_ ? latency_->layer_latency_ms(network) : std::vector<std::pair<std::string, double>>{};
  }

 private:
  Trial screen_untimed(const space::Genome& genome) {
    Trial t;
    t.genome = genome;
    t.arch = space_.arch(genome);
    graph::Graph network;
    try {
      network = space_.decode(genome);
      t.metrics = network_metrics(network, precision_, batch_);
    } catch (const UserError& e) {
      return failed(std::move(t), fmt::format("decoding or analysing the network failed: {}", e.what()));
    }
    if (broken(t, /*cheap=*/true)) return t;
    if (latency_) {
      try {
        t.metrics.latency_ms = latency_ms({t.genome, t.arch, network});
      } catch (const UserError& e) {
        return failed(std::move(t), fmt::format("latency: {}", e.what()));
      }
      if (broken(t, /*cheap=*/false)) return t;
    }
    t.feasible = true;
    t.status = TrialStatus::ok;
    return t;
  }

  /// Whether `t` ended at a rung of another family than the top rung's (a proxy or supernet
  /// rung below training) without being promoted past it.
  bool screened_out(const Trial& t) const {
    return (t.accuracy_evaluated || t.metrics.accuracy) && t.rung < first_top_family_rung_;
  }

  static Trial failed(Trial t, std::string reason) {
    t.status = TrialStatus::failed;
    t.reason = std::move(reason);
    return t;
  }

  /// Marks `t` infeasible with every broken constraint of the stage (cheap: memory and
  /// counts; else latency) in its reason.
  bool broken(Trial& t, bool cheap) const {
    for (const Constraint& c : objective_.constraints()) {
      if (is_cheap(c.metric) != cheap) continue;
      const double value = metric_value(t.metrics, c.metric).value();
      if (c.holds(value)) continue;
      t.status = TrialStatus::infeasible;
      t.reason += (t.reason.empty() ? "" : "; ") + c.reason(value);
    }
    return t.status == TrialStatus::infeasible;
  }

  double latency_ms(const Candidate& c) {
    if (const auto it = latency_cache_.find(c.genome); it != latency_cache_.end()) return it->second;
    const double ms = latency_->latency_ms(c);
    latency_cache_.emplace(c.genome, ms);
    return ms;
  }

  const space::Space& space_;
  graph::Precision precision_;
  std::int32_t batch_;
  std::unique_ptr<LatencySource> latency_;  // null: no latency source
  std::vector<std::unique_ptr<AccuracySource>> accuracy_;  // one per fidelity rung; empty: latency only
  Objective objective_;
  std::unordered_map<space::Genome, double, space::GenomeHash> latency_cache_;
  bool has_budget_ = false;  // a `<=` constraint whose metric this cost model computes
  std::int32_t first_top_family_rung_ = 0;  // this rung and those above: the top rung's family
};

}  // namespace

void CostModel::finish(Trial& trial, const AccuracyResult& result, std::int32_t rung,
                       const std::string& copy_of, std::optional<std::int64_t> copy_trial) const {
  trial.rung = rung;
  trial.copy_of = copy_of.empty() ? std::nullopt : copy_trial;
  trial.accuracy_baseline = result.accuracy ? result.baseline : std::nullopt;
  const std::string prefix = rungs() > 1 ? fmt::format("accuracy at rung {}: ", rung) : std::string("accuracy: ");
  if (!copy_of.empty()) trial.copied_rungs |= 1U << rung;
  if (copy_of.empty()) {
    trial.accuracy_evaluated = true;
    trial.seconds += result.seconds;
    trial.reason.clear();  // a lower rung's copy note
  }
  if (result.accuracy) {
    trial.metrics.accuracy = result.accuracy;
    if (!copy_of.empty())
      trial.reason = fmt::format("{}as {}, the same network (not evaluated again)", prefix, copy_of);
    return;
  }
  trial.metrics.accuracy.reset();
  trial.status = TrialStatus::failed;
  trial.reason = prefix + result.failure;
  if (!copy_of.empty()) trial.reason += fmt::format(" (as {}, the same network)", copy_of);
}

Trial CostModel::evaluate(const space::Genome& genome) {
  Trial t = screen(genome);
  if (awaits_accuracy(t)) {
    const std::int32_t top = rungs() - 1;
    finish(t, evaluate_accuracy({0, genome, top}), top);
  }
  return t;
}

struct CostModelPlan::Parts {
  const space::Space& space;
  graph::Precision precision;
  std::int32_t batch;
  std::unique_ptr<LatencySource> latency;
  std::vector<PlannedSource> accuracy;
  Objective objective;
};

CostModelPlan::CostModelPlan(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}
CostModelPlan::CostModelPlan(CostModelPlan&&) noexcept = default;
CostModelPlan& CostModelPlan::operator=(CostModelPlan&&) noexcept = default;
CostModelPlan::~CostModelPlan() = default;

std::size_t CostModelPlan::objectives() const { return parts_->objective.terms().size(); }

std::vector<InputDigest> CostModelPlan::accuracy_inputs() const {
  std::vector<InputDigest> all;
  for (const PlannedSource& source : parts_->accuracy) all.insert(all.end(), source.inputs.begin(), source.inputs.end());
  return all;
}

std::unique_ptr<CostModel> CostModelPlan::start() {
  HWNAS_CHECK(parts_ != nullptr);
  const std::unique_ptr<Parts> p = std::move(parts_);
  return std::make_unique<ExperimentCostModel>(p->space, p->precision, p->batch, std::move(p->latency),
                                               start_accuracy_sources(std::move(p->accuracy)),
                                               std::move(p->objective));
}

CostModelPlan plan_cost_model(const YAML::Node& experiment, const std::string& file, const space::Space& space,
                              const std::set<std::string>& set_keys, const EvaluationsAtOnce& at_once) {
  const ExperimentSection top(experiment, file, "", set_keys);
  const auto batch = static_cast<std::int32_t>(top.integer("batch", 1, kMaxBatch, 1));

  // The objective first: its errors need no table read, no estimator loaded.
  if (!top.has("objective"))
    top.fail("objective", "missing; give e.g. objective: {maximize: accuracy, constraints: [latency_ms <= 4]}");
  Objective objective = Objective::parse(top.section("objective"), top.has("accuracy"), top.has("latency"));
  std::unique_ptr<LatencySource> latency;
  if (top.has("latency")) latency = make_latency_source(top.section("latency"), space, batch, "batch");
  std::vector<PlannedSource> accuracy = plan_accuracy_sources(experiment, file, space, set_keys, at_once);

  const std::optional<graph::Precision> source_precision = latency ? latency->precision() : std::nullopt;
  graph::Precision precision = source_precision.value_or(graph::Precision::fp32);
  if (top.has("precision")) {
    const std::string text = top.text("precision");
    if (!graph::parse_precision(text, precision)) top.fail("precision", fmt::format("must be int8, fp16 or fp32, got '{}'", text));
    if (source_precision && *source_precision != precision)
      top.fail("precision", fmt::format("is {}, but the latency source runs at {}; remove precision: (memory then "
                                        "follows the latency source) or use a source of {}",
                                        text, graph::precision_name(*source_precision), text));
  }
  return CostModelPlan(std::unique_ptr<CostModelPlan::Parts>(new CostModelPlan::Parts{
      space, precision, batch, std::move(latency), std::move(accuracy), std::move(objective)}));
}

std::unique_ptr<CostModel> make_cost_model(const YAML::Node& experiment, const std::string& file,
                                           const space::Space& space, const std::set<std::string>& set_keys,
                                           const EvaluationsAtOnce& at_once) {
  return plan_cost_model(experiment, file, space, set_keys, at_once).start();
}

}  // namespace hwnas::search
