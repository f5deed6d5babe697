#include "hwnas/hw/external/child_process.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <string_view>

#include "hwnas/base/error.h"

namespace hwnas::hw {
namespace {

// The process groups of the children alive, for kill_running_process_groups (a signal
// handler: lock-free atomics only; several threads may run programs at once, each claiming
// a slot with a compare-and-swap). A child beyond the slots is not listed: there are more
// than hwnas runs at once (a search: up to 1,024 accuracy workers, search/accuracy_pool.h,
// and one latency program).
std::array<std::atomic<pid_t>, 2048> g_running{};
static_assert(std::atomic<pid_t>::is_always_lock_free);

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
[[noreturn]] void exec_child(char* const* argv, char* const* envp, const char* work_dir, int in, int out, int err,
                             int status, pid_t parent) {
  ::setpgid(0, 0);
  // Dies with its parent (the thread that forked it): a search killed with SIGKILL leaves
  // no training running. Kept across execvp; checked after setting, in case the parent
  // died before.
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
  if (envp != nullptr) ::execvpe(argv[0], argv, envp);
  else ::execvp(argv[0], argv);
  const int e = errno;
  [[maybe_unused]] auto n = ::write(status, &e, sizeof e);
  ::_exit(127);
}

/// This process's environment with `changes` ("NAME=VALUE") replacing or adding variables.
std::vector<std::string> environment_with(const std::vector<std::string>& changes) {
  const auto name_of = [](std::string_view entry) { return entry.substr(0, entry.find('=')); };
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const auto same_name = [&](const std::string& c) { return name_of(c) == name_of(entry); };
    if (std::none_of(changes.begin(), changes.end(), same_name)) env.emplace_back(entry);
  }
  env.insert(env.end(), changes.begin(), changes.end());
  return env;
}

int wait_blocking(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

}  // namespace

Fd& Fd::operator=(Fd&& other) noexcept {
  if (this != &other) {
    reset();
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

void Fd::reset() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void Fd::set_nonblocking() const { ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK); }

SigpipeGuard::SigpipeGuard() {
  sigset_t pipe_set;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  sigset_t pending;
  sigpending(&pending);
  was_pending_ = sigismember(&pending, SIGPIPE) == 1;
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old_);
}

SigpipeGuard::~SigpipeGuard() {
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

/// Lists a process group from construction until destruction.
struct ChildProcess::Listing {
  explicit Listing(pid_t group) {
    for (std::atomic<pid_t>& s : g_running) {
      pid_t empty = 0;
      if (s.compare_exchange_strong(empty, group)) {
        slot = &s;
        return;
      }
    }
  }
  ~Listing() {
    if (slot != nullptr) slot->store(0);
  }
  std::atomic<pid_t>* slot = nullptr;
};

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const std::string& work_dir,
                           const std::vector<std::string>& environment) {
  HWNAS_CHECK(!argv.empty());
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  // Made before the fork: the child may only make async-signal-safe calls.
  const std::vector<std::string> env = environment.empty() ? std::vector<std::string>{} : environment_with(environment);
  std::vector<char*> envp;
  for (const std::string& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);

  Pipe in = make_pipe(argv[0]), out = make_pipe(argv[0]), err = make_pipe(argv[0]), status = make_pipe(argv[0]);
  const pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ < 0) throw UserError("cannot run '" + argv[0] + "': fork failed (" + std::strerror(errno) + ")");
  if (pid_ == 0)
    exec_child(args.data(), environment.empty() ? nullptr : envp.data(), work_dir.c_str(), in.read.get(),
               out.write.get(), err.write.get(), status.write.get(), parent);

  ::setpgid(pid_, pid_);  // also here, so a kill below cannot race the child's own setpgid
  listing_ = std::make_unique<Listing>(pid_);
  in_ = std::move(in.write);
  out_ = std::move(out.read);
  err_ = std::move(err.read);
  status.write.reset();

  int exec_errno = 0;
  ssize_t got = 0;
  while ((got = ::read(status.read.get(), &exec_errno, sizeof exec_errno)) < 0 && errno == EINTR) {
  }
  if (got == sizeof exec_errno) {
    kill_and_reap();
    exec_error_ = std::strerror(exec_errno);
    if (exec_error_.empty()) exec_error_ = "exec failed";
  }
}

ChildProcess::~ChildProcess() { kill_and_reap(); }

bool ChildProcess::has_exited() const {
  if (reaped_ || pid_ <= 0) return true;
  siginfo_t info{};
  if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) != 0) return errno != EINTR;
  return info.si_pid == pid_;
}

int ChildProcess::kill_and_reap() {
  if (reaped_ || pid_ <= 0) return wait_status_;
  // While the unreaped program holds its pid, the group id cannot have been reused.
  ::kill(-pid_, SIGKILL);
  listing_.reset();
  wait_status_ = wait_blocking(pid_);
  reaped_ = true;
  return wait_status_;
}

void kill_running_process_groups() noexcept {
  for (const std::atomic<pid_t>& slot : g_running)
    if (const pid_t group = slot.load(); group > 0) ::kill(-group, SIGKILL);
}

}  // namespace hwnas::hw
