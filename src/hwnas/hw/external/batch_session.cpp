#include "hwnas/hw/external/batch_session.h"

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <thread>

#include "hwnas/hw/external/subprocess.h"

namespace hwnas::hw {
namespace {

constexpr std::size_t kStderrKept = 64 << 10;

bool blank(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char ch) { return std::isspace(static_cast<unsigned char>(ch)); });
}

}  // namespace

BatchSession::BatchSession(const std::vector<std::string>& argv, const std::string& work_dir,
                           const std::vector<std::string>& environment)
    : program_(argv.front()), child_(argv, work_dir, environment) {
  if (!child_.started()) return;
  for (Fd* fd : {&child_.in(), &child_.out(), &child_.err()}) fd->set_nonblocking();
}

BatchSession::~BatchSession() {
  child_.in().reset();  // end of file: the program's cue to exit
  const auto until = Clock::now() + kExitGrace;
  std::string discard;
  while (!child_.has_exited() && Clock::now() < until) {
    // Keep reading, so that a program printing on its way out does not block on a full pipe.
    while (child_.out().open() && read_available(child_.out(), discard, 0)) discard.clear();
    while (child_.err().open() && read_available(child_.err(), discard, 0)) discard.clear();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  child_.kill_and_reap();
}

bool BatchSession::read_available(Fd& fd, std::string& to, std::size_t keep) {
  char buffer[65536];
  for (;;) {
    const ssize_t r = ::read(fd.get(), buffer, sizeof buffer);
    if (r > 0) {
      to.append(buffer, static_cast<std::size_t>(r));
      if (keep > 0 && to.size() > 2 * keep) to.erase(0, to.size() - keep);
      return true;
    }
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return false;
    fd.reset();  // end of file, or an error that ends the stream as well
    return false;
  }
}

bool BatchSession::take_line(std::string& line) {
  for (std::size_t end = out_.find('\n'); end != std::string::npos; end = out_.find('\n')) {
    std::string l = out_.substr(0, end);
    out_.erase(0, end + 1);
    if (!blank(l)) {
      line = std::move(l);
      return true;
    }
  }
  return false;
}

BatchSession::Outcome BatchSession::ask(const std::string& line, Clock::time_point deadline, std::string& answer) {
  const SigpipeGuard guard;
  const std::string pending = line + '\n';
  std::size_t written = 0;
  Fd &in = child_.in(), &out = child_.out(), &err = child_.err();
  for (;;) {
    if (take_line(answer)) return Outcome::answered;
    if (out_.size() > kMaxAnswerLineBytes) return Outcome::line_too_long;
    if (!out_open_ || !out.open()) return Outcome::ended;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return Outcome::timed_out;
    pollfd fds[3];
    nfds_t n = 0;
    const bool writing = in.open() && written < pending.size();
    if (writing) fds[n++] = pollfd{in.get(), POLLOUT, 0};
    const nfds_t out_at = n;
    fds[n++] = pollfd{out.get(), POLLIN, 0};
    const nfds_t err_at = n;
    if (err.open()) fds[n++] = pollfd{err.get(), POLLIN, 0};
    // A 10 ms tick notices an exit that leaves stdout open (a background child holds it
    // and may keep the pipes busy: the exit is checked on every turn).
    const int ready = ::poll(fds, n, static_cast<int>(std::min<long long>(left.count() + 1, 10)));
    if (ready < 0 && errno != EINTR) return Outcome::ended;
    if (ready > 0 && writing && fds[0].revents != 0) {
      const ssize_t w = ::write(in.get(), pending.data() + written, pending.size() - written);
      if (w > 0) written += static_cast<std::size_t>(w);
      // EPIPE: the program exited or closed stdin; its stdout and exit say the rest.
      else if (w < 0 && errno != EAGAIN && errno != EINTR) in.reset();
    }
    if (ready > 0 && fds[out_at].revents != 0 && !read_available(out, out_, 0) && !out.open()) out_open_ = false;
    if (ready > 0 && err_at < n && fds[err_at].revents != 0) read_available(err, err_, kStderrKept);
    if (child_.has_exited()) {
      // What it wrote before exiting is in the pipes: take it, then the loop ends.
      while (out.open() && read_available(out, out_, 0)) {
      }
      while (err.open() && read_available(err, err_, kStderrKept)) {
      }
      out_open_ = false;
    }
  }
}

std::string BatchSession::end_note() {
  // Stdout closes as the program exits: give the exit a moment to complete.
  for (int i = 0; i < 100 && !child_.has_exited(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  const bool exited = child_.has_exited();
  const int status = child_.kill_and_reap();
  if (!exited) return fmt::format("'{}' closed its stdout (it was killed)", program_);
  if (WIFSIGNALED(status)) {
    end_signal_ = WTERMSIG(status);
    return fmt::format("'{}' was killed by signal {} ({})", program_, end_signal_, strsignal(end_signal_));
  }
  return fmt::format("'{}' exited with status {}", program_, WEXITSTATUS(status));
}

std::string BatchSession::stderr_note() const {
  std::string_view text = err_;
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  if (text.empty()) return "; it printed nothing on stderr";
  const std::size_t start = text.find_last_of('\n');
  // The whole last line (hwnas-train's one-line error ends with its fix), up to 600 characters.
  return "; stderr ends with: '" + one_line_ends(text.substr(start == std::string_view::npos ? 0 : start + 1), 600) +
         "'";
}

}  // namespace hwnas::hw
