// FBNet: the space decodes to the network `fbnet:blocks=` builds, the block list
// round-trips, malformed lists are one-line errors.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "hwnas/space/fbnet.h"
#include "hwnas/space/models.h"
#include "space/user_error.h"

namespace hwnas::space {
namespace {

std::string repeat(const std::string& block, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += (i ? "-" : "") + block;
  return out;
}

TEST(FbnetSpace, GenesAreTheLayersWithTheNineBlocks) {
  const auto space = make_fbnet_space();
  EXPECT_EQ(space->name(), "fbnet");
  ASSERT_EQ(space->genes().size(), 22u);
  const std::vector<std::string> blocks = {"k3_e1", "k3_e1_g2", "k3_e3", "k3_e6", "k5_e1",
                                           "k5_e1_g2", "k5_e3", "k5_e6", "skip"};
  for (std::size_t i = 0; i < 22; ++i) {
    EXPECT_EQ(space->genes()[i].name, "blocks." + std::to_string(i));
    EXPECT_EQ(space->genes()[i].choices, blocks);
  }
  EXPECT_NEAR(space->log10_size(), 22 * std::log10(9.0), 1e-9);
}

TEST(FbnetSpace, RandomGenomesRoundTripAndDecodeToTheZooNetwork) {
  const auto space = make_fbnet_space();
  std::mt19937_64 rng(5);
  for (int i = 0; i < 200; ++i) {
    const Genome g = sample(*space, rng);
    const std::string arch = space->arch(g);
    ASSERT_EQ(space->parse_arch(arch), g) << arch;
    ASSERT_EQ(format_fbnet_blocks(parse_fbnet_blocks(arch)), arch);
    const graph::Graph decoded = space->decode(g);
    ASSERT_TRUE(decoded == build_zoo_model("fbnet:blocks=" + arch)) << arch;
    ASSERT_TRUE(decoded.identical(build_zoo_model("fbnet:blocks=" + arch))) << arch;
  }
  // Every block, in order, and the all-skip network.
  for (const std::string& arch :
       {std::string("k3_e1-k3_e1_g2-k3_e3-k3_e6-k5_e1-k5_e1_g2-k5_e3-k5_e6-skip-k3_e1-k3_e6-skip-k5_e6-"
                    "k3_e3-skip-k5_e1_g2-k3_e1-k5_e3-skip-k3_e6-k5_e6-k3_e1"),
        repeat("skip", 22)}) {
    EXPECT_EQ(space->arch(space->parse_arch(arch)), arch);
    EXPECT_TRUE(space->decode(space->parse_arch(arch)) == build_zoo_model("fbnet:blocks=" + arch));
  }
}

TEST(FbnetSpace, DecodedBlocksHaveTheReferenceStructure) {
  const auto space = make_fbnet_space();
  std::string arch = "k5_e1_g2-skip-skip";  // blocks.0: 16 -> 16, blocks.1: 16 -> 24, blocks.2: 24 -> 24
  for (int i = 3; i < 22; ++i) arch += "-k3_e6";
  const graph::Graph g = space->decode(space->parse_arch(arch));
  EXPECT_EQ(g.name(), "fbnet");
  EXPECT_EQ(g.block(g.node(g.find("blocks.0.shuffle")).block).kind, graph::BlockKind::fbnet);
  EXPECT_EQ(std::get<graph::Conv2d>(g.op(g.find("blocks.0.dw.conv"))).kernel_h, 5);
  EXPECT_EQ(std::get<graph::Conv2d>(g.op(g.find("blocks.0.expand.conv"))).groups, 2);
  EXPECT_GE(g.find("blocks.1.conv.conv"), 0);  // skip that changes channels: a conv
  EXPECT_EQ(g.find("blocks.2.conv.conv"), -1);  // skip with equal shapes adds no node
  EXPECT_EQ(std::get<graph::Conv2d>(g.op(g.find("blocks.3.expand.conv"))).out_channels, 24 * 6);
  EXPECT_EQ(g.shape(g.find("head.conv")).c, 1504);
}

TEST(FbnetSpace, MalformedBlockListsAreOneLineErrors) {
  const std::string blocks21 = repeat("k3_e1", 21);
  struct Case {
    std::string blocks;
    std::vector<std::string> parts;
  };
  const std::vector<Case> cases = {
      {blocks21, {"has 21 blocks; give 22 block names joined by '-'"}},
      {blocks21 + "-k3_e1-k3_e1", {"has 23 blocks"}},
      {blocks21 + "-k7_e6",
       {"FBNet block 'k7_e6' (blocks.21)", "unknown",
        "use one of k3_e1, k3_e1_g2, k3_e3, k3_e6, k5_e1, k5_e1_g2, k5_e3, k5_e6, skip"}},
      {blocks21.substr(6) + "--k3_e1", {"FBNet block '' (blocks.20)", "unknown"}},
      {"k3_e1 -" + blocks21, {"FBNet block 'k3_e1 ' (blocks.0)"}},
      {"", {"has 0 blocks"}},
  };
  const auto space = make_fbnet_space();
  for (const Case& c : cases) {
    SCOPED_TRACE(c.blocks);
    const std::string message = error_of([&] { parse_fbnet_blocks(c.blocks); });
    expect_message(message, {"FBNet block list '" + c.blocks + "'"});
    for (const std::string& part : c.parts) expect_message(message, {part});
    for (const std::string& part : c.parts) expect_message(error_of([&] { space->parse_arch(c.blocks); }), {part});
  }
  // Through a MODEL spec: the spec is named too.
  expect_message(error_of([&] { build_zoo_model("fbnet:blocks=" + blocks21); }),
                 {"model 'fbnet:blocks=" + blocks21 + "'", "has 21 blocks"});
  expect_message(error_of([&] { build_zoo_model("fbnet"); }), {"model 'fbnet'", "blocks= is required"});
  expect_message(error_of([&] { build_zoo_model("fbnet:blocks="); }), {"blocks= is required"});
}

}  // namespace
}  // namespace hwnas::space
