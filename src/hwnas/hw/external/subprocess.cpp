#include "hwnas/hw/external/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <utility>

#include "hwnas/base/error.h"

namespace hwnas::hw {
namespace {

// The process groups of the run_process calls in progress, for kill_running_process_groups
// (a signal handler: lock-free atomics only; several threads may run programs at once,
// each claiming a slot with a compare-and-swap). A call beyond the slots is not listed:
// there are more than hwnas runs at once (a search: up to 1,024 accuracy workers,
// search/accuracy_pool.h, and one latency program).
std::array<std::atomic<pid_t>, 2048> g_running{};
static_assert(std::atomic<pid_t>::is_always_lock_free);

/// Lists a process group from construction until destruction (after the group is killed
/// and its leader reaped).
class RunningGroup {
 public:
  explicit RunningGroup(pid_t group) {
    for (std::atomic<pid_t>& slot : g_running) {
      pid_t empty = 0;
      if (slot.compare_exchange_strong(empty, group)) {
        slot_ = &slot;
        return;
      }
    }
  }
  ~RunningGroup() {
    if (slot_ != nullptr) slot_->store(0);
  }
  RunningGroup(const RunningGroup&) = delete;
  RunningGroup& operator=(const RunningGroup&) = delete;

 private:
  std::atomic<pid_t>* slot_ = nullptr;
};

using Clock = std::chrono::steady_clock;

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  ~Fd() { reset(); }
  int get() const { return fd_; }
  bool open() const { return fd_ >= 0; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

struct Pipe {
  Fd read, write;
};

Pipe make_pipe(const std::string& program) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    throw UserError("cannot run '" + program + "': pipe failed (" + std::strerror(errno) + ")");
  Pipe p;
  p.read = Fd(fds[0]);
  p.write = Fd(fds[1]);
  return p;
}

/// The child between fork and exec: only async-signal-safe calls.
[[noreturn]] void exec_child(char* const* argv, const char* work_dir, int in, int out, int err,
                             int status, pid_t parent) {
  ::setpgid(0, 0);
  // Dies with its parent (the thread that forked it, which waits for it): a search killed
  // with SIGKILL leaves no training running. Kept across execvp; checked after setting, in
  // case the parent died before.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(127);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::signal(SIGPIPE, SIG_DFL);
  if (::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(err, 2) < 0) {
    const int e = errno;
    [[maybe_unused]] auto n = ::write(status, &e, sizeof e);
    ::_exit(127);
  }
  // Descriptors the parent opened without O_CLOEXEC (a database, say) stay out of the child.
  ::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
  if (work_dir[0] != '\0' && ::chdir(work_dir) != 0) {
    const int e = errno;
    [[maybe_unused]] auto n = ::write(status, &e, sizeof e);
    ::_exit(127);
  }
  ::execvp(argv[0], argv);
  const int e = errno;
  [[maybe_unused]] auto n = ::write(status, &e, sizeof e);
  ::_exit(127);
}

/// Blocks SIGPIPE in this thread while it writes to a child that may have exited, and
/// discards the SIGPIPE that such a write raised.
class SigpipeGuard {
 public:
  SigpipeGuard() {
    sigset_t pipe_set;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old_);
  }
  SigpipeGuard(const SigpipeGuard&) = delete;
  SigpipeGuard& operator=(const SigpipeGuard&) = delete;
  ~SigpipeGuard() {
    sigset_t pending;
    sigpending(&pending);
    if (!was_pending_ && sigismember(&pending, SIGPIPE) == 1) {
      sigset_t pipe_set;
      sigemptyset(&pipe_set);
      sigaddset(&pipe_set, SIGPIPE);
      const timespec zero{0, 0};
      while (sigtimedwait(&pipe_set, nullptr, &zero) < 0 && errno == EINTR) {
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }

 private:
  sigset_t old_;
  bool was_pending_ = false;
};

/// Keeps the last kMaxOutputBytes (the answer and the final error are at the end), trimming
/// the front only when twice that has piled up, so that each byte is moved O(1) times.
void append_capped(std::string& to, const char* data, std::size_t n) {
  to.append(data, n);
  if (to.size() > 2 * kMaxOutputBytes) to.erase(0, to.size() - kMaxOutputBytes);
}

void trim_to_tail(std::string& text) {
  if (text.size() > kMaxOutputBytes) text.erase(0, text.size() - kMaxOutputBytes);
}

int wait_blocking(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

/// True once `pid` has exited; it stays a zombie (its pid and process group id reserved)
/// until waitpid reaps it.
bool has_exited(pid_t pid) {
  siginfo_t info{};
  if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0) return errno != EINTR;
  return info.si_pid == pid;
}

/// Reads what is already in `fd` (non-blocking) into `to`, then closes it.
void drain(Fd& fd, std::string& to) {
  char buffer[65536];
  while (fd.open()) {
    const ssize_t r = ::read(fd.get(), buffer, sizeof buffer);
    if (r > 0) append_capped(to, buffer, static_cast<std::size_t>(r));
    else if (r == 0 || errno != EINTR) fd.reset();
  }
}

/// Feeds stdin and drains stdout/stderr until both close or `pid` exits (a background
/// child it left may hold the pipes open; what the program wrote is in them by then);
/// false when the deadline passed.
bool exchange(Fd& in, Fd& out, Fd& err, const std::string& input, Clock::time_point deadline,
              pid_t pid, ProcessResult& result) {
  SigpipeGuard guard;
  for (const Fd* fd : {&in, &out, &err}) ::fcntl(fd->get(), F_SETFL, ::fcntl(fd->get(), F_GETFL) | O_NONBLOCK);
  std::size_t written = 0;
  if (input.empty()) in.reset();
  char buffer[65536];
  while (out.open() || err.open()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd fds[3];
    nfds_t n = 0;
    Fd* owners[3];
    for (auto [fd, events] : {std::pair{&in, POLLOUT}, {&out, POLLIN}, {&err, POLLIN}}) {
      if (!fd->open()) continue;
      fds[n] = pollfd{fd->get(), static_cast<short>(events), 0};
      owners[n++] = fd;
    }
    // A 10 ms tick notices an exit that leaves the pipes open.
    const int ready = ::poll(fds, n, static_cast<int>(std::min<long long>(left.count() + 1, 10)));
    if (ready < 0 && errno != EINTR) return false;
    for (nfds_t i = 0; ready > 0 && i < n; ++i) {
      if (fds[i].revents == 0) continue;
      Fd& fd = *owners[i];
      if (&fd == &in) {
        const ssize_t w = ::write(fd.get(), input.data() + written, input.size() - written);
        if (w > 0) written += static_cast<std::size_t>(w);
        // EPIPE: the program exited or closed stdin without reading it all; its answer
        // (or exit status) says what happened.
        if (written == input.size() || (w < 0 && errno != EAGAIN && errno != EINTR)) fd.reset();
        continue;
      }
      const ssize_t r = ::read(fd.get(), buffer, sizeof buffer);
      if (r > 0) append_capped(&fd == &out ? result.out : result.err, buffer, static_cast<std::size_t>(r));
      else if (r == 0 || (errno != EAGAIN && errno != EINTR)) fd.reset();
    }
    if (has_exited(pid)) {
      drain(out, result.out);
      drain(err, result.err);
    }
  }
  return true;
}

}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv, const std::string& work_dir,
                          const std::string& input, double timeout_s) {
  HWNAS_CHECK(!argv.empty());
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  Pipe in = make_pipe(argv[0]), out = make_pipe(argv[0]), err = make_pipe(argv[0]),
       status = make_pipe(argv[0]);
  const auto deadline =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeout_s));
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0)
    throw UserError("cannot run '" + argv[0] + "': fork failed (" + std::strerror(errno) + ")");
  if (pid == 0)
    exec_child(args.data(), work_dir.c_str(), in.read.get(), out.write.get(), err.write.get(),
               status.write.get(), parent);

  ::setpgid(pid, pid);  // also here, so a kill below cannot race the child's own setpgid
  const RunningGroup running(pid);
  in.read.reset();
  out.write.reset();
  err.write.reset();
  status.write.reset();

  ProcessResult result;
  int exec_errno = 0;
  ssize_t got = 0;
  while ((got = ::read(status.read.get(), &exec_errno, sizeof exec_errno)) < 0 && errno == EINTR) {
  }
  if (got == sizeof exec_errno) {
    wait_blocking(pid);
    result.exec_error = std::strerror(exec_errno);
    return result;
  }
  result.started = true;

  bool in_time = exchange(in.write, out.read, err.read, input, deadline, pid, result);
  trim_to_tail(result.out);
  trim_to_tail(result.err);
  while (in_time && !has_exited(pid)) {
    if (Clock::now() >= deadline) in_time = false;
    else std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  // Nothing of the program's process group outlives the measurement: on a timeout, and
  // background children it left. While the unreaped program holds its pid, the group id
  // cannot have been reused.
  ::kill(-pid, SIGKILL);
  const int wait_status = wait_blocking(pid);
  if (!in_time) {
    result.timed_out = true;
    return result;
  }
  if (WIFEXITED(wait_status)) result.exit_status = WEXITSTATUS(wait_status);
  else if (WIFSIGNALED(wait_status)) result.signal = WTERMSIG(wait_status);
  return result;
}

