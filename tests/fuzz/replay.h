// Replaying a fuzz target's inputs in a normal test (gtest, no clang needed): the seed
// corpus tests/fuzz/corpus/TARGET/ and what the target found, tests/fuzz/regressions/TARGET/,
// through the same checks the target runs (space_checks.h, onnx_checks.h).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <exception>
#include <filesystem>
#include <string>
#include <vector>

#include "hwnas/base/error.h"

namespace hwnas::fuzz {

/// The files of tests/fuzz/KIND/TARGET (KIND: "corpus" or "regressions"), sorted by name;
/// none when the folder does not exist (git keeps no empty folder).
inline std::vector<std::filesystem::path> fuzz_inputs(const std::string& kind, const std::string& target) {
  std::vector<std::filesystem::path> files;
  const auto dir = std::filesystem::path(HWNAS_SOURCE_DIR) / "tests/fuzz" / kind / target;
  if (!std::filesystem::is_directory(dir)) return files;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.is_regular_file() && e.path().filename().string().front() != '.') files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

/// The fuzz contract for one input: `exercise` returns, or throws a UserError of one
/// non-empty line; any other exception (a ContractViolation included) fails the test.
/// Returns whether the input was accepted (no UserError).
template <typename Exercise>
bool expect_fuzz_contract(const std::filesystem::path& file, Exercise&& exercise) {
  SCOPED_TRACE(file.string());
  try {
    exercise(file);
    return true;
  } catch (const UserError& e) {
    const std::string message = e.what();
    EXPECT_FALSE(message.empty());
    EXPECT_EQ(message.find_first_of("\r\n"), std::string::npos) << message;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not a UserError: " << e.what();
  }
  return false;
}

}  // namespace hwnas::fuzz
