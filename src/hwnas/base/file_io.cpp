#include "hwnas/base/file_io.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <bit>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string_view>

#include "hwnas/base/error.h"
#include "hwnas/base/hash.h"

namespace hwnas {
namespace {

namespace fs = std::filesystem;

std::string errno_text(int err) { return std::strerror(err); }

/// "a directory", "a FIFO", ... for a file that is not a regular file.
std::string kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

std::optional<struct stat> stat_of(const std::string& path, int& err) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    err = errno;
    return std::nullopt;
  }
  err = 0;
  return st;
}

/// `path` with symlinks in its last component followed (a dangling link gives the path it
/// points to), so that writing replaces the link's target, not the link.
std::string resolve_links(const std::string& path) {
  fs::path at = path;
  for (int hops = 0; hops < 40; ++hops) {
    std::error_code ec;
    if (!fs::is_symlink(fs::symlink_status(at, ec))) return at.string();
    const fs::path target = fs::read_symlink(at, ec);
    if (ec) return at.string();
    at = target.is_absolute() ? target : at.parent_path() / target;
  }
  throw UserError(fmt::format("{}: too many levels of symbolic links", path));
}

std::string directory_of(const std::string& resolved) {
  const fs::path dir = fs::path(resolved).parent_path();
  return dir.empty() ? std::string(".") : dir.string();
}

/// The canonical spelling of a path that may not exist yet (its directory does).
std::string canonical_spelling(const std::string& path) {
  std::error_code ec;
  const fs::path p = fs::weakly_canonical(fs::absolute(resolve_links(path), ec), ec);
  return ec ? path : p.string();
}

/// The temporary files write_file_atomically has in flight, so that SIGINT or SIGTERM
/// (Ctrl-C, kill) does not leave them behind: a fixed table the signal handler can read
/// without allocating (a write beyond its slots is just not cleaned up on a signal).
struct TempSlot {
  std::atomic<bool> used{false};
  std::atomic<bool> ready{false};
  char path[PATH_MAX] = {};
};
std::array<TempSlot, 16> g_temps;
constexpr std::array<int, 2> kCleanedSignals = {SIGINT, SIGTERM};
std::mutex g_handler_mutex;
int g_in_flight = 0;                                   // guarded by g_handler_mutex
std::array<struct sigaction, 2> g_previous_actions{};  // set while g_in_flight > 0

void unlink_temps() {
  for (TempSlot& slot : g_temps)
    if (slot.ready.load()) ::unlink(slot.path);
}

/// SIGINT/SIGTERM while a temporary file is in flight: the previous disposition decides.
/// The default (the process ends): remove the temporary files, restore the default and
/// re-raise, so the process still ends by the signal. Ignored: nothing. A handler (e.g.
/// hwnas search's stop request): call it; when it has set the default to end the process,
/// remove the temporary files first.
extern "C" void remove_temps_on_signal(int signal_number) {
  const int saved_errno = errno;
  const std::size_t i = signal_number == kCleanedSignals[0] ? 0 : 1;
  const struct sigaction& previous = g_previous_actions[i];
  const bool has_info = (previous.sa_flags & SA_SIGINFO) != 0;
  if (!has_info && previous.sa_handler == SIG_DFL) {
    unlink_temps();
    ::sigaction(signal_number, &previous, nullptr);
    ::raise(signal_number);  // blocked in this handler: delivered when it returns
  } else if (has_info || previous.sa_handler != SIG_IGN) {
    if (has_info)
      previous.sa_sigaction(signal_number, nullptr, nullptr);
    else
      previous.sa_handler(signal_number);
    struct sigaction now {};
    if (::sigaction(signal_number, nullptr, &now) == 0 && (now.sa_flags & SA_SIGINFO) == 0 &&
        now.sa_handler == SIG_DFL)
      unlink_temps();
  }
  errno = saved_errno;
}

/// For the scope of one write: the handler set (by the first write in flight), and
/// track() registers the temporary file; the destructor unregisters it and restores the
/// previous handlers (after the last write in flight).
class TempRegistration {
 public:
  TempRegistration() {
    const std::lock_guard<std::mutex> lock(g_handler_mutex);
    if (g_in_flight++ == 0) {
      struct sigaction action {};
      action.sa_handler = remove_temps_on_signal;
      ::sigemptyset(&action.sa_mask);
      for (int s : kCleanedSignals) ::sigaddset(&action.sa_mask, s);
      for (std::size_t i = 0; i < kCleanedSignals.size(); ++i)
        ::sigaction(kCleanedSignals[i], &action, &g_previous_actions[i]);
    }
  }
  void track(const std::string& path) {
    if (path.size() >= PATH_MAX) return;
    for (TempSlot& slot : g_temps) {
      bool expected = false;
      if (slot.used.compare_exchange_strong(expected, true)) {
        std::memcpy(slot.path, path.c_str(), path.size() + 1);
        slot.ready.store(true);
        slot_ = &slot;
        return;
      }
    }
  }
  ~TempRegistration() {
    if (slot_ != nullptr) {
      slot_->ready.store(false);
      slot_->used.store(false);
    }
    const std::lock_guard<std::mutex> lock(g_handler_mutex);
    if (--g_in_flight == 0)
      for (std::size_t i = 0; i < kCleanedSignals.size(); ++i)
        ::sigaction(kCleanedSignals[i], &g_previous_actions[i], nullptr);
  }
  TempRegistration(const TempRegistration&) = delete;
  TempRegistration& operator=(const TempRegistration&) = delete;

