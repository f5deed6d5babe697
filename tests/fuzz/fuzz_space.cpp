// Fuzz target for search-space files (space/yaml_space.h, configs/spaces/, docs/spaces.md):
// the bytes are read as the space file "fuzz.yaml" and, when they read, the space is built
// and a few of its networks decoded and checked (space_checks.h).
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/fuzz_contract.h"
#include "fuzz/space_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  return hwnas::fuzz::expect_user_errors_only([&] { hwnas::fuzz::exercise_space(text, "fuzz.yaml"); });
}
