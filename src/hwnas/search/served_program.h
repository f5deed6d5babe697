// One long-lived hwnas-train process that answers model files with JSON lines, shared by
// the accuracy sources that keep one running (proxy_accuracy.cpp: `hwnas-train proxy
// --serve`; supernet_accuracy.cpp: `hwnas-train supernet eval FILE --serve`). Each request
// is the path of a model file on one stdin line; each answer one JSON object on one stdout
// line, or {"error": "<one line>"} when the program refuses that model. The process is
// started when first asked and again at the next request after it failed, with
// train::train_program_environment() (OMP_WAIT_POLICY, so that hwnas-train starts once).
//
// The process is always started from a thread of this object's own, which lives as long as
// it does (hw::SessionStarter): a child gets SIGKILL when the THREAD that forked it ends
// (PR_SET_PDEATHSIG, child_process.h), and the accuracy pool's workers live for one search
// step only. A process started by a worker would be killed at the end of that step and
// fail the next request.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hwnas/hw/external/batch_session.h"
#include "hwnas/hw/external/session_starter.h"
#include "hwnas/search/trial_program.h"

namespace hwnas::search {

class ServedProgram {
 public:
  /// `argv`: the program and its arguments; `what`: how errors name it ("hwnas-train
  /// proxy"); `help`: what an answer must be, quoted when one is not JSON; `timeout_s`: the
  /// longest wait for one answer.
  ServedProgram(std::vector<std::string> argv, std::string what, std::string help, double timeout_s);

  /// The answer to the model file at `path` (written by the caller, e.g. into dir()): one
  /// JSON object. Throws UserError "WHAT refused it: ERROR" for an {"error"} answer, and a
  /// one-line UserError when the program cannot be started, ends ("WHAT: 'hwnas-train'
  /// exited with status 2; stderr ends with: '...'"; ProgramKilled when a signal from
  /// outside ended it, trial_program.h), answers no line within timeout_s
  /// (killed), a line over 1 MiB or one that is not a JSON object; after those the next
  /// call starts a new process. Not thread-safe: callers take turns (from any threads).
  /// `path` must be one non-blank line (the protocol's request); UserError otherwise.
  nlohmann::json ask(const std::string& path);

  /// A directory of this program's own (its working directory), removed with it.
  const std::filesystem::path& dir() const { return dir_.path(); }

 private:
  std::vector<std::string> argv_;
  std::string what_, help_;
  double timeout_s_;
  TrialDir dir_;

  hw::SessionStarter starter_;  // before session_, so the process ends first
  std::unique_ptr<hw::BatchSession> session_;
};

/// ServedPrograms of one command line for callers that ask at once (the accuracy pool's
/// workers; train_accuracy.cpp: one `hwnas-train train --serve` per worker): ask() takes an
/// idle one, or makes another, and puts it back after its answer or error, so there are
/// as many processes as callers at once were, each kept for the next. Thread-safe.
class ServedPrograms {
 public:
  /// As ServedProgram's.
  ServedPrograms(std::vector<std::string> argv, std::string what, std::string help, double timeout_s);

  /// ServedProgram::ask of an idle program; its answer and errors.
  nlohmann::json ask(const std::string& path);

 private:
  std::vector<std::string> argv_;
  std::string what_, help_;
  double timeout_s_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<ServedProgram>> idle_;
};

}  // namespace hwnas::search
