#include "hwnas/base/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "hwnas/base/error.h"

namespace hwnas {

std::optional<FileLock> FileLock::try_lock(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw UserError(path + ": cannot open to lock it (" + std::strerror(errno) + ")");
  if (::flock(fd, LOCK_EX | LOCK_NB) == 0) return FileLock(fd);
  const int err = errno;
  ::close(fd);
  if (err == EWOULDBLOCK) return std::nullopt;
  throw UserError(path + ": cannot lock (" + std::strerror(err) + ")");
}

FileLock::FileLock(FileLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

FileLock& FileLock::operator=(FileLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the last descriptor releases the lock
}

}  // namespace hwnas
