// ONNX files for fuzz_onnx (tests/fuzz, bench/fuzz.sh): its seeds and the inputs it found
// (tests/fuzz/regressions/onnx/), run through the target's checks (onnx_checks.h) so CI
// checks them without clang.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "fuzz/onnx_checks.h"
#include "fuzz/replay.h"

namespace hwnas::io {
namespace {

namespace fs = std::filesystem;

bool exercise(const fs::path& file) {
  const std::string scratch = (fs::path(::testing::TempDir()) / "fuzz_regression_export.onnx").string();
  return fuzz::expect_fuzz_contract(file, [&](const fs::path& f) { fuzz::exercise_onnx_file(f.string(), scratch); });
}

// The seeds import, export and re-import identically, except the two that show a refusal:
// torchvision's LR-ASPP (its interpolation to the input's size exports Shape ops) and a
// network exported with a dynamic height and width. What the target finds goes to
// tests/fuzz/regressions/onnx/ (none yet): it must import or fail with a one-line UserError.
TEST(FuzzRegression, OnnxSeedsImportExceptTheTwoRefusalsAndFoundInputsFailInOneLine) {
  const auto seeds = fuzz::fuzz_inputs("corpus", "onnx");
  ASSERT_GE(seeds.size(), 11u);
  for (const fs::path& f : seeds) {
    const std::string name = f.filename().string();
    const bool refused = name == "tv_lraspp.onnx" || name == "tv_mobilenet_v3_dynamic.onnx";
    EXPECT_EQ(exercise(f), !refused) << name;
  }
  for (const fs::path& f : fuzz::fuzz_inputs("regressions", "onnx")) exercise(f);
}

}  // namespace
}  // namespace hwnas::io
