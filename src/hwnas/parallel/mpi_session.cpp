#include "hwnas/parallel/mpi_session.h"

#include <mpi.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <fstream>

#include "hwnas/base/error.h"

namespace hwnas::parallel {
namespace {

const char* environment(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : nullptr;
}

/// Whether process `pid` is still running: it exists and is not a zombie.
bool running(long pid) {
  if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) return false;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  const std::size_t close = line.rfind(')');  // the command name may hold anything
  return close == std::string::npos || close + 2 >= line.size() || (line[close + 2] != 'Z' && line[close + 2] != 'X');
}

}  // namespace

bool started_by_mpirun() {
  return environment("OMPI_COMM_WORLD_SIZE") != nullptr || environment("PMI_SIZE") != nullptr ||
         environment("PMIX_RANK") != nullptr;
}

MpiSession::MpiSession() {
  int initialised = 0;
  MPI_Initialized(&initialised);
  HWNAS_CHECK(!initialised);  // one session per process
  int provided = 0;
  MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  std::array<char, 256> host{};
  gethostname(host.data(), host.size() - 1);
  std::vector<char> all_hosts(host.size() * static_cast<std::size_t>(size_));
  MPI_Allgather(host.data(), static_cast<int>(host.size()), MPI_CHAR, all_hosts.data(), static_cast<int>(host.size()),
                MPI_CHAR, MPI_COMM_WORLD);
  const long pid = static_cast<long>(getpid());
  pids_.resize(static_cast<std::size_t>(size_));
  MPI_Allgather(&pid, 1, MPI_LONG, pids_.data(), 1, MPI_LONG, MPI_COMM_WORLD);
  for (int r = 0; r < size_; ++r) hosts_.emplace_back(all_hosts.data() + host.size() * static_cast<std::size_t>(r));
}

MpiSession::~MpiSession() { MPI_Finalize(); }

std::optional<int> MpiSession::lowest_failing_rank(bool failed) const {
  int mine = failed ? rank_ : size_, lowest = size_;
  MPI_Allreduce(&mine, &lowest, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  return lowest < size_ ? std::optional<int>(lowest) : std::nullopt;
}

std::vector<int> MpiSession::ended_ranks_on_this_host() const {
  std::vector<int> ended;
  for (int r = 0; r < size_; ++r)
    if (r != rank_ && hosts_[static_cast<std::size_t>(r)] == hosts_[static_cast<std::size_t>(rank_)] &&
        !running(pids_[static_cast<std::size_t>(r)]))
      ended.push_back(r);
  return ended;
}

int MpiSession::worker_ranks_on_this_host() const {
  int n = 0;
  for (int r = 1; r < size_; ++r)
    n += hosts_[static_cast<std::size_t>(r)] == hosts_[static_cast<std::size_t>(rank_)] ? 1 : 0;
  return n;
}

void MpiSession::watch_ranks() {
  if (first_ended_.empty()) first_ended_ = ended_ranks_on_this_host();
}

}  // namespace hwnas::parallel
