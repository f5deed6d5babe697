// The environment hwnas-train wants before it loads: OMP_WAIT_POLICY=PASSIVE unless the
// user chose a policy. libgomp reads the variable when it loads, before main, so
// hwnas-train (cli/train_main.cpp) runs itself again with it set when it finds it unset —
// which loads libtorch twice: 0.5 to 0.7 s more for every start on the 2-core machine
// (`time hwnas-train --help`: 1.97 s, 1.24 s with the variable set, 2026-12-01). A program
// that starts hwnas-train gives it train_program_environment() so that it starts once.
// Header-only and torch-free: hwnas (forward_command.cpp), the advisor and the search use it.
#pragma once

#include <cstdlib>
#include <string>
#include <vector>

namespace hwnas::train {

inline constexpr const char* kWaitPolicyVariable = "OMP_WAIT_POLICY";
inline constexpr const char* kWaitPolicy = "PASSIVE";

/// {"OMP_WAIT_POLICY=PASSIVE"} when this process's environment lacks OMP_WAIT_POLICY, else
/// {} (the user's policy is inherited): "NAME=VALUE" entries for hw::ChildProcess.
inline std::vector<std::string> train_program_environment() {
  if (std::getenv(kWaitPolicyVariable) != nullptr) return {};
  return {std::string(kWaitPolicyVariable) + "=" + kWaitPolicy};
}

}  // namespace hwnas::train
