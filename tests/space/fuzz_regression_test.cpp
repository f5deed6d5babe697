// Space files for fuzz_space (tests/fuzz, bench/fuzz.sh): its seeds and the inputs it found
// (tests/fuzz/regressions/space/), run through the target's checks (space_checks.h) so CI
// checks them without clang.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "fuzz/replay.h"
#include "fuzz/space_checks.h"
#include "hwnas/base/file_io.h"
#include "hwnas/graph/graph.h"

namespace hwnas::space {
namespace {

namespace fs = std::filesystem;

bool exercise(const fs::path& file) {
  return fuzz::expect_fuzz_contract(file, [](const fs::path& f) {
    fuzz::exercise_space(read_text_file(f.string(), "space file"), f.string());
  });
}

// The seeds (configs/spaces and docs/spaces.md's example among them) read and pass every
// check: a seed the reader refuses would leave its part of the format unfuzzed.
TEST(FuzzRegression, EverySpaceSeedReadsAndPassesTheChecks) {
  const auto seeds = fuzz::fuzz_inputs("corpus", "space");
  ASSERT_GE(seeds.size(), 7u);
  for (const fs::path& f : seeds) EXPECT_TRUE(exercise(f)) << f << " was refused";
}

TEST(FuzzRegression, EverySpaceInputReadsOrFailsWithAOneLineUserError) {
  const auto found = fuzz::fuzz_inputs("regressions", "space");
  ASSERT_FALSE(found.empty());
  for (const fs::path& f : found) exercise(f);
}

// fuzz_space's first finding: lraspp_head kept a reference to a node's shape across
// Graph::add, which may move the nodes (ASan: heap-use-after-free when decoding the
// segmentation head of this file). The head's upsample must give the stride-8 tap's size.
TEST(FuzzRegression, TheLrasppHeadUpsamplesToTheStride8Tap) {
  const std::string path =
      (fs::path(HWNAS_SOURCE_DIR) / "tests/fuzz/regressions/space/lraspp_head_use_after_free.yaml").string();
  const YamlSpace s(read_space_definition(read_text_file(path, "space file"), path, {.parallelism_factor = 8}));
  ASSERT_TRUE(exercise(path));
  Genome all_last;
  for (const std::uint32_t n : s.cardinalities()) all_last.genes.push_back(static_cast<std::uint16_t>(n - 1));
  const graph::Graph g = s.decode(all_last);
  const graph::NodeId up = g.find("classifier.upsample"), low = g.find("classifier.low_classifier");
  ASSERT_GE(up, 0);
  ASSERT_GE(low, 0);
  EXPECT_EQ(g.shape(up).h, g.shape(low).h);
  EXPECT_EQ(g.shape(up).w, g.shape(low).w);
}

}  // namespace
}  // namespace hwnas::space
