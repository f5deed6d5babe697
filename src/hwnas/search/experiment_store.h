// The experiment store: one SQLite file, DIR/experiment.db, holding an experiment's
// config, every trial and the search's state after each step (docs/experiments.md,
// "The store").
//
// Each step of the search (asks, evaluations, tells) is committed in ONE transaction: the
// trials it produced (none for genomes already evaluated) together with the strategy's
// state and the loop's counters after the tells. Each accuracy evaluation is also committed
// on its own as soon as it completes, to the `evaluations` table keyed by (genome, rung).
// A process killed at any moment therefore loses at most the evaluations in flight:
// resuming from the store asks the killed step again and answers the evaluations it had
// finished from that table.
//
// The schema is marked with `PRAGMA application_id` ("hwEX") and versioned with
// `PRAGMA user_version` (base/sqlite.h); a file of another kind or version is refused
// (version 1, before parallel steps: "schema version 1, but this hwnas reads version 2").
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "hwnas/base/file_lock.h"
#include "hwnas/base/sqlite.h"
#include "hwnas/search/input_digest.h"
#include "hwnas/search/trial.h"

namespace hwnas::search {

/// What the store records about an experiment when it is created.
struct ExperimentInfo {
  std::string config_yaml;      // the experiment file after --set, normalised (keys sorted)
  std::string experiment_file;  // the path it was read from, as given
  std::string base_dir;         // absolute directory relative paths of the config start from
  std::string space;            // the space's name (Space::name())
  std::string strategy;         // strategy name, e.g. "evolution"
  std::uint64_t seed = 0;
  std::vector<std::string> objective_names;  // CostModel::objective_names()
  std::optional<std::string> baseline_genome;  // Space::baseline() as text, if the space has one
  std::int64_t created_unix = 0;
  std::string space_fingerprint;  // space::fingerprint(): --resume refuses a space changed since
  std::int32_t rungs = 1;         // fidelity rungs; trials at rung rungs - 1 are at full fidelity
  /// CostModel::accuracy_inputs() when the search started: --resume refuses a file whose
  /// digest changed since. Empty in stores written before they were recorded (not checked).
  std::vector<InputDigest> inputs;
  /// The dotted keys --set gave in the latest session (ExperimentConfig::set_keys):
  /// --resume refuses to take a budget key from the file that an override gave before
  /// (resume_checks.h). Empty in stores written before they were recorded (not checked).
  std::vector<std::string> set_keys;
};

/// One accuracy evaluation as the store keeps it (the `evaluations` table).
struct StoredEvaluation {
  space::Genome genome;  // canonical
  std::int32_t rung = 0;
  std::optional<double> accuracy;  // unset: failed
  std::string failure;
  double seconds = 0;
  std::optional<double> baseline;  // AccuracyResult::baseline; unset: none measured, or an older store's
};

/// The loop's state after a step, committed with the step's trial.
struct SearchState {
  nlohmann::json strategy;           // Strategy::state()
  std::int64_t steps = 0;            // asks answered so far
  std::int64_t batches = 0;          // loop steps committed (each asks a batch of genomes)
  std::int64_t duplicates = 0;       // asks answered from the records (already evaluated)
  std::int64_t duplicate_run = 0;    // of them, in a row up to now (exhaustion check)
  double elapsed_s = 0;              // wall time the search has run, over every session
};

/// What the accuracy evaluations of one fidelity rung cost: the `evaluations` table (each
/// evaluation once, resumed or not: a resumed step answers stored ones without running them
/// again; including those of a step an interruption dropped), plus the evaluations killed
/// from outside (trial_program.h ProgramKilled), which that table leaves out so that a
/// redone step runs them again: a stored trial failed at a rung with no stored evaluation
/// there. Their seconds are the trial's less its stored evaluations at lower rungs (so its
/// screening, milliseconds, too). A killed evaluation of a step an interruption dropped is
/// in neither table and is not counted. Apart from them, the copies answered at the rung,
/// which ran nothing (the trials' Trial::copied_rungs).
struct RungCost {
  std::int32_t rung = 0;
  std::int64_t evaluations = 0;  // run at this rung, failed ones included
  std::int64_t failed = 0;       // of them, killed ones included
  std::int64_t killed = 0;       // of the failed ones, killed from outside
  std::int64_t copies = 0;       // trials answered here with another's evaluation: not run, not in evaluations
  double seconds = 0;            // the evaluations' wall time, summed (time in the accuracy source)
};

/// "rung 0: 8 in 1.2 s, and 3 copies; rung 1: 4 (3 failed, 2 of them killed from outside)
/// in 3.0 s" (evaluations, the failed and killed ones among them when any, their wall time
/// and the copies when any, per rung), as hwnas search and hwnas report print it.
std::string rung_costs_text(const std::vector<RungCost>& costs);

/// Everything `hwnas report` and `hwnas search --json` need from a finished (or running,
/// or interrupted) experiment.
struct ExperimentRecord {
  std::string dir;
  ExperimentInfo info;
  std::vector<Trial> trials;       // in evaluation order; trials[i].index == i
  /// The objective values of each trial (Feedback::fitness when it was evaluated: one per
  /// info.objective_names, to MAXIMISE), empty for trials that are not ok and feasible.
  std::vector<std::vector<double>> fitness;
  std::optional<SearchState> state;  // unset before the first step
  std::int64_t accuracy_evaluations = 0;  // trials with accuracy_evaluated
  std::int64_t accuracy_copies = 0;       // trials whose accuracy is another's evaluation (accuracy_copied)
  std::int64_t latency_evaluations = 0;   // trials whose latency was computed
  std::vector<RungCost> rung_costs;       // rungs with an evaluation or a copy, ascending
  /// The lowest and highest Trial::accuracy_baseline of the top-rung trials (equal when
  /// one value); unset when no trial has one (none measured, or a store written before
  /// trials kept theirs: unknown).
  std::optional<std::pair<double, double>> accuracy_baseline_range;
};

/// The store file's name inside an experiment directory.
inline constexpr const char* kExperimentStoreFile = "experiment.db";

/// Reads an experiment directory without writing to it. Throws UserError "DIR: not an
/// hwnas experiment (no experiment.db); ..." for a directory without a store, and a
/// one-line error naming the file for a store that is corrupt, of another program or of
/// another schema version.
ExperimentRecord read_experiment(const std::string& dir);

/// The best trial: the ok, feasible one at the top fidelity rung (info.rungs - 1) with the
/// highest first objective value (the earliest of equals); unset when there is none.
std::optional<std::size_t> best_trial(const ExperimentRecord& record);

/// The ok, feasible trials at the top fidelity rung no other such trial dominates in the
/// objective values (search/pareto.h), in evaluation order. One objective: the trials
/// equal to the best.
std::vector<std::size_t> pareto_trials(const ExperimentRecord& record);

/// A network of the Pareto front: its trial, and the trials of the front that are copies of
/// it (accuracy_copied, with its objective values: the same network under another genome).
struct ParetoNetwork {
  std::size_t trial = 0;
  std::vector<std::size_t> copies;
};

/// pareto_trials with each network once (s30 fresh-user finding 4: a copy listed beside its
/// network): a copy on the front goes with the front trial whose evaluation it took
/// (Trial::copy_of; with its objective values), or one that copies it too; without copy_of
/// (its evaluation's trial not stored, or an older store) with the first front trial of its
/// objective values that is not a copy itself; a copy without one stands for its network.
std::vector<ParetoNetwork> pareto_networks(const ExperimentRecord& record);

/// "ok", "infeasible", "failed": how the store, --json and the report write a status.
std::string_view status_name(TrialStatus status);

class ExperimentStore {
 public:
  static constexpr int kSchemaVersion = 2;

