// Accuracy evaluations on the worker ranks of `mpirun -np N hwnas search` (docs/parallel.md):
// rank 0 runs the search loop with make_mpi_pool, every other rank runs run_mpi_worker
// with the same experiment's AccuracyFunction.
//
// Protocol (messages.h for the format; MPI_COMM_WORLD, point to point, one message at a
// time per worker): rank 0 sends a job to an idle worker; the worker evaluates it and
// answers with its result (or the error the evaluation threw); rank 0 sends a stop message
// to every worker when the pool is destroyed. Waiting ranks poll (MPI_Iprobe, then sleep
// up to 10 ms) rather than block in MPI_Recv, which in OpenMPI spins a core at 100% — the
// core a worker on the same host needs for its training.
#pragma once

#include <memory>

#include "hwnas/parallel/mpi_session.h"
#include "hwnas/search/accuracy_pool.h"

namespace hwnas::parallel {

/// Rank 0's pool: workers() = session.size() - 1 (>= 1: a single-rank job uses a thread
/// pool instead), one job at a time per worker rank, handed out in job order to the lowest
/// idle rank; results reach `on_result` on the calling thread in completion order.
///
/// Stop (*stop set, by mpirun's SIGTERM or Ctrl-C): no new job is sent and run() returns AT
/// ONCE, without the results of the jobs in flight — mpirun signals every rank at the same
/// time, so those never arrive (the loop does not store that step; every result already
/// handed to on_result was committed). The pool then sends the workers nothing more.
/// An error thrown by a worker's evaluation comes back as the same kind (UserError, or
/// InternalError naming the rank) and is rethrown by run() once the other jobs in flight
/// are back (their results still reach on_result); one thrown by on_result likewise (the
/// later results are dropped). No new job starts after either.
///
/// Destroying the pool tells every worker to stop (run_mpi_worker returns), unless a stop
/// left jobs in flight. Precondition: session.rank() == 0, session.size() >= 2, and every
/// other rank runs run_mpi_worker. While it waits, the pool calls session.watch_ranks(),
/// so that rank 0 can name a worker of its host that died.
std::unique_ptr<search::AccuracyPool> make_mpi_pool(MpiSession& session);

/// A worker rank's loop: receive a job from rank 0, evaluate it with `evaluate`, send the
/// result (an exception it throws is sent as an error message; the loop goes on), until
/// rank 0's stop message. Meanwhile SIGTERM and SIGINT (mpirun ending the job) SIGKILL
/// the accuracy program in flight and leave the rank waiting for mpirun's SIGKILL, with no
/// further MPI call: a rank that died at once could make rank 0's MPI calls block (measured
/// with OpenMPI 4.1.4: rank 0 then never printed its message). Precondition:
/// session.rank() >= 1.
void run_mpi_worker(const MpiSession& session, const search::AccuracyFunction& evaluate);

}  // namespace hwnas::parallel
