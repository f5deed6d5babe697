// What the programs run per trial share (external_accuracy.cpp: the user's accuracy
// program; advise/finetune.cpp: hwnas-train): a temporary directory for the trial's model
// file (train_accuracy.cpp's too), running the program in its own process group under a timeout
// (hw/external/subprocess.h), and quoting its output in one-line errors.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "hwnas/base/error.h"
#include "hwnas/hw/external/subprocess.h"

namespace hwnas::search {

/// A directory of its own for one trial's files (under the system's temporary directory,
/// named hwnas-trial-HOST-PID-XXXXXX), removed with everything in it on destruction. The
/// first one a process makes first sweeps away those of ended processes on this host
/// (sweep_stale_trial_dirs): a second Ctrl-C or a kill -9 of hwnas search ends it without
/// running the destructor. Throws UserError when it cannot be made.
class TrialDir {
 public:
  TrialDir();
  ~TrialDir();
  TrialDir(const TrialDir&) = delete;
  TrialDir& operator=(const TrialDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// Removes the trial directories in `dir` (default: the system's temporary directory) that
/// processes of this host which have ended left behind (kill(PID, 0) says no such
/// process); those of running processes, of other hosts, and other files stay. Returns
/// how many it removed; never throws.
std::size_t sweep_stale_trial_dirs(const std::filesystem::path& dir = std::filesystem::temp_directory_path());

/// "hwnas-trial-HOST-": the start of this host's trial directory names (HOST: the host
/// name with characters other than letters, digits and '.' as '_').
std::string trial_dir_prefix();

/// The first ~160 characters of `text` on one line (blank runs become one space).
std::string one_line(std::string_view text);

/// "; stderr ends: '...'" with the last ~160 characters of `err` (where a traceback names
/// the error), or "; it printed nothing on stderr".
std::string stderr_note(const std::string& err);

/// Whether `signal` is one that ends a process from outside (SIGKILL: kill -9 or the
/// kernel's out-of-memory killer; SIGTERM, SIGINT, SIGHUP: kill), rather than a crash of
/// the program's own (SIGSEGV, SIGABRT, SIGBUS, ...).
bool killed_from_outside(int signal);

/// Who sends `signal`, one of killed_from_outside's: "kill -9, or the kernel's
/// out-of-memory killer: dmesg says which" (SIGKILL), "killed from outside: kill, or another
/// program's SIGTERM", "... Ctrl-C in its terminal, or kill -INT", "... its terminal
/// closed, or kill -HUP". Only SIGKILL can be the out-of-memory killer (s29 fresh-user
/// finding 11). Another signal: "killed from outside by signal N".
std::string kill_cause(int signal);

/// A trial's program killed from outside (killed_from_outside) before it answered, which
/// hwnas did not do (its timeout_s kill is a plain UserError): no property of the model it
/// was evaluating, so the search does not keep the evaluation for a resume to reuse
/// (CostModel::evaluate_accuracy sets AccuracyResult::killed and ::signal; docs/experiments.md).
class ProgramKilled : public UserError {
 public:
  ProgramKilled(const std::string& why, int signal) : UserError(why), signal_(signal) {}
  int signal() const { return signal_; }

 private:
  int signal_;
};

/// Runs `argv` in `work_dir` with empty stdin (hw::run_process). Throws UserError naming
/// `program` when it could not be started, ran past `timeout_s` seconds (killed with its
/// process group), or was killed by a signal (ProgramKilled when killed_from_outside);
/// returns the result otherwise, whatever its exit status. `environment`: "NAME=VALUE"
/// entries on top of this process's environment.
hw::ProcessResult run_trial_program(const std::vector<std::string>& argv, const std::string& work_dir,
                                    double timeout_s, const std::string& program,
                                    const std::vector<std::string>& environment = {});

/// `text` (stdout, trailing blanks dropped) parsed strictly as one JSON object; throws
/// UserError "its answer '...' is not ...; HELP" otherwise, and for empty output.
nlohmann::json answer_object(std::string_view text, std::string_view help);

}  // namespace hwnas::search
