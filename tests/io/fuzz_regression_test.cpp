// ONNX files for fuzz_onnx (tests/fuzz, bench/fuzz.sh): its seeds and the inputs it found
// (tests/fuzz/regressions/onnx/), run through the target's checks (onnx_checks.h) so CI
// checks them without clang.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "fuzz/onnx_checks.h"
#include "fuzz/replay.h"
#include "hwnas/base/error.h"
#include "hwnas/graph/model_file.h"
#include "hwnas/io/onnx_export.h"
#include "hwnas/io/onnx_import.h"
#include "space/user_error.h"

namespace hwnas::io {
namespace {

namespace fs = std::filesystem;

bool exercise(const fs::path& file) {
  const std::string scratch = (fs::path(::testing::TempDir()) / "fuzz_regression_export.onnx").string();
  return fuzz::expect_fuzz_contract(file, [&](const fs::path& f) { fuzz::exercise_onnx_file(f.string(), scratch); });
}

// The seeds import, export and re-import identically, except the two that show a refusal:
// torchvision's LR-ASPP (its interpolation to the input's size exports Shape ops) and a
// network exported with a dynamic height and width. What the target found
// (tests/fuzz/regressions/onnx/) must import or fail with a one-line UserError.
TEST(FuzzRegression, OnnxSeedsImportExceptTheTwoRefusalsAndFoundInputsFailInOneLine) {
  const auto seeds = fuzz::fuzz_inputs("corpus", "onnx");
  ASSERT_GE(seeds.size(), 11u);
  for (const fs::path& f : seeds) {
    const std::string name = f.filename().string();
    const bool refused = name == "tv_lraspp.onnx" || name == "tv_mobilenet_v3_dynamic.onnx";
    EXPECT_EQ(exercise(f), !refused) << name;
  }
  const auto found = fuzz::fuzz_inputs("regressions", "onnx");
  ASSERT_FALSE(found.empty());
  for (const fs::path& f : found) exercise(f);
}

using space::error_of;  // the UserError's message; a test failure when none is thrown

// fuzz_onnx's finding: a block name with a byte that is not UTF-8 in the hwnas.blocks table
// imported (yaml-cpp reads the JSON without checking), then the export's JSON writer threw
// nlohmann's type_error 316 (hwnas export: "internal error", exit 1). A model file can name a
// block so too. Now the importer refuses the table and the exporter the name, in one line.
TEST(FuzzRegression, ABlockNameThatIsNotUtf8IsAOneLineErrorNotAJsonException) {
  const std::string file =
      (fs::path(HWNAS_SOURCE_DIR) / "tests/fuzz/regressions/onnx/block_table_not_utf8.onnx").string();
  const std::string imported = error_of([&] { import_onnx_file(file); });
  EXPECT_NE(imported.find("metadata hwnas.blocks: not UTF-8 text"), std::string::npos) << imported;
  const graph::Graph g = graph::parse_model("input: [3, 8, 8]\nlayers:\n  - {op: conv, name: \"c\xff\", out: 4}\n", "m.yaml");
  const std::string out = (fs::path(::testing::TempDir()) / "fuzz_regression_not_utf8.onnx").string();
  const std::string exported = error_of([&] { save_onnx_file(g, out); });
  EXPECT_NE(exported.find("block 'c\\xff': its name is not UTF-8 text"), std::string::npos) << exported;
  EXPECT_EQ(exported.find('\n'), std::string::npos) << exported;
}

}  // namespace
}  // namespace hwnas::io
