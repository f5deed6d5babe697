// The fuzz targets' contract (bench/fuzz.sh, docs/development.md "Fuzzing").
//
// A UserError with a one-line message (what the CLI prints before exiting 2) is a reader's
// expected answer to bad input; an empty or multi-line message is a finding. Anything else
// that escapes — InternalError, a library's own exception (yaml-cpp, nlohmann::json,
// XGBoost), std::bad_alloc, std::length_error — is a bug: the target aborts and libFuzzer
// keeps the input. Sanitizer reports (ASan, UBSan) abort on their own.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <typeinfo>

#include <unistd.h>

#include "hwnas/base/error.h"

namespace hwnas::fuzz {

/// Runs `read`; returns normally after it returns or throws a one-line UserError, aborts
/// otherwise.
/// With HWNAS_FUZZ_VERBOSE set, prints each UserError (to read what an input gets).
template <typename Read>
int expect_user_errors_only(Read&& read) {
  try {
    read();
  } catch (const UserError& e) {
    static const bool verbose = std::getenv("HWNAS_FUZZ_VERBOSE") != nullptr;
    if (verbose) std::fprintf(stderr, "UserError: %s\n", e.what());
    const std::string_view message = e.what();
    if (message.empty() || message.find_first_of("\r\n") != std::string_view::npos) {
      std::fprintf(stderr, "fuzz: a UserError that is not one line: '%s'\n", e.what());
      std::abort();
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz: %s escaped the reader: %s\n", typeid(e).name(), e.what());
    std::abort();
  } catch (...) {
    std::fprintf(stderr, "fuzz: a non-standard exception escaped the reader\n");
    std::abort();
  }
  return 0;
}

/// Runs `step`, which must not throw at all (e.g. re-reading what hwnas itself wrote).
template <typename Step>
void expect_no_error(const char* what, Step&& step) {
  try {
    step();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz: %s failed: %s\n", what, e.what());
    std::abort();
  }
}

/// A guarantee broken after a successful read (e.g. a saved model that does not reload
/// equal): thrown by the checks that a fuzz target shares with its regression test
/// (space_checks.h, onnx_checks.h), so that the target aborts and the test fails.
struct ContractViolation : std::logic_error {
  using std::logic_error::logic_error;
};

/// Runs `step`, which must not throw at all; any exception becomes a ContractViolation.
template <typename Step>
void require_success(const std::string& what, Step&& step) {
  try {
    step();
  } catch (const std::exception& e) {
    throw ContractViolation(what + " failed: " + e.what());
  }
}

/// A scratch folder of this process (libFuzzer's -fork and -jobs run several at once),
/// made on first use under the system's temporary folder.
inline const std::filesystem::path& scratch_dir() {
  static const std::filesystem::path dir = [] {
    std::filesystem::path d = std::filesystem::temp_directory_path() /
                              ("hwnas-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  return dir;
}

}  // namespace hwnas::fuzz