 private:
  TempSlot* slot_ = nullptr;
};

/// Removes the temporary files of `name` in `directory` (write_file_atomically's
/// ".NAME.PID.XXXXXX") whose writer is dead: a process killed mid-write (kill -9, a crash)
/// cannot remove its own, and a checkpoint's is as large as the checkpoint (s26 second
/// pass, finding 7). A live writer's (kill(PID, 0) finds it, or EPERM: another user's) is
/// kept. The PID is looked up on this machine: a process of another machine (or PID
/// namespace) writing the same file in a shared directory would be taken for a dead one.
/// Temporaries of hwnas before this naming (".NAME.XXXXXX") carry no PID and are kept.
void remove_stale_temps(const std::string& directory, const std::string& name) {
  const std::string prefix = "." + name + ".";
  std::error_code ec;
  for (fs::directory_iterator it(directory, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string entry = it->path().filename().string();
    if (!entry.starts_with(prefix)) continue;
    const std::string_view rest = std::string_view(entry).substr(prefix.size());  // "PID.XXXXXX"
    const std::size_t dot = rest.find('.');
    if (dot == std::string_view::npos || rest.size() - dot - 1 != 6) continue;
    pid_t pid = 0;
    const auto [end_of_pid, problem] = std::from_chars(rest.data(), rest.data() + dot, pid);
    if (problem != std::errc() || end_of_pid != rest.data() + dot || pid <= 0 || pid == ::getpid()) continue;
    if (::kill(pid, 0) == 0 || errno != ESRCH) continue;
    std::error_code kind_ec;
    if (fs::is_regular_file(it->symlink_status(kind_ec))) ::unlink(it->path().c_str());
  }
}

}  // namespace

namespace {

/// Opens `path` as read_text_file's input (its errors) and hands its bytes to `chunk` in order.
template <typename Chunk>
void read_file_chunks(const std::string& path, std::string_view what, Chunk chunk) {
  const auto fail = [&](const std::string& why) {
    throw UserError(fmt::format("{}: cannot read the {} ({}); check the path", path, what, why));
  };
  const auto not_a_file = [&](mode_t mode) {
    const bool vowel = !what.empty() && std::string_view("aeiou").find(what[0]) != std::string_view::npos;
    throw UserError(fmt::format("{}: is {}, not {} {}; check the path", path, kind_of(mode), vowel ? "an" : "a", what));
  };
  if (path.empty()) throw UserError(fmt::format("cannot read the {}: the path is empty", what));
  int err = 0;
  const std::optional<struct stat> st = stat_of(path, err);
  if (!st) fail(errno_text(err));
  if (!S_ISREG(st->st_mode)) not_a_file(st->st_mode);
  // O_NONBLOCK: a FIFO swapped in after the stat must not block the open.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) fail(errno_text(errno));
  struct stat opened {};
  if (::fstat(fd, &opened) != 0 || !S_ISREG(opened.st_mode)) {
    ::close(fd);
    not_a_file(opened.st_mode);
  }
  std::vector<char> buffer(1 << 20);
  for (;;) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      const int read_err = errno;
      ::close(fd);
      fail(errno_text(read_err));
    }
    chunk(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
  }
  ::close(fd);
}

}  // namespace

std::string read_text_file(const std::string& path, std::string_view what) {
  std::string text;
  read_file_chunks(path, what, [&](std::string_view bytes) { text.append(bytes); });
  return text;
}

std::string file_digest(const std::string& path, std::string_view what) {
  std::uint64_t hash = 0, bytes = 0, word = 0;
  int filled = 0;  // bytes of `word`, carried from one chunk to the next
  static_assert(std::endian::native == std::endian::little, "the words are read with memcpy");
  const auto byte = [&](char ch) {
    word |= std::uint64_t{static_cast<unsigned char>(ch)} << (8 * filled);
    if (++filled == 8) hash = hash_mix(hash, word), word = 0, filled = 0;
  };
  read_file_chunks(path, what, [&](std::string_view chunk) {
    std::size_t i = 0;
    for (; i < chunk.size() && filled != 0; ++i) byte(chunk[i]);
    for (; i + 8 <= chunk.size(); i += 8) {
      std::uint64_t w = 0;
      std::memcpy(&w, chunk.data() + i, 8);
      hash = hash_mix(hash, w);
    }
    for (; i < chunk.size(); ++i) byte(chunk[i]);
    bytes += chunk.size();
  });
  hash = hash_mix(hash_mix(hash, word), bytes);
  return fmt::format("{} bytes, hash {:016x}", bytes, hash);
}

