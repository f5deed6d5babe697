#include "hwnas/base/file_io.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>

#include "hwnas/base/error.h"

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

}  // namespace

std::string read_text_file(const std::string& path, std::string_view what) {
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
  std::string text;
  struct stat opened {};
  if (::fstat(fd, &opened) != 0 || !S_ISREG(opened.st_mode)) {
    ::close(fd);
    not_a_file(opened.st_mode);
  }
  char buffer[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      const int read_err = errno;
      ::close(fd);
      fail(errno_text(read_err));
    }
    text.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return text;
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
    if (same)
      fail(fmt::format("it is {} ('{}'); write it to another file", other.role, other.path));
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

  std::string tmp = (fs::path(directory_of(target)) / ("." + fs::path(target).filename().string() + ".XXXXXX")).string();
  const int fd = ::mkstemp(tmp.data());
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
