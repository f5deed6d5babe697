// The messages between the ranks of `mpirun ... hwnas search` (docs/parallel.md): rank 0
// sends an accuracy job to a worker rank, the worker sends its result back. Both are JSON
// text, so a message is readable in a trace and independent of either side's memory layout:
//
//   job:    {"id": 7, "genome": "3-0-1-4", "rung": 0}
//   result: {"id": 7, "accuracy": 71.25, "failure": "", "seconds": 12.5, "killed": false, "signal": 9,
//            "baseline": null}
//           (accuracy null: failed; killed: its program was killed from outside, by signal;
//            baseline: the source's trivial baseline once measured, AccuracyResult::baseline)
//   error:  {"id": 7, "kind": "user"|"internal", "message": "..."}  (the evaluation threw)
//
// These functions do no MPI: they are the format alone, tested on their own.
#pragma once

#include <cstdint>
#include <exception>
#include <string>
#include <string_view>

#include "hwnas/search/accuracy_pool.h"

namespace hwnas::parallel {

std::string job_message(const search::AccuracyJob& job);
std::string result_message(const search::AccuracyResult& result);

/// What an evaluation threw on a worker rank, to be rethrown on rank 0 as the same kind
/// (UserError or InternalError) with the same message.
struct EvaluationError {
  std::int64_t id = 0;
  bool user_error = false;
  std::string message;
};
std::string error_message(const EvaluationError& error);
/// The error of the exception `thrown` (a UserError keeps its kind, anything else is internal).
EvaluationError evaluation_error(std::int64_t id, const std::exception_ptr& thrown);
/// Throws `error` as a UserError or an InternalError, naming the rank it came from.
[[noreturn]] void rethrow(const EvaluationError& error, int rank);

/// The inverses. A message that is not what the other side writes (invalid JSON, a key
/// missing or of another type, a genome that is not genome text) is an InternalError
/// naming `rank` and the message: both sides run the same hwnas, so it is a bug or two
/// different hwnas builds under one mpirun.
search::AccuracyJob parse_job_message(std::string_view text, int rank);
search::AccuracyResult parse_result_message(std::string_view text, int rank);
EvaluationError parse_error_message(std::string_view text, int rank);

}  // namespace hwnas::parallel
