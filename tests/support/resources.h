// What some tests need beyond the build: the shared data directory (NAS-Bench-201 and
// FBNet tables) and Python with PyTorch. A test whose resource is missing is skipped with a
// message naming it and how to provide it; with HWNAS_REQUIRE_ALL_TESTS set (to anything
// but 0), as scripts/test.sh and CI set it, the test fails instead, so nothing is skipped
// silently where every resource is meant to be present.
//
//   if (const std::string why = testing::missing_data("nb201/nb201.csv"); !why.empty())
//     HWNAS_MISSING_RESOURCE(why);
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace hwnas::testing {

/// The shared data directory: $HWNAS_DATA_DIR, else <project>/../shared/data.
inline std::filesystem::path data_dir() {
  if (const char* env = std::getenv("HWNAS_DATA_DIR"); env != nullptr && *env != '\0') return env;
  return std::filesystem::path(HWNAS_SOURCE_DIR) / ".." / "shared" / "data";
}

/// Whether a missing resource fails the test: HWNAS_REQUIRE_ALL_TESTS set and not "0".
inline bool all_resources_required() {
  const char* env = std::getenv("HWNAS_REQUIRE_ALL_TESTS");
  return env != nullptr && *env != '\0' && std::string(env) != "0";
}

/// Empty when data_dir()/`relative` exists; else what is missing and how to provide it.
inline std::string missing_data(const std::string& relative) {
  const std::filesystem::path file = data_dir() / relative;
  if (std::filesystem::exists(file)) return "";
  const char* env = std::getenv("HWNAS_DATA_DIR");
  const std::string where =
      env != nullptr && *env != '\0'
          ? "HWNAS_DATA_DIR names " + std::string(env) + "; point it at the shared data directory"
          : "set HWNAS_DATA_DIR to the shared data directory, or put it at " +
                (std::filesystem::path(HWNAS_SOURCE_DIR) / ".." / "shared" / "data").lexically_normal().string();
  return file.string() + " is absent (the NAS-Bench-201 and FBNet tables): " + where;
}

}  // namespace hwnas::testing

/// Skips the current test saying `why`, or fails it when all_resources_required().
#define HWNAS_MISSING_RESOURCE(why)                                                           \
  do {                                                                                        \
    if (::hwnas::testing::all_resources_required())                                           \
      FAIL() << (why) << " (HWNAS_REQUIRE_ALL_TESTS is set: a missing resource is a failure)"; \
    GTEST_SKIP() << (why) << " (skipped; HWNAS_REQUIRE_ALL_TESTS=1 makes this a failure)";    \
  } while (false)
