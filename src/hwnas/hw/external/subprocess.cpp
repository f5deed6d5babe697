#include "hwnas/hw/external/subprocess.h"

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
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

using Clock = std::chrono::steady_clock;

/// Keeps the last kMaxOutputBytes (the answer and the final error are at the end), trimming
/// the front only when twice that has piled up, so that each byte is moved O(1) times.
void append_capped(std::string& to, const char* data, std::size_t n) {
  to.append(data, n);
  if (to.size() > 2 * kMaxOutputBytes) to.erase(0, to.size() - kMaxOutputBytes);
}

void trim_to_tail(std::string& text) {
  if (text.size() > kMaxOutputBytes) text.erase(0, text.size() - kMaxOutputBytes);
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
bool exchange(ChildProcess& child, const std::string& input, Clock::time_point deadline, ProcessResult& result) {
  SigpipeGuard guard;
  Fd &in = child.in(), &out = child.out(), &err = child.err();
  for (const Fd* fd : {&in, &out, &err}) fd->set_nonblocking();
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
    if (child.has_exited()) {
      drain(out, result.out);
      drain(err, result.err);
    }
  }
  return true;
}

}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv, const std::string& work_dir,
                          const std::string& input, double timeout_s, const std::vector<std::string>& environment) {
  const auto deadline =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeout_s));
  ChildProcess child(argv, work_dir, environment);
  ProcessResult result;
  if (!child.started()) {
    result.exec_error = child.exec_error();
    return result;
  }
  result.started = true;

  bool in_time = exchange(child, input, deadline, result);
  trim_to_tail(result.out);
  trim_to_tail(result.err);
  while (in_time && !child.has_exited()) {
    if (Clock::now() >= deadline) in_time = false;
    else std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  // Nothing of the program's process group outlives the measurement: on a timeout, and
  // background children it left.
  const int wait_status = child.kill_and_reap();
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

std::string one_line_ends(std::string_view text, std::size_t max_chars) {
  const std::string whole = one_line(text, std::string::npos);
  if (whole.size() <= max_chars) return whole;
  const std::size_t half = max_chars / 2;
  return whole.substr(0, half) + " ... " + whole.substr(whole.size() - half);
}

std::filesystem::path program_beside_this_one(std::string_view name) {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec)
    throw UserError("cannot find the running program's directory: /proc/self/exe cannot be read (" + ec.message() +
                    "); mount /proc");
  return self.parent_path() / name;
}

}  // namespace hwnas::hw
