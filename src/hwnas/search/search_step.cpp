// One step of the experiment loop: ask a batch, answer repeats from the records, screen the
// new genomes, run their accuracy evaluations rung by rung through the pool (each result
// committed at once; a copy of an evaluated network answered without running), tell in ask
// order, commit the step (search_step.h).
#include "hwnas/search/search_step.h"

#include <fmt/format.h>

#include <chrono>

#include "hwnas/base/error.h"
#include "hwnas/base/printable.h"
#include "hwnas/search/metrics.h"
#include "hwnas/search/trial_program.h"

namespace hwnas::search {
namespace {

using Clock = std::chrono::steady_clock;

/// The trial of a genome that breaks a validity filter: its exact counts, no evaluation.
std::optional<Trial> filtered(const SearchParts& parts, const space::Genome& genome) {
  if (parts.filters.empty()) return std::nullopt;
  // One analysis serves the filters and, when one breaks, the trial's metrics.
  const graph::Analysis analysis =
      graph::analyze(parts.space.decode(genome), parts.precision, 1, graph::MinOrder::skip);
  const std::optional<std::string> why = space::filter_violation(parts.filters, analysis);
  if (!why) return std::nullopt;
  Trial t;
  t.genome = genome;
  t.arch = parts.space.arch(genome);
  t.status = TrialStatus::infeasible;
  t.feasible = false;
  t.reason = "filter: " + *why;
  t.metrics = analysis_metrics(analysis);
  return t;
}

/// The answers of one rung: each genome's result, and for a copy (a genome whose evaluation
/// key at the rung is an evaluation's already stored or run in this call) what it copies,
/// "trial 3" (CostModel::finish); "" for a result of its own; and that trial's index,
/// unset when its trial was never stored (Trial::copy_of).
struct RungAnswers {
  std::vector<std::optional<AccuracyResult>> results;
  std::vector<std::string> copy_of;
  std::vector<std::optional<std::int64_t>> copy_trial;
};

/// The accuracy of each of `genomes` at `rung`: from the store's evaluations when there,
/// else run through the pool (or in line), each result stored as it arrives. A genome
/// whose evaluation key (CostModel::evaluation_key) is that of a stored evaluation, or of
/// an earlier genome of this call, is not run: it takes that result as a copy, which is
/// neither stored nor counted (the first of a key in ask order runs, whatever the workers).
/// An entry is unset when `stop` kept its job from running or it failed while stop was set
/// (the interruption's failure, not the architecture's: not stored). One whose program was
/// killed from outside (kill -9, the out-of-memory killer, kill) fails its trial, its
/// reason naming who sends that signal, but is not stored either, so a step redone on
/// --resume runs it again; hooks.note says so at once. A result's trivial baseline is
/// stored with it (and a copy takes it too).
RungAnswers evaluate_rung(SearchParts& parts, ExperimentStore& store, LoopRecords& records,
                          const std::vector<space::Genome>& genomes, const std::vector<std::int64_t>& trial_indices,
                          std::int32_t rung, const SearchHooks& hooks) {
  const std::atomic<bool>* stop = hooks.stop;
  RungAnswers out{std::vector<std::optional<AccuracyResult>>(genomes.size()),
                  std::vector<std::string>(genomes.size()),
                  std::vector<std::optional<std::int64_t>>(genomes.size())};
  std::vector<std::optional<AccuracyResult>>& results = out.results;
  std::vector<std::optional<std::uint64_t>> keys(genomes.size());
  std::vector<std::optional<std::size_t>> same_as(genomes.size());  // the genome of this call whose job answers it
  std::map<std::uint64_t, std::size_t> running;                     // key → the genome of this call that runs it
  std::unordered_map<space::Genome, std::int64_t, space::GenomeHash> in_call;  // genome → trial index
  for (std::size_t i = 0; i < genomes.size(); ++i) in_call.emplace(genomes[i], trial_indices[i]);
  // How a copy names the evaluation it takes: its trial, or its architecture when the
  // evaluation's trial was never stored (a step an interruption dropped).
  const auto trial_of = [&](const space::Genome& genome) -> std::optional<std::int64_t> {
    if (const auto it = in_call.find(genome); it != in_call.end()) return it->second;
    if (const auto it = records.evaluated.find(genome); it != records.evaluated.end())
      return static_cast<std::int64_t>(it->second);
    return std::nullopt;
  };
  const auto name_of = [&](const space::Genome& genome) {
    if (const std::optional<std::int64_t> trial = trial_of(genome)) return fmt::format("trial {}", *trial);
    return fmt::format("architecture {}", parts.space.arch(genome));
  };
  std::vector<AccuracyJob> jobs;
  for (std::size_t i = 0; i < genomes.size(); ++i) {
    const auto id = static_cast<std::int64_t>(i);
    if (const auto it = records.evaluations.find({genomes[i], rung}); it != records.evaluations.end()) {
      const StoredEvaluation& e = it->second;
      results[i] = AccuracyResult{id, e.accuracy, e.failure, e.seconds};
      results[i]->baseline = e.baseline;
      continue;
    }
    keys[i] = parts.cost_model.evaluation_key(genomes[i], rung);
    if (keys[i]) {
      if (const auto it = running.find(*keys[i]); it != running.end()) {
        same_as[i] = it->second;
        out.copy_of[i] = fmt::format("trial {}", trial_indices[it->second]);
        out.copy_trial[i] = trial_indices[it->second];
        continue;
      }
      if (const StoredEvaluation* e = records.evaluation_of_key(parts.cost_model, *keys[i], rung)) {
        results[i] = AccuracyResult{id, e->accuracy, e->failure, 0};
        results[i]->baseline = e->baseline;
        out.copy_of[i] = name_of(e->genome);
        out.copy_trial[i] = trial_of(e->genome);
        continue;
      }
      running.emplace(*keys[i], i);
    }
    jobs.push_back({id, genomes[i], rung});
  }
  const auto on_result = [&](const AccuracyResult& r) {
    const auto i = static_cast<std::size_t>(r.id);
    HWNAS_CHECK(r.id >= 0 && i < genomes.size() && !results[i]);
    if (!r.accuracy && stop != nullptr && stop->load()) return;
    if (r.killed) {
      // The trial's stored reason says so too, for the summary and the report (s29 fresh-user finding 11).
      AccuracyResult killed = r;
      killed.failure = fmt::format("{}; not the network's fault ({})", r.failure, kill_cause(r.signal));
      if (hooks.note)
        hooks.note(fmt::format("trial {} failed at rung {}: {}; a step redone by --resume runs it again, a finished "
                               "one keeps it (docs/experiments.md)",
                               trial_indices[i], rung, killed.failure));
      results[i] = std::move(killed);
      return;
    }
    const StoredEvaluation e{genomes[i], rung, r.accuracy, r.failure, r.seconds, r.baseline};
    store.commit_evaluation(e);
    records.evaluations.insert_or_assign({genomes[i], rung}, e);
    if (keys[i]) records.add_key(*keys[i], rung, genomes[i]);
    results[i] = r;
  };
  if (parts.pool != nullptr) {
    parts.pool->run(jobs, on_result, stop);
  } else {
    for (const AccuracyJob& job : jobs) {
      if (stop != nullptr && stop->load()) break;
      on_result(parts.cost_model.evaluate_accuracy(job));
    }
  }
  for (std::size_t i = 0; i < genomes.size(); ++i) {
    if (!same_as[i] || !results[*same_as[i]]) continue;
    results[i] = *results[*same_as[i]];
    results[i]->id = static_cast<std::int64_t>(i);
    results[i]->seconds = 0;
  }
  return out;
}

/// Runs the accuracy evaluations of the step's new trials that await one at
/// `bracket.first_rung`, then those the schedule promotes at each next rung up to the top
/// (FidelitySchedule::promote, over the networks each next rung evaluates: a copy of a
/// promoted network follows it without a place, and is answered there as a copy); each
/// trial is finished at the highest rung it reached. False when `stop` cut them short.
bool evaluate_accuracy(SearchParts& parts, ExperimentStore& store, LoopRecords& records, std::vector<Trial>& fresh,
                       const Bracket& bracket, const SearchHooks& hooks) {
  std::vector<std::size_t> waiting;
  for (std::size_t k = 0; k < fresh.size(); ++k)
    if (parts.cost_model.awaits_accuracy(fresh[k])) waiting.push_back(k);
  const std::int32_t top = parts.cost_model.rungs() - 1;
  HWNAS_CHECK(waiting.empty() || (bracket.first_rung >= 0 && bracket.first_rung <= top));
  std::size_t slots = waiting.size();  // promotion's n: the genomes at the first rung, copies included
  for (std::int32_t rung = bracket.first_rung; !waiting.empty(); ++rung) {
    std::vector<space::Genome> genomes;
    std::vector<std::int64_t> indices;
    for (const std::size_t k : waiting) {
      genomes.push_back(fresh[k].genome);
      indices.push_back(fresh[k].index);
    }
    const RungAnswers answers = evaluate_rung(parts, store, records, genomes, indices, rung, hooks);
    const std::vector<std::optional<AccuracyResult>>& results = answers.results;
    for (std::size_t j = 0; j < waiting.size(); ++j) {
      if (!results[j]) return false;
      parts.cost_model.finish(fresh[waiting[j]], *results[j], rung, answers.copy_of[j], answers.copy_trial[j]);
    }
    if (rung == top) break;
    HWNAS_CHECK(parts.schedule != nullptr && parts.schedule->rungs() == top + 1);
    std::vector<std::optional<double>> accuracies;
    std::vector<std::optional<std::uint64_t>> networks;
    for (std::size_t j = 0; j < waiting.size(); ++j) {
      accuracies.push_back(results[j]->accuracy);
      networks.push_back(accuracies.back() ? parts.cost_model.evaluation_key(fresh[waiting[j]].genome, rung + 1)
                                           : std::nullopt);
    }
    const FidelitySchedule::Promotion promotion = parts.schedule->promote(rung, accuracies, networks, slots);
    std::vector<std::size_t> promoted;
    for (const std::size_t j : promotion.positions) promoted.push_back(waiting.at(j));
    waiting = std::move(promoted);
    slots = promotion.slots;
  }
  return true;
}

}  // namespace

std::optional<std::string> budget_reached(const Budget& budget, std::int64_t trials, std::int64_t evaluations,
                                          double elapsed_s, std::int64_t steps) {
  if (budget.evaluations && evaluations >= *budget.evaluations)
    return "budget reached: " + plural(evaluations, "accuracy evaluation");
  if (budget.trials && trials >= *budget.trials) return "budget reached: " + plural(trials, "trial");
  if (budget.seconds && elapsed_s >= *budget.seconds)
    return fmt::format("budget reached: {:.0f} s of search (budget.seconds {:g})", elapsed_s, *budget.seconds);
  if (budget.seconds && steps > 0) {
    const double mean = elapsed_s / static_cast<double>(steps);
    if (elapsed_s + mean > *budget.seconds)
      return fmt::format("budget reached: {:.0f} s of search, and a step takes {:.0f} s on average: the next would "
                         "end past budget.seconds {:g}",
                         elapsed_s, mean, *budget.seconds);
  }
  return std::nullopt;
}

LoopRecords LoopRecords::load(const ExperimentStore& store) {
  LoopRecords r;
  r.trials = store.trials(&r.fitness);
  for (const Trial& t : r.trials) r.evaluated.emplace(t.genome, static_cast<std::size_t>(t.index));
  for (StoredEvaluation& e : store.evaluations()) {
    auto key = std::pair{e.genome, e.rung};
    r.evaluations.insert_or_assign(std::move(key), std::move(e));
  }
  return r;
}

const StoredEvaluation* LoopRecords::evaluation_of_key(const CostModel& cost, std::uint64_t key, std::int32_t rung) {
  if (keyed_rungs_.insert(rung).second)
    for (const auto& [at, e] : evaluations)
      if (at.second == rung)
        if (const std::optional<std::uint64_t> k = cost.evaluation_key(e.genome, rung))
          keyed_.emplace(std::pair{*k, rung}, e.genome);
  const auto it = keyed_.find({key, rung});
  return it == keyed_.end() ? nullptr : &evaluations.at({it->second, rung});
}

void LoopRecords::add_key(std::uint64_t key, std::int32_t rung, const space::Genome& genome) {
  keyed_.emplace(std::pair{key, rung}, genome);
}

std::optional<std::size_t> run_step(SearchParts& parts, ExperimentStore& store, LoopRecords& records,
                                    SearchState& state, const Bracket& bracket, const StepLimit& limit,
                                    const SearchHooks& hooks) {
  const std::atomic<bool>* stop = hooks.stop;
  const auto start = Clock::now();
  // Where each ask's answer comes from: a stored trial, or a trial new in this step
  // (shared by repeats of its genome within the step).
  struct Answer {
    bool stored = false;
    std::size_t index = 0;  // into records.trials, or into `fresh`
    bool repeat = false;    // answered without an evaluation of its own
  };
  std::vector<space::Genome> asked;
  std::vector<Answer> answers;
  std::vector<Trial> fresh;
  std::unordered_map<space::Genome, std::size_t, space::GenomeHash> in_step;
  std::int64_t awaiting = 0;  // fresh trials that await an accuracy evaluation
  const auto limit_reached = [&] {
    return (limit.trials && static_cast<std::int64_t>(fresh.size()) >= *limit.trials) ||
           (limit.evaluations && awaiting >= *limit.evaluations);
  };
  // Every ask before any tell: the batch is the strategy's, whatever the workers. Each ask is
  // screened as it comes (no tell), so the step stops asking where the budget is reached.
  for (std::int32_t i = 0; i < bracket.candidates && !limit_reached(); ++i) {
    asked.push_back(parts.space.canonical(parts.strategy.ask()));
    const space::Genome& genome = asked.back();
    parts.space.check(genome);
    if (const auto seen = records.evaluated.find(genome); seen != records.evaluated.end()) {
      answers.push_back({true, seen->second, true});
    } else if (const auto again = in_step.find(genome); again != in_step.end()) {
      answers.push_back({false, again->second, true});
    } else {
      std::optional<Trial> trial = filtered(parts, genome);
      if (!trial) trial = parts.cost_model.screen(genome);
      trial->genome = genome;
      trial->index = static_cast<std::int64_t>(records.trials.size() + fresh.size());
      in_step.emplace(genome, fresh.size());
      answers.push_back({false, fresh.size(), false});
      awaiting += parts.cost_model.awaits_accuracy(*trial) ? 1 : 0;
      fresh.push_back(std::move(*trial));
    }
  }

  if (!evaluate_accuracy(parts, store, records, fresh, bracket, hooks)) return std::nullopt;
  // Ctrl-C reaches the programs we run too: a failure while it was set is the
  // interruption's, not the architecture's, so the step is dropped and asked again on --resume.
  if (stop != nullptr && stop->load())
    for (const Trial& t : fresh)
      if (t.status == TrialStatus::failed) return std::nullopt;

  std::vector<std::vector<double>> fitness(fresh.size());
  for (std::size_t i = 0; i < asked.size(); ++i) {
    const Answer& a = answers[i];
    const Trial& trial = a.stored ? records.trials[a.index] : fresh[a.index];
    Feedback feedback = parts.cost_model.feedback(trial);
    feedback.genome = asked[i];
    if (!a.stored && !a.repeat)
      fitness[a.index] = feedback.status == Feedback::Status::ok && trial.feasible ? feedback.fitness
                                                                                   : std::vector<double>{};
    if (a.repeat) {
      ++state.duplicates;
      ++state.duplicate_run;
    } else {
      state.duplicate_run = 0;
    }
    parts.strategy.tell(feedback);
  }
  state.steps += static_cast<std::int64_t>(asked.size());
  state.batches += 1;
  state.elapsed_s += std::chrono::duration<double>(Clock::now() - start).count();
  state.strategy = parts.strategy.state();
  store.commit_step(fresh, fitness, state);
  for (std::size_t k = 0; k < fresh.size(); ++k) {
    records.evaluated.emplace(fresh[k].genome, records.trials.size());
    records.trials.push_back(std::move(fresh[k]));
    records.fitness.push_back(std::move(fitness[k]));
  }
  return fresh.size();
}

}  // namespace hwnas::search
