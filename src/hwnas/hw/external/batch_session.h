// One long-lived program that answers kernels as JSON lines: the transport of the batch
// protocol (docs/hardware-external.md, "The batch protocol"). The kernel lines and the
// answer format are batch_target.cpp's; this file only moves lines and watches the process.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "hwnas/hw/external/child_process.h"

namespace hwnas::hw {

/// The longest answer line read, in bytes (the newline not counted).
inline constexpr std::size_t kMaxAnswerLineBytes = 1 << 20;

class BatchSession {
 public:
  using Clock = std::chrono::steady_clock;

  /// Starts the program (ChildProcess: no shell, its own process group, killed with the
  /// thread that started it). Check started(). `environment`: "NAME=VALUE" entries the
  /// program gets on top of this process's environment (ChildProcess).
  BatchSession(const std::vector<std::string>& argv, const std::string& work_dir,
               const std::vector<std::string>& environment = {});
  /// Closes the program's stdin, gives it kExitGrace to exit, then SIGKILLs its process
  /// group (background children too) and reaps it.
  ~BatchSession();
  BatchSession(const BatchSession&) = delete;
  BatchSession& operator=(const BatchSession&) = delete;

  static constexpr std::chrono::seconds kExitGrace{2};

  bool started() const { return child_.started(); }
  const std::string& exec_error() const { return child_.exec_error(); }

  enum class Outcome { answered, timed_out, ended, line_too_long };
  /// Writes `line` and a newline to the program's stdin and returns `answered` with the
  /// next line of its stdout in `answer` (lines of blanks only are skipped; a '\r' before
  /// the newline is kept: it is whitespace to a JSON reader). Otherwise: `timed_out` when
  /// `deadline` passes first, `ended` when the program exits or closes stdout before
  /// printing a whole line, `line_too_long` when a line passes kMaxAnswerLineBytes.
  /// Meanwhile stderr is read (its last 64 KiB kept), so a chatty program never blocks.
  Outcome ask(const std::string& line, Clock::time_point deadline, std::string& answer);

  /// SIGKILLs the program's process group now and reaps it (no grace: it misbehaved).
  void abort() { child_.kill_and_reap(); }

  /// After `ended`: how the program ended, e.g. "'prog' exited with status 3" or "'prog'
  /// was killed by signal 11 (Segmentation fault)"; kills and reaps what is left.
  std::string end_note();
  /// After end_note: the signal that ended the program, or 0 (it exited, or had not ended
  /// and end_note killed it).
  int end_signal() const { return end_signal_; }
  /// "; stderr ends with: '<last line, up to ~100 characters>'" or "; it printed nothing
  /// on stderr": for errors.
  std::string stderr_note() const;
  /// After `ended`: what the program printed on stdout after its last newline (an answer
  /// it did not end with one); blank when nothing.
  const std::string& unfinished_line() const { return out_; }

 private:
  /// Reads what `fd` has now into `to` (non-blocking); false at end of file or an error.
  bool read_available(Fd& fd, std::string& to, std::size_t keep);
  /// Moves the first whole non-blank line of out_ into `line`.
  bool take_line(std::string& line);

  std::string program_;
  ChildProcess child_;
  std::string out_;  // stdout read and not yet taken as lines
  std::string err_;  // the last 64 KiB of stderr
  bool out_open_ = true;
  int end_signal_ = 0;
};

}  // namespace hwnas::hw