void check_output_path(const std::string& path, std::string_view what,
                       const std::vector<FileRole>& others) {
  const auto fail = [&](const std::string& why) {
    throw UserError(fmt::format("{}: cannot write the {} there: {}", path, what, why));
  };
  if (path.empty()) throw UserError(fmt::format("the {}: the path is empty; give a file name", what));
  const std::string resolved = resolve_links(path);
  if (fs::path(resolved).filename().empty()) fail("the path names a directory; give a file name");
  int err = 0;
  const std::optional<struct stat> st = stat_of(resolved, err);
  if (st && !S_ISREG(st->st_mode))
    fail(fmt::format("it is {}; give the path of a regular file", kind_of(st->st_mode)));
  if (!st && err != ENOENT) fail(errno_text(err));

  const std::string dir = directory_of(resolved);
  const std::optional<struct stat> dir_st = stat_of(dir, err);
  if (!dir_st) fail(fmt::format("directory '{}' does not exist; create it first", dir));
  if (!S_ISDIR(dir_st->st_mode)) fail(fmt::format("'{}' is not a directory", dir));
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    fail(fmt::format("directory '{}' is not writable ({})", dir, errno_text(errno)));
  // access() says yes to root everywhere, also where nothing can be created (/proc, /sys, a
  // read-only mount): create and remove a probe, so that a long job never learns it at the end.
  const std::string probe = (fs::path(dir) / fmt::format(".hwnas-probe-{}", ::getpid())).string();
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0 && errno != EEXIST)
    fail(fmt::format("no file can be created in directory '{}' ({})", dir, errno_text(errno)));
  if (fd >= 0) {
    ::close(fd);
    ::unlink(probe.c_str());
  }

  for (const FileRole& other : others) {
    if (other.path.empty()) continue;
    int other_err = 0;
    const std::optional<struct stat> other_st = stat_of(other.path, other_err);
    const bool same = st ? other_st && other_st->st_dev == st->st_dev && other_st->st_ino == st->st_ino
                         : !other_st && canonical_spelling(other.path) == canonical_spelling(path);
    // A role written as an output's WHAT ("checkpoint (--checkpoint)") reads "it is the
    // checkpoint ..."; one with its article ("the model (MODEL)", "a file the target's
    // command uses") as written.
    const std::string& role = other.role;
    const bool article = role.starts_with("the ") || role.starts_with("a ") || role.starts_with("an ");
    if (same) fail(fmt::format("it is {}{} ('{}'); write it to another file", article ? "" : "the ", role, other.path));
  }
}

void write_file_atomically(const std::string& path, std::string_view text, std::string_view what) {
  const auto fail = [&](const std::string& why) {
    throw UserError(fmt::format("{}: cannot write the {}: {}", path, what, why));
  };
  const std::string target = resolve_links(path);
  int err = 0;
  const std::optional<struct stat> existing = stat_of(target, err);
  if (existing && !S_ISREG(existing->st_mode))
    fail(fmt::format("it is {}; give the path of a regular file", kind_of(existing->st_mode)));
  mode_t mode = 0;
  if (existing) {
    mode = existing->st_mode & 07777;
  } else {
    const mode_t mask = ::umask(0);
    ::umask(mask);
    mode = 0666 & ~mask;
  }

  // The temporary's name carries this process's PID, so that a later write to `path`
  // removes it if this process is killed before it could (remove_stale_temps).
  const std::string directory = directory_of(target), name = fs::path(target).filename().string();
  remove_stale_temps(directory, name);
  std::string tmp = (fs::path(directory) / fmt::format(".{}.{}.XXXXXX", name, ::getpid())).string();
  // SIGINT/SIGTERM held back from creating the file to registering it, so that no signal
  // finds a created temporary file unregistered.
  TempRegistration registration;
  sigset_t cleaned, before;
  ::sigemptyset(&cleaned);
  for (int s : kCleanedSignals) ::sigaddset(&cleaned, s);
  ::pthread_sigmask(SIG_BLOCK, &cleaned, &before);
  const int fd = ::mkstemp(tmp.data());
  const int mkstemp_errno = errno;
  if (fd >= 0) registration.track(tmp);
  ::pthread_sigmask(SIG_SETMASK, &before, nullptr);
  errno = mkstemp_errno;
  if (fd < 0) fail(fmt::format("{}; check the directory", errno_text(errno)));
  const auto give_up = [&](int why) {
    ::close(fd);
    ::unlink(tmp.c_str());
    fail(errno_text(why));
  };
  for (std::size_t done = 0; done < text.size();) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) give_up(errno);
    done += static_cast<std::size_t>(n);
  }
  // Keep the owner of a replaced file; only root may, so for others this fails harmlessly.
  [[maybe_unused]] const int owned = existing ? ::fchown(fd, existing->st_uid, existing->st_gid) : 0;
  if (::fchmod(fd, mode) != 0 || ::fsync(fd) != 0) give_up(errno);
  if (::close(fd) != 0) {
    const int why = errno;
    ::unlink(tmp.c_str());
    fail(errno_text(why));
  }
  if (::rename(tmp.c_str(), target.c_str()) != 0) {
    const int why = errno;
    ::unlink(tmp.c_str());
    fail(errno_text(why));
  }
}

}  // namespace hwnas