std::optional<std::filesystem::path> find_program(const std::string& program, const std::string& work_dir) {
  namespace fs = std::filesystem;
  const auto in_work_dir = [&](const fs::path& p) {
    return p.is_relative() && !work_dir.empty() ? fs::path(work_dir) / p : p;
  };
  if (program.find('/') != std::string::npos) return in_work_dir(program);
  const char* env = std::getenv("PATH");
  const std::string dirs = env != nullptr ? env : "/bin:/usr/bin";
  for (std::size_t begin = 0; begin <= dirs.size();) {
    const std::size_t end = std::min(dirs.find(':', begin), dirs.size());
    const fs::path candidate = in_work_dir((end > begin ? dirs.substr(begin, end - begin) : ".") + "/" + program);
    std::error_code ec;
    if (fs::is_regular_file(candidate, ec) && ::access(candidate.c_str(), X_OK) == 0) return candidate;
    begin = end + 1;
  }
  return std::nullopt;
}

std::string one_line(std::string_view text, std::size_t max_chars) {
  std::string out;
  for (char ch : text) {
    const bool space = std::isspace(static_cast<unsigned char>(ch)) != 0;
    if (space && (out.empty() || out.back() == ' ')) continue;
    out += space ? ' ' : ch;
    if (out.size() >= max_chars) return out + "...";
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::filesystem::path program_beside_this_one(std::string_view name) {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec)
    throw UserError("cannot find the running program's directory: /proc/self/exe cannot be read (" + ec.message() +
                    "); mount /proc");
  return self.parent_path() / name;
}

void kill_running_process_groups() noexcept {
  for (const std::atomic<pid_t>& slot : g_running)
    if (const pid_t group = slot.load(); group > 0) ::kill(-group, SIGKILL);
}

}  // namespace hwnas::hw
