#include "hwnas/parallel/mpi_pool.h"

#include <mpi.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <map>
#include <optional>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "hwnas/base/error.h"
#include "hwnas/hw/external/subprocess.h"
#include "hwnas/parallel/messages.h"

namespace hwnas::parallel {
namespace {

enum Tag : int { kJobTag = 1, kResultTag = 2, kErrorTag = 3, kStopTag = 4 };

struct Message {
  int source = 0, tag = 0;
  std::string text;
};

void send(const std::string& text, int rank, Tag tag) {
  MPI_Send(text.data(), static_cast<int>(text.size()), MPI_CHAR, rank, tag, MPI_COMM_WORLD);
}

/// The next message from `source` (MPI_ANY_SOURCE: any), any tag; nullopt once *stop is
/// set. Calls `watch` (when given) about every 100 ms meanwhile.
std::optional<Message> wait_message(int source, const std::atomic<bool>* stop,
                                    const std::function<void()>& watch = nullptr) {
  using Clock = std::chrono::steady_clock;
  auto pause = std::chrono::microseconds(50);
  Clock::time_point watched = Clock::now();
  for (;;) {
    // Not one more MPI call once stopped: mpirun is killing the other ranks, and OpenMPI
    // may block for good in a call that notices a peer gone.
    if (stop != nullptr && stop->load()) return std::nullopt;
    int arrived = 0;
    MPI_Status status;
    MPI_Iprobe(source, MPI_ANY_TAG, MPI_COMM_WORLD, &arrived, &status);
    if (arrived) {
      int count = 0;
      MPI_Get_count(&status, MPI_CHAR, &count);
      Message m{status.MPI_SOURCE, status.MPI_TAG, std::string(static_cast<std::size_t>(count), '\0')};
      MPI_Recv(m.text.data(), count, MPI_CHAR, status.MPI_SOURCE, status.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      return m;
    }
    if (watch && Clock::now() - watched > std::chrono::milliseconds(100)) {
      watch();
      watched = Clock::now();
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(10'000));
  }
}

class MpiPool final : public search::AccuracyPool {
 public:
  explicit MpiPool(MpiSession& session) : session_(session), workers_(session.size() - 1) {
    HWNAS_CHECK(session.rank() == 0 && session.size() >= 2);
  }

  ~MpiPool() override {
    if (abandoned_) return;  // mpirun is ending every rank
    for (int rank = 1; rank <= workers_; ++rank) send("", rank, kStopTag);
  }

  std::int32_t workers() const override { return workers_; }

  void run(std::span<const search::AccuracyJob> jobs, const std::function<void(const search::AccuracyResult&)>& on_result,
           const std::atomic<bool>* stop) override {
    HWNAS_CHECK(busy_.empty() && !abandoned_);  // a run that ended early ends the pool's use
    const auto stopped = [stop] { return stop != nullptr && stop->load(); };
    std::exception_ptr evaluation_failure, on_result_error;  // the first of each
    std::size_t next = 0;
    for (;;) {
      const bool failed = evaluation_failure || on_result_error;
      for (int rank = 1; rank <= workers_ && !failed && !stopped() && next < jobs.size(); ++rank) {
        if (busy_.contains(rank)) continue;
        send(job_message(jobs[next]), rank, kJobTag);
        busy_[rank] = jobs[next++].id;
      }
      if (busy_.empty()) break;
      const std::optional<Message> m = wait_message(MPI_ANY_SOURCE, stop, [this] { session_.watch_ranks(); });
      if (!m) {
        abandoned_ = true;
        break;
      }
      const std::optional<search::AccuracyResult> result = take(*m, evaluation_failure);
      if (!result || on_result_error) continue;  // after a failed on_result: drain without reporting
      try {
        on_result(*result);
      } catch (...) {
        on_result_error = std::current_exception();
      }
    }
    if (on_result_error) std::rethrow_exception(on_result_error);
    if (evaluation_failure) std::rethrow_exception(evaluation_failure);
  }

 private:
  /// A worker's answer: its result, or nullopt after storing the exception its error
  /// message stands for in `error` (when that is still empty).
  std::optional<search::AccuracyResult> take(const Message& m, std::exception_ptr& error) {
    const auto job = busy_.find(m.source);
    if (job == busy_.end() || (m.tag != kResultTag && m.tag != kErrorTag))
      throw InternalError(fmt::format("MPI: an unexpected message (tag {}) from rank {}, which has no job in flight",
                                      m.tag, m.source));
    const std::int64_t id = job->second;
    busy_.erase(job);
    if (m.tag == kResultTag) {
      search::AccuracyResult result = parse_result_message(m.text, m.source);
      HWNAS_CHECK(result.id == id);
      return result;
    }
    const EvaluationError e = parse_error_message(m.text, m.source);
    HWNAS_CHECK(e.id == id);
    try {
      rethrow(e, m.source);
    } catch (...) {
      if (!error) error = std::current_exception();
    }
    return std::nullopt;
  }

  MpiSession& session_;
  std::int32_t workers_;
  std::map<int, std::int64_t> busy_;  // worker rank → the id of its job in flight
  bool abandoned_ = false;            // a stop returned with jobs in flight
};

/// A worker's SIGTERM/SIGINT (mpirun ending the job): SIGKILL the accuracy program in
/// flight, then wait for mpirun's SIGKILL without another MPI call or result.
extern "C" void end_worker(int) {
  hw::kill_running_process_groups();
  for (;;) ::pause();
}

/// end_worker as the SIGTERM and SIGINT handler while it lives.
class WorkerSignals {
 public:
  WorkerSignals() {
    struct sigaction action {};
    action.sa_handler = end_worker;
    sigemptyset(&action.sa_mask);
    sigaction(SIGTERM, &action, &old_term_);
    sigaction(SIGINT, &action, &old_int_);
  }
  ~WorkerSignals() {
    sigaction(SIGTERM, &old_term_, nullptr);
    sigaction(SIGINT, &old_int_, nullptr);
  }
  WorkerSignals(const WorkerSignals&) = delete;
  WorkerSignals& operator=(const WorkerSignals&) = delete;

 private:
  struct sigaction old_term_ {}, old_int_ {};
};

}  // namespace

std::unique_ptr<search::AccuracyPool> make_mpi_pool(MpiSession& session) {
  return std::make_unique<MpiPool>(session);
}

void run_mpi_worker(const MpiSession& session, const search::AccuracyFunction& evaluate) {
  HWNAS_CHECK(session.rank() >= 1);
  const WorkerSignals signals;
  for (;;) {
    const Message m = *wait_message(0, nullptr);
    if (m.tag == kStopTag) return;
    if (m.tag != kJobTag) throw InternalError(fmt::format("MPI: an unexpected message (tag {}) from rank 0", m.tag));
    const search::AccuracyJob job = parse_job_message(m.text, 0);
    try {
      search::AccuracyResult result = evaluate(job);
      result.id = job.id;
      send(result_message(result), 0, kResultTag);
    } catch (...) {
      send(error_message(evaluation_error(job.id, std::current_exception())), 0, kErrorTag);
    }
  }
}

}  // namespace hwnas::parallel
