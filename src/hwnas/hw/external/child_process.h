// A program started with fork/execvp (never a shell) in a process group of its own, with
// pipes to its stdin, stdout and stderr: what run_process (one process per answer) and the
// batch protocol (one process for many kernels, batch_session.h) share.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace hwnas::hw {

/// An owned file descriptor, closed at destruction or reset().
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  int get() const { return fd_; }
  bool open() const { return fd_ >= 0; }
  void reset();
  /// Makes reads and writes return EAGAIN instead of blocking.
  void set_nonblocking() const;

 private:
  int fd_ = -1;
};

/// Blocks SIGPIPE in this thread while it writes to a child that may have exited, and
/// discards the SIGPIPE that such a write raised (the write then fails with EPIPE).
class SigpipeGuard {
 public:
  SigpipeGuard();
  SigpipeGuard(const SigpipeGuard&) = delete;
  SigpipeGuard& operator=(const SigpipeGuard&) = delete;
  ~SigpipeGuard();

 private:
  sigset_t old_;
  bool was_pending_ = false;
};

class ChildProcess {
 public:
  /// Starts argv[0] (looked up in PATH when it has no '/') with `argv` in `work_dir` (empty:
  /// this process's directory), in a process group of its own, listed for
  /// kill_running_process_groups while it lives. The program gets SIGKILL if the calling
  /// thread dies first (PR_SET_PDEATHSIG: a `kill -9` of hwnas leaves no program running).
  /// When execvp fails, started() is false and exec_error() says why (already reaped).
  /// Throws UserError only when the pipes or the fork cannot be made. `environment`:
  /// "NAME=VALUE" entries the program gets on top of this process's environment (each
  /// replacing a variable of the same NAME); this process's own stays as it is.
  ChildProcess(const std::vector<std::string>& argv, const std::string& work_dir,
               const std::vector<std::string>& environment = {});
  /// kill_and_reap().
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool started() const { return exec_error_.empty(); }
  const std::string& exec_error() const { return exec_error_; }
  /// Our ends of the program's stdin, stdout and stderr.
  Fd& in() { return in_; }
  Fd& out() { return out_; }
  Fd& err() { return err_; }

  /// True once the program has exited; it stays a zombie (its pid and process group id
  /// reserved, so a kill of the group cannot hit another) until kill_and_reap().
  bool has_exited() const;
  /// SIGKILLs the program's process group (background children it left too) and reaps the
  /// program; returns its wait status (waitpid's). Later calls return the same status.
  int kill_and_reap();

 private:
  struct Listing;  // the kill_running_process_groups slot
  pid_t pid_ = -1;
  std::unique_ptr<Listing> listing_;
  bool reaped_ = false;
  int wait_status_ = 0;
  std::string exec_error_;
  Fd in_, out_, err_;
};

/// SIGKILLs the process groups of every ChildProcess alive (run_process calls in progress,
/// batch devices). Async-signal-safe: for a signal handler about to end this process, so
/// that no program it started outlives it (its own process group does not get the
/// terminal's Ctrl-C).
void kill_running_process_groups() noexcept;

}  // namespace hwnas::hw