  /// Creates DIR (and its store) for a new experiment. Throws UserError when DIR already
  /// holds an experiment ("...; use --resume to continue it, or another --out"), or is a
  /// file, or cannot be created; check_new_dir's errors.
  static ExperimentStore create(const std::string& dir, const ExperimentInfo& info);
  /// Refuses, before any work, a DIR that create() would refuse for its path: a file, or
  /// one whose parent directory does not exist ("a/b/c: cannot create the experiment
  /// directory (--out) there: directory 'a/b' does not exist; create it first (mkdir -p
  /// a/b)"): only DIR itself is created.
  static void check_new_dir(const std::string& dir);
  /// Opens the experiment in DIR for resuming; errors as read_experiment. create() and
  /// open() hold an exclusive lock on the store while the ExperimentStore lives: while
  /// another process (a running search) holds it, they throw UserError "DIR: another
  /// hwnas search is running on this experiment; ...".
  static ExperimentStore open(const std::string& dir);
  /// Reopens the store whose lock close() handed back.
  static ExperimentStore open(const std::string& dir, FileLock lock);

  /// Closes the connection to the store (the last one: SQLite checkpoints and removes its
  /// -wal and -shm files) and hands back the lock, for open(DIR, LOCK). A resume holds only
  /// the lock while its accuracy sources start: a Ctrl-C then ends the process at once,
  /// which would leave an open store's -wal and -shm files beside it.
  FileLock close() &&;

  const std::string& dir() const { return dir_; }
  const std::string& path() const { return db_.path(); }

  ExperimentInfo info() const;
  /// The trials and their objective values, as ExperimentRecord holds them.
  std::vector<Trial> trials(std::vector<std::vector<double>>* fitness = nullptr) const;
  std::optional<SearchState> state() const;

  /// Commits one step in one transaction: its new `trials` (indices following those
  /// stored), each with its objective values (fitness[i] for trials[i]), and `state`.
  void commit_step(const std::vector<Trial>& trials, const std::vector<std::vector<double>>& fitness,
                   const SearchState& state);

  /// Every accuracy evaluation stored, in the order they were committed.
  std::vector<StoredEvaluation> evaluations() const;
  /// Commits one accuracy evaluation at once (replacing one of the same genome and rung).
  void commit_evaluation(const StoredEvaluation& evaluation);

  /// Replaces the stored config text (a resume that changed only the budget), input
  /// digests (the same ones, or the first recorded for a store written before them) and
  /// the keys this session's --set gave.
  void update_config(const std::string& config_yaml, const std::vector<InputDigest>& inputs,
                     const std::vector<std::string>& set_keys);

 private:
  ExperimentStore(sqlite::Database db, std::string dir, FileLock lock)
      : db_(std::move(db)), dir_(std::move(dir)), lock_(std::move(lock)) {}
  static ExperimentStore open(const std::string& dir, FileLock lock, sqlite::Database db);
  /// Replaces the experiment's record with `info`, in one transaction.
  void write_info(const ExperimentInfo& info, const char* doing);

  sqlite::Database db_;
  std::string dir_;
  FileLock lock_;  // one writer per experiment: a second search on DIR is refused
};

}  // namespace hwnas::search
