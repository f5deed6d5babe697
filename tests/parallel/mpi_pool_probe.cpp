// The MPI pool under a real mpirun, for mpi_pool_test.cpp: `mpirun -np N mpi_pool_probe
// SCENARIO`. Rank 0 runs jobs through make_mpi_pool and prints one line per event on
// stdout; the other ranks run run_mpi_worker with a fake evaluation whose result says which
// rank ran the job (seconds = the rank) and how (accuracy = 10 * first gene + rung + 0.1).
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "hwnas/base/error.h"
#include "hwnas/parallel/mpi_pool.h"

namespace {

using namespace hwnas;

std::atomic<bool> g_stop{false};
extern "C" void on_term(int) { g_stop = true; }

search::AccuracyJob job(std::int64_t id, std::uint16_t gene, std::int32_t rung = 0) {
  return {id, space::Genome{{gene, 3, 1}}, rung};
}

/// The workers' evaluation: slow for gene 9 (300 ms), throws for genes 7 (UserError) and 8
/// (another exception), SIGKILLs its own rank for gene 6, fails for gene 5.
search::AccuracyResult evaluate(const search::AccuracyJob& j, int rank) {
  const std::uint16_t gene = j.genome.genes.at(0);
  if (gene == 9) std::this_thread::sleep_for(std::chrono::milliseconds(300));
  if (gene == 7) throw UserError("gene 7 is not allowed");
  if (gene == 8) throw std::runtime_error("bug in the evaluation");
  if (gene == 6) ::kill(::getpid(), SIGKILL);
  search::AccuracyResult r;
  r.id = -1;  // the worker loop sets the job's id
  r.seconds = rank;
  if (gene == 5) r.failure = "diverged";
  else r.accuracy = 10.0 * gene + j.rung + 0.1;
  return r;
}

void print(const search::AccuracyResult& r) {
  std::printf("result %lld rank %g accuracy %s failure '%s'\n", static_cast<long long>(r.id), r.seconds,
              r.accuracy ? std::to_string(*r.accuracy).c_str() : "none", r.failure.c_str());
  std::fflush(stdout);
}

int rank0(parallel::MpiSession& session, const std::string& scenario) {
  const std::unique_ptr<search::AccuracyPool> pool = parallel::make_mpi_pool(session);
  std::printf("workers %d\n", pool->workers());
  try {
    if (scenario == "basic") {
      const std::vector<search::AccuracyJob> step1 = {job(0, 1), job(1, 9), job(2, 2, 1), job(3, 5), job(4, 3)};
      pool->run(step1, print, &g_stop);
      std::printf("step\n");
      const std::vector<search::AccuracyJob> step2 = {job(10, 4)};
      pool->run(step2, print, &g_stop);
    } else if (scenario == "errors") {
      for (std::uint16_t gene : {7, 8}) {
        try {
          const std::vector<search::AccuracyJob> jobs = {job(0, 9), job(1, gene), job(2, 1), job(3, 2)};
          pool->run(jobs, print, &g_stop);
        } catch (const UserError& e) {
          std::printf("user error: %s\n", e.what());
        } catch (const InternalError& e) {
          std::printf("internal error: %s\n", e.what());
        }
      }
    } else if (scenario == "on_result_throws") {
      const std::vector<search::AccuracyJob> jobs = {job(0, 1), job(1, 9), job(2, 2), job(3, 3)};
      try {
        pool->run(jobs, [](const search::AccuracyResult& r) { print(r); throw InternalError("store full"); }, &g_stop);
      } catch (const InternalError& e) {
        std::printf("internal error: %s\n", e.what());
      }
    } else if (scenario == "stop") {
      const std::vector<search::AccuracyJob> jobs = {job(0, 9), job(1, 1), job(2, 2), job(3, 3)};
      pool->run(jobs, [](const search::AccuracyResult& r) { print(r); g_stop = true; }, &g_stop);
      std::printf("returned\n");
      std::fflush(stdout);
      std::exit(0);  // no MPI_Finalize: mpirun ends the workers
    } else if (scenario == "dead_worker") {
      ::signal(SIGTERM, on_term);
      const std::vector<search::AccuracyJob> jobs = {job(0, 9), job(1, 6), job(2, 9)};
      pool->run(jobs, print, &g_stop);
      std::string ended;
      for (int r : session.first_ended_ranks()) ended.append(" ").append(std::to_string(r));
      std::printf("returned, stop %d, ended ranks:%s\n", g_stop.load() ? 1 : 0, ended.c_str());
      std::fflush(stdout);
      std::exit(130);
    }
  } catch (const std::exception& e) {
    std::printf("unexpected: %s\n", e.what());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string scenario = argc > 1 ? argv[1] : "";
  if (!parallel::started_by_mpirun()) {
    std::fprintf(stderr, "mpi_pool_probe: run me under mpirun\n");
    return 2;
  }
  parallel::MpiSession session;
  if (scenario == "setup") {  // ranks listed after the scenario fail their set-up
    bool failed = false;
    for (int i = 2; i < argc; ++i) failed |= std::stoi(argv[i]) == session.rank();
    const std::optional<int> lowest = session.lowest_failing_rank(failed);
    if (session.rank() == 0) std::printf("lowest failing rank: %d\n", lowest ? *lowest : -1);
    return 0;
  }
  if (session.rank() == 0) return rank0(session, scenario);
  const int rank = session.rank();
  parallel::run_mpi_worker(session, [rank](const search::AccuracyJob& j) { return evaluate(j, rank); });
  std::printf("rank %d stopped\n", rank);
  return 0;
}
