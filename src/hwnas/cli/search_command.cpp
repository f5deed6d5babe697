// hwnas search EXP.yaml --out DIR [--resume] [--set KEY=VALUE]... [--json]
// (docs/experiments.md). The loop and the store are search/run_search.h's; this file
// parses, shows progress, handles Ctrl-C and prints.
#include <fmt/format.h>

#include <atomic>
#include <csignal>
#include <cmath>

#include <nlohmann/json.hpp>

#include "hwnas/base/error.h"
#include "hwnas/base/printable.h"
#include "hwnas/cli/commands.h"
#include "hwnas/cli/json_output.h"
#include "hwnas/cli/progress.h"
#include "hwnas/hw/external/subprocess.h"
#include "hwnas/search/run_search.h"

namespace hwnas::cli {
namespace {

struct SearchArgs {
  std::string experiment, out;
  std::vector<std::string> sets;
  bool resume = false, json = false;
};

std::atomic<bool> g_stop{false};

/// `text` as one POSIX shell word: unchanged when it holds only safe characters, else in
/// single quotes with each ' written '\'' (so the printed command can be pasted).
std::string shell_quoted(const std::string& text) {
  const bool safe = !text.empty() && text.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                                           "0123456789_-./=:,+@%") == std::string::npos;
  if (safe) return text;
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

/// The first Ctrl-C (or SIGTERM) asks the loop to stop after the step in flight; a second
/// one ends the process at once (the store stays consistent: every step is a transaction),
/// killing first the accuracy or latency program it is running, which runs in a process
/// group of its own and so does not get the terminal's Ctrl-C.
extern "C" void request_stop(int signal_number) {
  if (g_stop) {
    hw::kill_running_process_groups();
    std::signal(signal_number, SIG_DFL);
    std::raise(signal_number);
    return;
  }
  g_stop = true;
}

nlohmann::ordered_json optional_json(const std::optional<double>& v) {
  return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
}

nlohmann::ordered_json summary_json(const search::Trial& t) {
  return {{"genome", space::to_text(t.genome)},
          {"arch", t.arch},
          {"accuracy", optional_json(t.metrics.accuracy)},
          {"latency_ms", optional_json(t.metrics.latency_ms)},
          {"peak_activation_bytes", t.metrics.peak_activation_bytes},
          {"weight_bytes", t.metrics.weight_bytes}};
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
                              {"accuracy_evaluated", t.accuracy_evaluated}};
  if (!t.reason.empty()) j["reason"] = t.reason;
  return j;
}

nlohmann::ordered_json result_json(const search::SearchResult& result) {
  const search::ExperimentRecord& r = result.record;
  const std::optional<std::size_t> best = search::best_trial(r);
  nlohmann::ordered_json pareto = nlohmann::ordered_json::array(), trials = nlohmann::ordered_json::array();
  for (std::size_t i : search::pareto_trials(r)) pareto.push_back(summary_json(r.trials[i]));
  for (const search::Trial& t : r.trials) trials.push_back(trial_json(t));
  return {{"evaluations", r.accuracy_evaluations},
          {"latency_evaluations", r.latency_evaluations},
          {"repeats", r.state ? r.state->duplicates : 0},
          {"stop", result.outcome.message},
          {"objectives", r.info.objective_names},
          {"best", best ? summary_json(r.trials[*best]) : nlohmann::ordered_json(nullptr)},
          {"pareto", pareto},
          {"trials", trials}};
}

std::string metric_text(const std::optional<double>& v, const char* unit) {
  return v ? fmt::format("{:.4g}{}", *v, unit) : std::string("-");
}

void print_human(const search::SearchResult& result, const std::string& dir) {
  const search::ExperimentRecord& r = result.record;
  fmt::print("search stopped: {}\n{} trials: {} accuracy evaluations, {} latency evaluations, {} repeats answered "
             "from the records\n",
             printable(result.outcome.message), r.trials.size(), r.accuracy_evaluations, r.latency_evaluations,
             r.state ? r.state->duplicates : 0);
  if (const std::optional<std::size_t> best = search::best_trial(r)) {
    const search::Trial& t = r.trials[*best];
    fmt::print("best: trial {}, {}latency {}, peak activations {} B, weights {} B\n  genome {}\n", t.index,
               t.metrics.accuracy ? fmt::format("accuracy {:.4g}, ", *t.metrics.accuracy) : "",
               metric_text(t.metrics.latency_ms, " ms"), t.metrics.peak_activation_bytes, t.metrics.weight_bytes,
               space::to_text(t.genome));
    if (t.arch != space::to_text(t.genome)) fmt::print("  arch {}\n", printable(t.arch));
  } else {
    fmt::print("no feasible trial yet\n");
  }
  fmt::print("Pareto front: {} trials; experiment stored in {}\n", search::pareto_trials(r).size(), printable(dir));
}

}  // namespace

void add_search_command(CLI::App& app) {
  auto args = std::make_shared<SearchArgs>();
  auto* cmd = app.add_subcommand("search", "Search a space for accurate, fast networks (docs/experiments.md)");
  cmd->add_option("experiment", args->experiment, "Experiment file (YAML)")->required();
  cmd->add_option("--out", args->out, "Experiment directory: its store, experiment.db, is created there")->required();
  cmd->add_flag("--resume", args->resume, "Continue the experiment in --out (same config; the budget may grow)");
  cmd->add_option("--set", args->sets, "Override a key of the experiment file: --set strategy.population=64")
      ->take_all()
      ->allow_extra_args(false);
  cmd->add_flag("--json", args->json, "Print one JSON object on stdout");
  cmd->callback([args] {
    const search::ExperimentConfig config = search::read_experiment_config(args->experiment, args->sets);
    g_stop = false;
    std::signal(SIGINT, request_stop);
    std::signal(SIGTERM, request_stop);
    ProgressBar bar("search " + args->experiment);
    search::SearchHooks hooks;
    hooks.stop = &g_stop;
    hooks.progress = [&bar](const search::SearchProgress& p) {
      const std::string best =
          p.best ? fmt::format("best {} {:.4g}", p.objective, *p.best) : std::string("none feasible yet");
      bar.update(static_cast<std::int64_t>(std::floor(p.done)), static_cast<std::int64_t>(std::ceil(p.total)),
                 fmt::format("{} trials, {}", p.trials, best));
    };
    const search::SearchResult result = search::run_search(config, args->out, args->resume, hooks);
    bar.finish();
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    if (result.outcome.reason == search::StopReason::interrupted) {
      std::string sets;
      for (const std::string& s : args->sets) sets += " --set " + shell_quoted(s);
      fmt::print(stderr, "hwnas: interrupted after {} trials; the experiment in {} is consistent: continue it with "
                         "hwnas search {} --out {} --resume{}\n",
                 result.record.trials.size(), printable(args->out), printable(shell_quoted(args->experiment)),
                 printable(shell_quoted(args->out)), printable(sets));
      std::exit(130);
    }
    if (args->json) emit_json(result_json(result));
    else print_human(result, args->out);
  });
}

}  // namespace hwnas::cli
