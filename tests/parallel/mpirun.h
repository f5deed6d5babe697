// Runs a program under OpenMPI's mpirun for the parallel tests: `mpirun
// --allow-run-as-root --oversubscribe -np N PROGRAM ARGS...` (no shell), stdout and stderr
// kept apart. mpirun is a Debian package hwnas needs (openmpi-bin, scripts/setup.sh): a
// test without it skips, or fails under HWNAS_REQUIRE_ALL_TESTS (support/resources.h).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "hwnas/hw/external/subprocess.h"
#include "support/cli_runner.h"
#include "support/resources.h"

namespace hwnas::testing {

/// mpirun's path (the first on PATH), or empty when there is none.
inline std::string mpirun_path() {
  const std::optional<std::filesystem::path> path = hw::find_program("mpirun", "");
  return path ? path->string() : "";
}

inline std::string missing_mpirun() {
  return mpirun_path().empty() ? "mpirun is not on PATH: install OpenMPI (apt-get install openmpi-bin; scripts/setup.sh)"
                               : "";
}

/// Skips the test, or fails it under HWNAS_REQUIRE_ALL_TESTS, when mpirun is missing.
#define REQUIRE_MPIRUN()                                                                                     \
  do {                                                                                                       \
    if (const std::string why = ::hwnas::testing::missing_mpirun(); !why.empty()) HWNAS_MISSING_RESOURCE(why); \
  } while (false)

/// The argv of `mpirun ... -np ranks program args...`.
inline std::vector<std::string> mpirun_argv(int ranks, const std::string& program, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {mpirun_path(), "--allow-run-as-root", "--oversubscribe", "-np",
                                   std::to_string(ranks), program};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

/// Runs `program args...` on `ranks` ranks to the end.
inline Result mpirun(int ranks, const std::string& program, const std::vector<std::string>& args) {
  return run_program(mpirun_argv(ranks, program, args));
}

}  // namespace hwnas::testing
