// Whether hwnas was started by mpirun is read from the launcher's environment alone: a
// process started without it never initialises MPI (parallel/mpi_session.h).
#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <string>

#include "hwnas/parallel/mpi_session.h"

namespace hwnas::parallel {
namespace {

/// Sets (or, with nullopt, unsets) an environment variable for the scope's lifetime.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) setenv(name, value->c_str(), 1);
    else unsetenv(name);
  }
  ~ScopedEnv() {
    if (old_) setenv(name_, old_->c_str(), 1);
    else unsetenv(name_);
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(MpiEnvironment, OnlyALaunchersVariablesMeanMpirun) {
  ScopedEnv size("OMPI_COMM_WORLD_SIZE", std::nullopt), pmi_size("PMI_SIZE", std::nullopt),
      pmix("PMIX_RANK", std::nullopt);
  EXPECT_FALSE(started_by_mpirun());
  {
    ScopedEnv empty("OMPI_COMM_WORLD_SIZE", "");
    EXPECT_FALSE(started_by_mpirun());
  }
  {
    ScopedEnv ompi("OMPI_COMM_WORLD_SIZE", "3");
    EXPECT_TRUE(started_by_mpirun());
  }
  {
    ScopedEnv other("PMIX_RANK", "1");  // another PMIx launcher (srun, prun)
    EXPECT_TRUE(started_by_mpirun());
  }
}

}  // namespace
}  // namespace hwnas::parallel
