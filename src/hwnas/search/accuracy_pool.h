// Accuracy evaluations in parallel: the jobs of one search step (a genome at a fidelity
// rung each), run by a pool of workers, their results handed back one by one on the
// caller's thread as they complete (docs/experiments.md, "Parallel evaluations").
//
// The pool decides only where and when a job runs, never its result: the loop tells the
// strategy in ask order, so a search's trials depend on `parallel.batch` only, never on
// the number of workers (threads here; MPI ranks under mpirun).
#pragma once

#include <atomic>
#include <csignal>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "hwnas/space/genome.h"

namespace hwnas::search {

/// One accuracy evaluation: a canonical genome at a fidelity rung (0-based; the last rung
/// of the experiment's schedule is full fidelity; single fidelity: 0).
struct AccuracyJob {
  std::int64_t id = 0;  // unique within a step; the loop's own numbering
  space::Genome genome;  // canonical
  std::int32_t rung = 0;
};

struct AccuracyResult {
  std::int64_t id = 0;             // the job's
  std::optional<double> accuracy;  // the task's metric in [0, 100]; unset: failed, `failure` says why
  std::string failure;             // one line
  double seconds = 0;              // wall time of the evaluation
  /// Failed because its program was killed from outside (trial_program.h ProgramKilled:
  /// kill -9, the out-of-memory killer, kill): not the model's failure, so not stored for reuse.
  bool killed = false;
  /// With `killed`: the signal that ended the program (kill_cause names who sends it);
  /// SIGKILL where the source does not say.
  int signal = SIGKILL;
  /// The trivial baseline this evaluation measured on the accuracy scale
  /// (AccuracySource::baseline: a scene task's all-background mIoU or prior-box mAP@0.5,
  /// x 100; it depends on the candidate's resolution); it travels with the result from a
  /// worker rank, and the store keeps it with the evaluation and its trials
  /// (StoredEvaluation::baseline, Trial::accuracy_baseline).
  std::optional<double> baseline;
};

/// How many accuracy evaluations run at once on this machine, and what sets that number,
/// for the checks of what they hold together (accuracy.train's scenes in memory).
struct EvaluationsAtOnce {
  std::int32_t count = 1;
  std::string knob = "parallel.workers";  // under mpirun: its worker ranks on this host
};

/// Evaluates one job in this process: decodes the genome, asks the rung's accuracy source.
/// Never throws for a failing evaluation (result.failure). Safe to call from several
/// threads at once (CostModel::evaluate_accuracy).
using AccuracyFunction = std::function<AccuracyResult(const AccuracyJob&)>;

class AccuracyPool {
 public:
  virtual ~AccuracyPool() = default;
  /// How many jobs run at once at most (>= 1).
  virtual std::int32_t workers() const = 0;
  /// Runs every job, at most workers() at once, calling `on_result` ON THE CALLING THREAD as
  /// each one completes (completion order; the loop commits each to the store at once, so a
  /// process killed mid-batch loses only the jobs in flight). When *stop becomes true (stop
  /// may be null) no new job starts; returns when the running ones are done. An exception
  /// thrown by `on_result` or by the evaluation itself (an internal error) stops the pool
  /// the same way and is rethrown here once the running jobs are done.
  virtual void run(std::span<const AccuracyJob> jobs, const std::function<void(const AccuracyResult&)>& on_result,
                   const std::atomic<bool>* stop) = 0;
};

/// `workers` threads in this process (1 to kMaxThreadWorkers), each calling `evaluate`;
/// the threads live for one run() call.
std::unique_ptr<AccuracyPool> make_thread_pool(AccuracyFunction evaluate, std::int32_t workers);

/// The most threads make_thread_pool takes (`parallel.workers`).
inline constexpr std::int32_t kMaxThreadWorkers = 1024;

}  // namespace hwnas::search
