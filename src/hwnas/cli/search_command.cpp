// hwnas search EXP.yaml --out DIR [--resume] [--set KEY=VALUE]... [--json]
// (docs/experiments.md), also as `mpirun -np N hwnas search ...` (docs/parallel.md): rank 0
// runs the search with the MPI pool, the other ranks evaluate accuracies. The loop and the
// store are search/run_search.h's, the MPI pool parallel/mpi_pool.h's; this file parses,
// gives each rank its part, shows progress, handles Ctrl-C and prints.
#include <fmt/format.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cmath>
#include <cstdio>
#include <exception>
#include <optional>
#include <utility>

#include <nlohmann/json.hpp>

#include "hwnas/base/error.h"
#include "hwnas/base/printable.h"
#include "hwnas/cli/commands.h"
#include "hwnas/cli/json_output.h"
#include "hwnas/cli/progress.h"
#include "hwnas/cli/resume_note.h"
#include "hwnas/cli/run_app.h"
#include "hwnas/hw/external/subprocess.h"
#include "hwnas/parallel/mpi_pool.h"
#include "hwnas/search/accuracy_source.h"
#include "hwnas/search/run_search.h"

namespace hwnas::cli {
namespace {

struct SearchArgs {
  std::string experiment, out;
  std::vector<std::string> sets;
  bool resume = false, json = false;
};

std::atomic<bool> g_stop{false};
/// True until the accuracy sources have started (SearchHooks::started): nothing is written
/// until then, so a Ctrl-C ends the process at once.
std::atomic<bool> g_starting{false};
/// What a second Ctrl-C, or one during start-up, writes before the process ends (set
/// before the handler is).
std::string g_second_stop_line, g_startup_stop_line;

/// The first Ctrl-C (or SIGTERM) asks the loop to stop after the step in flight; a second
/// one ends the process at once (the store stays consistent: every step is a transaction),
/// killing first the accuracy or latency program it is running, which runs in a process
/// group of its own and so does not get the terminal's Ctrl-C. During start-up (the
/// accuracy sources' processes starting, seconds for a hybrid) the first one does that:
/// no store is created or changed before the sources have started.
extern "C" void request_stop(int signal_number) {
  if (g_stop || g_starting) {
    hw::kill_running_process_groups();
    // write(2) is async-signal-safe; the lines were formatted before the handler was set.
    const std::string& line = g_starting ? g_startup_stop_line : g_second_stop_line;
    [[maybe_unused]] const auto n = ::write(STDERR_FILENO, line.data(), line.size());
    std::signal(signal_number, SIG_DFL);
    std::raise(signal_number);
    return;
  }
  g_stop = true;
}

// Accuracies and latencies without float noise (json_output.h): 91.23, not 91.23000000000001.
nlohmann::ordered_json optional_json(const std::optional<double>& v) {
  return v ? nlohmann::ordered_json(json_number(*v)) : nlohmann::ordered_json(nullptr);
}

nlohmann::ordered_json summary_json(const search::Trial& t) {
  return {{"genome", space::to_text(t.genome)},
          {"arch", t.arch},
          {"accuracy", optional_json(t.metrics.accuracy)},
          {"latency_ms", optional_json(t.metrics.latency_ms)},
          {"peak_activation_bytes", t.metrics.peak_activation_bytes},
          {"weight_bytes", t.metrics.weight_bytes},
          {"accuracy_baseline", optional_json(t.accuracy_baseline)}};
}

nlohmann::ordered_json trial_json(const search::Trial& t) {
  nlohmann::ordered_json j = {{"genome", space::to_text(t.genome)},
                              {"arch", t.arch},
                              {"status", search::status_name(t.status)},
                              {"feasible", t.feasible},
                              {"accuracy", optional_json(t.metrics.accuracy)},
                              {"latency_ms", optional_json(t.metrics.latency_ms)},
                              {"peak_activation_bytes", t.metrics.peak_activation_bytes},
                              {"weight_bytes", t.metrics.weight_bytes},
                              {"params", t.metrics.params},
                              {"macs", t.metrics.macs},
                              {"accuracy_evaluated", t.accuracy_evaluated},
                              {"rung", t.rung},
                              {"accuracy_baseline", optional_json(t.accuracy_baseline)},
                              {"copy_of", t.copy_of ? nlohmann::ordered_json(*t.copy_of) : nlohmann::ordered_json(nullptr)}};
  if (!t.reason.empty()) j["reason"] = t.reason;
  return j;
}

/// Accuracy evaluations at every rung (a candidate promoted twice counts three times).
std::int64_t rung_evaluations(const search::ExperimentRecord& r) {
  std::int64_t n = 0;
  for (const search::RungCost& c : r.rung_costs) n += c.evaluations;
  return n;
}

/// The rungs with an evaluation (rung_costs also lists one with copies only).
std::int64_t evaluated_rungs(const search::ExperimentRecord& r) {
  return std::count_if(r.rung_costs.begin(), r.rung_costs.end(),
                       [](const search::RungCost& c) { return c.evaluations > 0; });
}

/// What the experiment's accuracy is (s29 fresh-user finding 2: a scene search's
/// "accuracy" is 100 x mIoU or 100 x mAP@0.5, and a network that learnt nothing scores
/// the trivial baseline): accuracy_source.h's words for its config.
struct AccuracyWords {
  std::string metric;         // accuracy_metric: "100 x mIoU", "top-1 %", ...; "" unknown
  std::string baseline_name;  // accuracy_baseline_name: "all-background", "prior-box", ""
};

AccuracyWords accuracy_words(const search::ExperimentConfig& config) {
  return {search::accuracy_metric(config.root, config.file), search::accuracy_baseline_name(config.root)};
}

/// " (100 x mIoU; all-background 7.27)", " (top-1 %)", or "" when the metric is unknown;
/// with `range` (the trials' baselines, ExperimentRecord::accuracy_baseline_range) wider than
/// `baseline`: " (100 x mIoU; all-background 7.295; 7.294-7.295 over the trials)".
std::string metric_note(const AccuracyWords& words, const std::optional<double>& baseline,
                        const std::optional<std::pair<double, double>>& range = std::nullopt) {
  if (words.metric.empty()) return "";
  std::string b = baseline && !words.baseline_name.empty()
                      ? fmt::format("; {} {:.4g}", words.baseline_name, *baseline)
                      : std::string();
  if (!b.empty() && range && fmt::format("{:.4g}", range->first) != fmt::format("{:.4g}", range->second))
    b += fmt::format("; {:.4g}-{:.4g} over the trials", range->first, range->second);
  return fmt::format(" ({}{})", words.metric, b);
}

/// `wall_s`: this run of hwnas search, start-up included.
nlohmann::ordered_json result_json(const search::SearchResult& result, double wall_s, const AccuracyWords& words) {
  const search::ExperimentRecord& r = result.record;
  const std::optional<std::size_t> best = search::best_trial(r);
  nlohmann::ordered_json pareto = nlohmann::ordered_json::array(), trials = nlohmann::ordered_json::array();
  // Each network once; its copies on the front by genome (s30 fresh-user finding 4).
  for (const search::ParetoNetwork& n : search::pareto_networks(r)) {
    nlohmann::ordered_json entry = summary_json(r.trials[n.trial]);
    entry["copies"] = nlohmann::ordered_json::array();
    for (const std::size_t c : n.copies) entry["copies"].push_back(space::to_text(r.trials[c].genome));
    pareto.push_back(std::move(entry));
  }
  for (const search::Trial& t : r.trials) trials.push_back(trial_json(t));
  nlohmann::ordered_json rungs = nlohmann::ordered_json::array();
  for (const search::RungCost& c : r.rung_costs)
    rungs.push_back(
        {{"rung", c.rung}, {"evaluations", c.evaluations}, {"failed", c.failed}, {"killed", c.killed},
         {"copies", c.copies}, {"seconds", json_number(c.seconds)}});
  return {{"evaluations", r.accuracy_evaluations},  // candidates evaluated for accuracy (budget.evaluations')
          {"copies", r.accuracy_copies},  // candidates answered with another's evaluation (the same network)
          {"rung_evaluations", rung_evaluations(r)},
          {"latency_evaluations", r.latency_evaluations},
          {"repeats", r.state ? r.state->duplicates : 0},
          {"stop", result.outcome.message},
          {"rung_costs", rungs},
          {"step_seconds", json_number(r.state ? r.state->elapsed_s : 0.0)},
          {"wall_seconds", json_number(wall_s)},
          {"objectives", r.info.objective_names},
          {"accuracy_metric",
           words.metric.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(words.metric)},
          // The best's own (each trial's is in trials[]); null without a best or a baseline.
          {"accuracy_baseline", optional_json(best ? r.trials[*best].accuracy_baseline : std::nullopt)},
          {"accuracy_baseline_range",
           r.accuracy_baseline_range
               ? nlohmann::ordered_json::array({json_number(r.accuracy_baseline_range->first),
                                                json_number(r.accuracy_baseline_range->second)})
               : nlohmann::ordered_json(nullptr)},
          {"best", best ? summary_json(r.trials[*best]) : nlohmann::ordered_json(nullptr)},
          {"pareto", pareto},
          {"trials", trials}};
}

std::string metric_text(const std::optional<double>& v, const char* unit) {
  return v ? fmt::format("{:.4g}{}", *v, unit) : std::string("-");
}

/// "3 trials failed: trial 0: REASON (and 2 more, --json or hwnas report lists them)": a
/// failed trial (a training that diverged, a program that crashed) is no result, and a
/// search whose trials all failed must not read as one that found nothing feasible.
void print_failed(const std::vector<search::Trial>& trials) {
  std::int64_t failed = 0;
  const search::Trial* first = nullptr;
  for (const search::Trial& t : trials)
    if (t.status == search::TrialStatus::failed && failed++ == 0) first = &t;
  if (first == nullptr) return;
  fmt::print("{} failed: trial {}: {}{}\n", plural(failed, "trial"), first->index, printable(first->reason),
             failed > 1 ? fmt::format(" (and {} more: --json or hwnas report lists them)", failed - 1) : "");
}

void print_human(const search::SearchResult& result, const std::string& dir, double wall_s,
                 const AccuracyWords& words) {
  const search::ExperimentRecord& r = result.record;
  // With rungs, a candidate is evaluated once per rung it reaches: both counts.
  // One parenthesis: "150 candidates evaluated for accuracy (190 evaluations over 3 rungs;
  // and 12 copies ...)" (s30 fresh-user finding 6).
  const std::string copies =
      r.accuracy_copies > 0 ? fmt::format("and {} {} of a network evaluated before, not counted", r.accuracy_copies,
                                          r.accuracy_copies == 1 ? "copy" : "copies")
                            : "";
  const std::string accuracy =
      evaluated_rungs(r) > 1
          ? fmt::format("{} evaluated for accuracy ({} over {} rungs{})", plural(r.accuracy_evaluations, "candidate"),
                        plural(rung_evaluations(r), "evaluation"), evaluated_rungs(r),
                        copies.empty() ? "" : "; " + copies)
          : plural(r.accuracy_evaluations, "accuracy evaluation") + (copies.empty() ? "" : " (" + copies + ")");
  fmt::print("search stopped: {}\n{}: {}, {}, {} answered from the records\n", printable(result.outcome.message),
             plural(static_cast<std::int64_t>(r.trials.size()), "trial"), accuracy,
             plural(r.latency_evaluations, "latency evaluation"), plural(r.state ? r.state->duplicates : 0, "repeat"));
  fmt::print("time: {:.1f} s in search steps (every session; what budget.seconds counts), {:.1f} s wall in this run "
             "(start-up included)\n",
             r.state ? r.state->elapsed_s : 0.0, wall_s);
  if (r.rung_costs.size() > 1)
    fmt::print("accuracy evaluations by rung (wall time in the accuracy source): {}\n",
               search::rung_costs_text(r.rung_costs));
  print_failed(r.trials);
  if (const std::optional<std::size_t> best = search::best_trial(r)) {
    const search::Trial& t = r.trials[*best];
    // The best is compared with its own baseline (it depends on the network's resolution).
    fmt::print("best: trial {}, {}latency {}, peak activations {} B, weights {} B\n  genome {}\n", t.index,
               t.metrics.accuracy ? fmt::format("accuracy {:.4g}{}, ", *t.metrics.accuracy,
                                                metric_note(words, t.accuracy_baseline, r.accuracy_baseline_range))
                                  : "",
               metric_text(t.metrics.latency_ms, " ms"), t.metrics.peak_activation_bytes, t.metrics.weight_bytes,
               space::to_text(t.genome));
    // The best at the trivial answer's score learnt nothing (a training too short for the scenes).
    if (t.metrics.accuracy && t.accuracy_baseline && !words.baseline_name.empty() &&
        search::no_better_than_baseline(*t.metrics.accuracy, *t.accuracy_baseline))
      fmt::print("  no better than the {} baseline: the network learnt nothing; train longer "
                 "(accuracy.train.epochs, scenes, subset)\n",
                 words.baseline_name);
    if (t.arch != space::to_text(t.genome)) fmt::print("  arch {}\n", printable(t.arch));
  } else {
    fmt::print("no feasible trial\n");
  }
  const std::vector<search::ParetoNetwork> front = search::pareto_networks(r);
  std::int64_t front_copies = 0;
  for (const search::ParetoNetwork& n : front) front_copies += static_cast<std::int64_t>(n.copies.size());
  fmt::print("Pareto front: {}{}; experiment stored in {}\n", plural(static_cast<std::int64_t>(front.size()), "network"),
             front_copies > 0 ? fmt::format(" (and {} {} of {} under {}, not listed)", front_copies,
                                            front_copies == 1 ? "copy" : "copies", front.size() == 1 ? "it" : "them",
                                            front_copies == 1 ? "another genome" : "other genomes")
                              : "",
             printable(dir));
}

/// "hwnas search EXP --out DIR --resume --set ...", each word quoted for the shell; with
/// `batch` (under mpirun, the worker ranks' count when parallel.batch is not given) "--set
/// parallel.batch=N" too, so that the line also resumes alone or with other ranks (s30
/// fresh-user finding 2).
std::string resume_command(const SearchArgs& args, std::optional<std::int32_t> batch = std::nullopt) {
  std::string sets;
  for (const std::string& s : args.sets) sets += " --set " + shell_quoted(s);
  if (batch) sets += fmt::format(" --set parallel.batch={}", *batch);
  return fmt::format("hwnas search {} --out {} --resume{}", shell_quoted(args.experiment), shell_quoted(args.out), sets);
}

/// Why mpirun ended the search: the rank of this host that died, when rank 0 saw one.
std::string mpi_stop_cause(const parallel::MpiSession& mpi) {
  const std::vector<int>& ended = mpi.first_ended_ranks();
  if (ended.empty()) return "mpirun ended the search (Ctrl-C, a signal, or a rank on another host ended)";
  std::string ranks;
  for (int r : ended) ranks += (ranks.empty() ? "" : ", ") + std::to_string(r);
  return fmt::format("rank {} ended, so mpirun ended the search", ranks);
}

/// `build()` run on every rank of an MPI job, the ranks agreeing on the outcome: when
/// every rank's build succeeded, its value. Else the lowest failing rank prints its error
/// (naming itself unless it is rank 0: it failed where rank 0 did not) and ends with its
/// status, kBadInput or kInternalError; the other ranks end with 0, so that mpirun reports
/// that status and the user reads one line. MPI is finalised first. (A rank ending non-zero
/// makes mpirun kill the others, which lost rank 0's line in 1 run of 12 when every rank
/// ended with 2.)
template <typename Build>
auto agreed(std::optional<parallel::MpiSession>& mpi, const Build& build) -> decltype(build()) {
  std::optional<decltype(build())> value;
  std::exception_ptr error;
  try {
    value.emplace(build());
  } catch (...) {
    error = std::current_exception();
  }
  const std::optional<int> failing = mpi->lowest_failing_rank(error != nullptr);
  if (!failing) return std::move(*value);
  int status = 0;
  if (*failing == mpi->rank()) {
    const std::string rank = mpi->rank() == 0 ? "" : fmt::format("rank {}: ", mpi->rank());
    try {
      std::rethrow_exception(error);
    } catch (const UserError& e) {
      fmt::print(stderr, "hwnas: {}{}\n", rank, e.what());
      status = kBadInput;
    } catch (const std::exception& e) {
      fmt::print(stderr, "hwnas: {}internal error: {}\n", rank, printable(e.what()));
      status = kInternalError;
    } catch (...) {
      fmt::print(stderr, "hwnas: {}internal error: an exception that is not a std::exception\n", rank);
      status = kInternalError;
    }
  }
  mpi.reset();
  std::exit(status);
}

/// The evaluations that run at once on this rank's host under mpirun: its worker ranks.
search::EvaluationsAtOnce at_once_on_this_host(const parallel::MpiSession& mpi) {
  return {std::max(mpi.worker_ranks_on_this_host(), 1), "the worker ranks on this host (mpirun -np)"};
}

/// A worker rank of `mpirun ... hwnas search`: builds the experiment's accuracy evaluation
/// from the same file and overrides as rank 0, then evaluates rank 0's jobs until it is
/// told to stop. Prints nothing.
void serve_as_worker(const SearchArgs& args, std::optional<parallel::MpiSession>& mpi) {
  const search::AccuracyFunction evaluate = agreed(mpi, [&] {
    return search::make_experiment_accuracy(search::read_experiment_config(args.experiment, args.sets),
                                            at_once_on_this_host(*mpi));
  });
  parallel::run_mpi_worker(*mpi, evaluate);
}

}  // namespace

void add_search_command(CLI::App& app) {
  auto args = std::make_shared<SearchArgs>();
  auto* cmd = app.add_subcommand(
      "search", "Search a space for accurate, fast networks (docs/experiments.md; under mpirun: docs/parallel.md)");
  cmd->add_option("experiment", args->experiment, "Experiment file (YAML)")->required();
  cmd->add_option("--out", args->out, "Experiment directory: its store, experiment.db, is created there")->required();
  cmd->add_flag("--resume", args->resume, "Continue the experiment in --out (same config; the budget may grow)");
  cmd->add_option("--set", args->sets, "Override a key of the experiment file: --set strategy.population=64")
      ->take_all()
      ->allow_extra_args(false);
  cmd->add_flag("--json", args->json, "Print one JSON object on stdout");
  cmd->callback([args] {
    const auto start = std::chrono::steady_clock::now();
    std::optional<parallel::MpiSession> mpi;  // under mpirun (finalised last)
    if (parallel::started_by_mpirun()) mpi.emplace();
    const bool distributed = mpi && mpi->size() > 1;
    if (distributed && mpi->rank() > 0) return serve_as_worker(*args, mpi);
    const auto read = [&args] { return search::read_experiment_config(args->experiment, args->sets); };
    // Under mpirun rank 0 also builds what the workers build, only to find their errors
    // itself: an error every rank has is then rank 0's to print.
    const search::ExperimentConfig config = distributed ? agreed(mpi, [&] {
      search::ExperimentConfig c = read();
      search::make_experiment_accuracy(c, at_once_on_this_host(*mpi));
      return c;
    }) : read();
    const std::unique_ptr<search::AccuracyPool> pool = distributed ? parallel::make_mpi_pool(*mpi) : nullptr;
    // Under mpirun the worker ranks evaluate; parallel.workers is not used (s30 fresh-user
    // finding 10). Said once the first step is stored, so that bad input stays one line.
    const YAML::Node parallel_section = std::as_const(config.root)["parallel"];
    std::string workers_note;
    if (distributed && parallel_section.IsDefined() && parallel_section.IsMap() &&
        parallel_section["workers"].IsDefined())
      workers_note = fmt::format("parallel.workers{} is ignored under mpirun: the {} worker rank{} (mpirun -np less "
                                 "one) evaluate the candidates (docs/parallel.md)",
                                 config.from_set("parallel.workers") ? " (from --set)" : "", pool->workers(),
                                 pool->workers() == 1 ? "" : "s");
    const std::string resume =
        resume_command(*args, distributed && !config.parallel.batch ? std::optional(pool->workers()) : std::nullopt);
    g_stop = false;
    g_starting = true;
    g_second_stop_line = fmt::format("\nhwnas: interrupted again: stopped at once, the step in flight dropped; the "
                                     "experiment in {} is consistent: continue it with {}\n",
                                     printable(args->out), printable(resume));
    g_startup_stop_line =
        args->resume ? fmt::format("\nhwnas: interrupted while the accuracy sources started: the experiment in {} is "
                                   "as it was; continue it with {}\n",
                                   printable(args->out), printable(resume))
                     : fmt::format("\nhwnas: interrupted while the accuracy sources started: nothing was stored (no "
                                   "experiment in {}); start the search again\n",
                                   printable(args->out));
    // A signal the shell had us ignore stays ignored: `hwnas search ... &` from a script
    // ignores SIGINT, so that the terminal's Ctrl-C does not stop it (s27 finding 13).
    const auto handle = [](int signal_number) {
      if (std::signal(signal_number, request_stop) == SIG_IGN) std::signal(signal_number, SIG_IGN);
    };
    handle(SIGINT);
    handle(SIGTERM);
    ProgressBar bar("search " + args->experiment);
    search::SearchHooks hooks;
    hooks.stop = &g_stop;
    hooks.pool = pool.get();
    if (distributed) hooks.pool_at_once = at_once_on_this_host(*mpi);
    hooks.started = [] { g_starting = false; };
    hooks.note = [&bar](const std::string& line) { bar.note(line); };
    const AccuracyWords words = accuracy_words(config);
    hooks.progress = [&bar, &words, &workers_note](const search::SearchProgress& p) {
      if (!workers_note.empty()) bar.note(std::exchange(workers_note, std::string()));
      const std::string best =
          p.best ? fmt::format("best {} {:.4g}{}", p.objective, *p.best,
                               p.objective == "accuracy" ? metric_note(words, p.accuracy_baseline) : "")
                 : std::string("none feasible yet");
      bar.update(static_cast<std::int64_t>(std::floor(p.done)), static_cast<std::int64_t>(std::ceil(p.total)),
                 fmt::format("{}, {}", plural(p.trials, "trial"), best));
    };
    const search::SearchResult result = search::run_search(config, args->out, args->resume, hooks);
    bar.finish();
    for (const int signal_number : {SIGINT, SIGTERM})
      if (std::signal(signal_number, SIG_DFL) == SIG_IGN) std::signal(signal_number, SIG_IGN);
    if (result.outcome.reason == search::StopReason::interrupted) {
      const std::string cause = distributed ? mpi_stop_cause(*mpi) : "interrupted";
      fmt::print(stderr, "hwnas: {} after {}; the experiment in {} is consistent: continue it with {}{}\n", cause,
                 plural(static_cast<std::int64_t>(result.record.trials.size()), "trial"), printable(args->out),
                 printable(resume),
                 distributed ? " (alone, or under mpirun again)" : "");
      // No MPI_Finalize: mpirun is killing the other ranks, and it would wait for them.
      std::exit(kInterrupted);
    }
    // A Ctrl-C during the step that spent the budget: that step finished and was stored, so
    // the search is complete; say so, print its results, and end as interrupted (130).
    const bool interrupted_last_step = g_stop && !distributed;
    if (interrupted_last_step)
      fmt::print(stderr, "hwnas: interrupted during the last step: the step finished and the search is complete "
                         "({}); its results follow\n",
                 printable(result.outcome.message));
    const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!result.spent_budget_key.empty())
      fmt::print(stderr,
                 "hwnas: nothing ran: the experiment in {} had spent its budget before this --resume ({}); to "
                 "continue it, raise {} (--set {}=N, N above the figure reached)\n",
                 printable(args->out), printable(result.outcome.message), result.spent_budget_key,
                 result.spent_budget_key);
    if (args->json) emit_json(result_json(result, wall_s, words));
    else print_human(result, args->out, wall_s, words);
    if (interrupted_last_step) {
      std::fflush(stdout);
      std::exit(kInterrupted);
    }
  });
}

}  // namespace hwnas::cli
