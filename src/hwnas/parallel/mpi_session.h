// The MPI side of `mpirun -np N hwnas search` (docs/parallel.md): this process's place in
// the job, and MPI's initialisation and finalisation.
//
// MPI is initialised only in a process mpirun started (started_by_mpirun), so `hwnas
// search` run alone never touches it. OpenMPI 4.1 ends a job whose rank dies: it sends the
// other ranks SIGCONT, SIGTERM one second later and SIGKILL one second after that
// (odls_base_sigkill_timeout, measured here), and prints which rank died.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace hwnas::parallel {

/// Whether mpirun (or another PMI launcher) started this process: OpenMPI's
/// OMPI_COMM_WORLD_SIZE, else PMI_SIZE / PMIX_RANK, is in the environment. Reads nothing else.
bool started_by_mpirun();

/// MPI_Init_thread (MPI_THREAD_FUNNELED: only the thread that made the session calls MPI)
/// on construction, MPI_Finalize on destruction. One per process, made only when
/// started_by_mpirun(). Construction is collective: every rank exchanges its host name and
/// process id, so rank 0 can later tell which rank of its own host has died. A rank that
/// mpirun is ending (SIGTERM) must not finalise, which waits for every rank: it leaves
/// with std::exit, which skips the destructor.
class MpiSession {
 public:
  MpiSession();
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }

  /// The worker ranks (1 to size - 1) on this rank's host: the evaluations that run at once
  /// here (rank 0's own host counts the workers beside it; 0 when there are none).
  int worker_ranks_on_this_host() const;

  /// Collective: every rank says whether its set-up failed. Returns the lowest rank that
  /// failed (the one that prints the error, so the user reads it once), or nullopt.
  std::optional<int> lowest_failing_rank(bool failed) const;

  /// Looks for ended ranks on this host and keeps the first it finds: the rank that died.
  /// (Once mpirun's SIGTERM has reached the others, they have ended too.) The MPI pool
  /// calls it about every 100 ms while it waits for results.
  void watch_ranks();
  /// What watch_ranks found first; empty while it has found none.
  const std::vector<int>& first_ended_ranks() const { return first_ended_; }

 private:
  /// The ranks on this host whose process has ended (gone or a zombie), lowest first.
  std::vector<int> ended_ranks_on_this_host() const;

  int rank_ = 0, size_ = 1;
  std::vector<std::string> hosts_;  // by rank
  std::vector<long> pids_;          // by rank
  std::vector<int> first_ended_;
};

}  // namespace hwnas::parallel
