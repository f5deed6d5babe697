// An exclusive advisory lock on a file, so that two processes do not write one store.
#pragma once

#include <optional>
#include <string>

namespace hwnas {

/// flock(2) LOCK_EX on an existing file, held until the FileLock is destroyed; the kernel
/// releases it when the process dies (kill -9 included), so a crash never leaves a stale
/// lock. Independent of the POSIX record locks SQLite takes on the same file.
class FileLock {
 public:
  /// Takes the lock without waiting: std::nullopt when another open file description
  /// (another process) holds it. Throws UserError "PATH: cannot open to lock it (WHY)".
  static std::optional<FileLock> try_lock(const std::string& path);

  FileLock(FileLock&& other) noexcept;
  FileLock& operator=(FileLock&& other) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock();

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace hwnas
