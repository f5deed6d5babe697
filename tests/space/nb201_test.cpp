// NAS-Bench-201: the space decodes to the network `nb201:arch=` builds, the strict parser
// and formatter round-trip every cell, malformed strings are one-line errors.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "hwnas/base/error.h"
#include "hwnas/graph/analysis.h"
#include "hwnas/space/fbnet.h"
#include "hwnas/space/models.h"
#include "hwnas/space/nb201.h"
#include "space/user_error.h"

namespace hwnas::space {
namespace {

const std::string kCell =
    "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|";

// Genome number `n` of the 15,625: its base-5 digits, first edge first.
Genome nth_genome(int n) {
  Genome g;
  for (std::size_t e = 0; e < kNb201Edges; ++e, n /= 5) g.genes.push_back(static_cast<std::uint16_t>(n % 5));
  return g;
}

TEST(Nb201Space, GenesAreTheSixEdgesWithTheFiveOps) {
  const auto space = make_nb201_space();
  EXPECT_EQ(space->name(), "nb201");
  ASSERT_EQ(space->genes().size(), 6u);
  const std::vector<std::string> names = {"edge 1<-0", "edge 2<-0", "edge 2<-1", "edge 3<-0", "edge 3<-1", "edge 3<-2"};
  const std::vector<std::string> ops = {"none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"};
  for (std::size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(space->genes()[i].name, names[i]);
    EXPECT_EQ(space->genes()[i].choices, ops);
  }
  EXPECT_DOUBLE_EQ(space->log10_size(), std::log10(15625.0));
}

TEST(Nb201Space, EveryCellRoundTripsAndDecodesToTheZooNetwork) {
  const auto space = make_nb201_space();
  std::set<std::string> archs;
  for (int n = 0; n < 15625; ++n) {
    const Genome g = nth_genome(n);
    const std::string arch = space->arch(g);
    ASSERT_EQ(space->parse_arch(arch), g) << arch;
    ASSERT_EQ(format_nb201_arch(parse_nb201_arch(arch)), arch);
    ASSERT_TRUE(space->decode(g) == build_zoo_model("nb201:arch=" + arch)) << arch;
    archs.insert(arch);
  }
  EXPECT_EQ(archs.size(), 15625u);  // every genome its own cell string
}

TEST(Nb201Space, RandomGenomesDecodeToTheZooNetwork) {
  const auto space = make_nb201_space();
  std::mt19937_64 rng(3);
  for (int i = 0; i < 50; ++i) {
    const Genome g = sample(*space, rng);
    const std::string arch = space->arch(g);
    EXPECT_EQ(space->arch(space->parse_arch(arch)), arch);
    const graph::Graph decoded = space->decode(g);
    EXPECT_TRUE(decoded == build_zoo_model("nb201:arch=" + arch)) << arch;
    EXPECT_TRUE(decoded.identical(build_zoo_model("nb201:arch=" + arch))) << arch;
  }
}

// The structure, spelled out for one cell with every op: what the zoo has built since
// issue 1 (torch_reference_test checks the counts against PyTorch).
TEST(Nb201Space, DecodedCellHasTheReferenceStructure) {
  const auto space = make_nb201_space();
  const std::string arch = "|none~0|+|skip_connect~0|nor_conv_1x1~1|+|avg_pool_3x3~0|nor_conv_3x3~1|none~2|";
  const graph::Graph g = space->decode(space->parse_arch(arch));
  EXPECT_EQ(g.name(), "nb201");
  EXPECT_GE(g.find("cells.0.edge01.zero"), 0);
  EXPECT_GE(g.find("cells.0.edge12.conv"), 0);
  EXPECT_EQ(std::get<graph::Conv2d>(g.op(g.find("cells.0.edge12.conv"))).kernel_h, 1);
  EXPECT_GE(g.find("cells.0.edge03.pool"), 0);
  EXPECT_EQ(std::get<graph::Conv2d>(g.op(g.find("cells.0.edge13.conv"))).kernel_h, 3);
  EXPECT_GE(g.find("cells.0.edge23.zero"), 0);
  EXPECT_EQ(g.find("cells.0.edge02"), -1);  // skip_connect adds no node
  EXPECT_GE(g.find("cells.0.node2"), 0);
  EXPECT_EQ(g.block(g.node(g.find("cells.0.node3")).block).kind, graph::BlockKind::nb201_cell);
  EXPECT_EQ(g.block(g.node(g.find("cells.5.add")).block).kind, graph::BlockKind::nb201_reduction);
  EXPECT_EQ(g.shape(g.find("cells.16.node3")).c, 64);
  int cells = 0, reductions = 0;
  for (graph::BlockId b = 0; b < g.num_blocks(); ++b) {
    cells += g.block(b).kind == graph::BlockKind::nb201_cell;
    reductions += g.block(b).kind == graph::BlockKind::nb201_reduction;
  }
  EXPECT_EQ(cells, 15);
  EXPECT_EQ(reductions, 2);
}

TEST(Nb201Space, LiveEdgesFollowPathsThroughOpsThatAreNotNone) {
  // 1<-0 conv, 2<-0 none, 2<-1 none, 3<-0 none, 3<-1 none, 3<-2 conv: node 2 is cut off.
  const Nb201LiveEdges cut = nb201_live_edges(parse_nb201_arch(
      "|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|nor_conv_3x3~2|"));
  EXPECT_FALSE(cut.connected);
  EXPECT_EQ(cut.live, (std::array<bool, 6>{false, false, false, false, false, false}));
  const Nb201LiveEdges chain = nb201_live_edges(parse_nb201_arch(
      "|nor_conv_3x3~0|+|avg_pool_3x3~0|none~1|+|skip_connect~0|none~1|nor_conv_1x1~2|"));
  EXPECT_TRUE(chain.connected);
  // 1<-0 leads to node 1, which reaches the output through nothing: dead.
  EXPECT_EQ(chain.live, (std::array<bool, 6>{false, true, false, true, false, true}));
}

TEST(Nb201Space, LiveChoiceCountsCountLiveEdgesPerOp) {
  const auto space = make_nb201_space();
  // Per op in kNb201OpNames' order (none, skip, conv1x1, conv3x3, avg_pool), then connected.
  EXPECT_EQ(space->live_choice_counts(space->parse_arch(
                "|nor_conv_3x3~0|+|avg_pool_3x3~0|none~1|+|skip_connect~0|none~1|nor_conv_1x1~2|")),
            (std::vector<double>{0, 1, 1, 0, 1, 1}));
  EXPECT_EQ(space->live_choice_counts(space->parse_arch(
                "|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|nor_conv_3x3~2|")),
            (std::vector<double>{0, 0, 0, 0, 0, 0}));
  const auto fbnet = make_fbnet_space();  // the default: no notion of live choices
  Genome g;
  g.genes.assign(fbnet->genes().size(), 0);
  EXPECT_TRUE(fbnet->live_choice_counts(g).empty());
}

TEST(Nb201Space, GenomesThatDoNotFitAreRefused) {
  const auto space = make_nb201_space();
  expect_message(error_of([&] { space->decode(Genome{{0, 1, 2}}); }), {"space 'nb201'", "has 3 genes", "6"});
  expect_message(error_of([&] { space->arch(Genome{{0, 1, 2, 3, 4, 5}}); }),
                 {"space 'nb201'", "gene 5 ('edge 3<-2') is 5", "0 to 4"});
}

TEST(Nb201Space, MalformedArchStringsAreOneLineErrors) {
  struct Case {
    std::string arch, why;
  };
  const std::vector<Case> cases = {
      {"", "has 0 nodes, needs 3"},
      {"|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|", "has 2 nodes, needs 3"},
      {kCell + "+|none~0|", "more than 3 '+'-separated nodes"},
      {kCell + "+", "ends with '+'"},
      {"|conv_5x5~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|",
       "unknown op 'conv_5x5'"},
      {"|nor_conv_3x3|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|",
       "edge 'nor_conv_3x3' lacks '~source'"},
      {"|nor_conv_3x3~1|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|",
       "node 1 must list sources 0..0 in order"},
      {"|nor_conv_3x3~0|none~1|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|",
       "node 1 must list sources 0..0 in order"},
      {"|nor_conv_3x3~0|+|nor_conv_3x3~1|avg_pool_3x3~0|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|",
       "node 2 must list sources 0..1 in order"},
      {"|nor_conv_3x3~x|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|",
       "edge 'nor_conv_3x3~x' has a bad source"},
      {"|nor_conv_3x3~00|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|",
       "has a bad source"},
      {"nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|",
       "is not enclosed in '|'"},
      {"|nor_conv_3x3~0|+|nor_conv_3x3~0|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|",
       "node 2 needs 2 edges, has 1"},
      {"|nor_conv_3x3~0||+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|",
       "edge '' lacks '~source'"},
      {"|nor_conv_3x3~0|++|nor_conv_3x3~0|avg_pool_3x3~1|", "is not enclosed in '|'"},
      {" " + kCell, "is not enclosed in '|'"},
      {"|NOR_CONV_3X3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|",
       "unknown op 'NOR_CONV_3X3'"},
  };
  const auto space = make_nb201_space();
  for (const Case& c : cases) {
    SCOPED_TRACE(c.arch);
    const std::string expected = "'|op~0|+|op~0|op~1|+|op~0|op~1|op~2|' with op one of none, skip_connect, "
                                 "nor_conv_1x1, nor_conv_3x3, avg_pool_3x3";
    expect_message(error_of([&] { parse_nb201_arch(c.arch); }),
                   {"NAS-Bench-201 architecture '" + c.arch + "'", c.why, expected});
    expect_message(error_of([&] { space->parse_arch(c.arch); }), {c.why});
    // Through a MODEL spec: the spec is named too (an empty arch= is a missing one).
    const std::string spec = "nb201:arch=" + c.arch;
    expect_message(error_of([&] { build_zoo_model(spec); }),
                   {"model '" + spec + "'", c.arch.empty() ? "arch= is required" : c.why});
  }
}

// Nb201Shape's options: parameters counted by hand (PyTorch's count: conv weights without
// bias, BN weight and bias, linear weight and bias) for kCell's three nor_conv_3x3 edges.
TEST(Nb201Space, ThinNetworksHaveTheShapeAndParametersOfTheirOptions) {
  // TE-NAS's thin copy: one cell of C = 1 on a 1×3×3 input, no stem. Per 3×3 conv edge
  // 1·1·9 + BN 2 = 11, three of them 33; lastact BN 2; linear 1→10: 20. Total 55.
  const graph::Graph thin =
      build_zoo_model("nb201:arch=" + kCell + ",width=0.0625,cells=1,stages=1,stem=0,in_ch=1,res=3");
  EXPECT_EQ(graph::analyze(thin, graph::Precision::fp32).total.params, 55);
  EXPECT_EQ(thin.find("stem.conv"), -1);
  EXPECT_EQ(thin.shape(thin.find("cells.0.node3")), (graph::Shape{1, 3, 3}));
  EXPECT_EQ(thin.find("cells.1.add"), -1);
  // N = 1, C = 1, all three stages and the stem on 3×32×32:
  //   stem conv 3→1: 27 + BN 2                                    29
  //   cell C=1: 3 · (9 + 2)                                        33
  //   reduction 1→2: conv 18 + BN 4, conv 36 + BN 4, shortcut 2    64
  //   cell C=2: 3 · (36 + 4)                                      120
  //   reduction 2→4: conv 72 + 8, conv 144 + 8, shortcut 8        240
  //   cell C=4: 3 · (144 + 8)                                     456
  //   lastact BN 8, linear 4→10: 40 + 10                           58   total 1000
  const graph::Graph n1 = build_zoo_model("nb201:arch=" + kCell + ",width=0.0625,cells=1");
  EXPECT_EQ(graph::analyze(n1, graph::Precision::fp32).total.params, 1000);
  EXPECT_EQ(n1.shape(n1.find("cells.2.node3")), (graph::Shape{2, 16, 16}));
  EXPECT_EQ(n1.shape(n1.find("cells.4.node3")), (graph::Shape{4, 8, 8}));
  // The defaults are the benchmark's network: 15 cells, the same graph as without options.
  const graph::Graph full = build_zoo_model("nb201:arch=" + kCell + ",cells=5,stages=3,stem=1");
  EXPECT_EQ(graph::analyze(full, graph::Precision::fp32).total.params,
            graph::analyze(build_zoo_model("nb201:arch=" + kCell), graph::Precision::fp32).total.params);
  EXPECT_EQ(full.size(), build_zoo_model("nb201:arch=" + kCell).size());
  // Two stages of three cells: C and 2C, one reduction.
  const graph::Graph two = build_zoo_model("nb201:arch=" + kCell + ",cells=3,stages=2");
  EXPECT_EQ(two.shape(two.find("cells.6.node3")), (graph::Shape{32, 16, 16}));
  EXPECT_EQ(two.find("cells.7.node3"), -1);
}

TEST(Nb201Space, ShapeOptionsOutOfRangeAreOneLineErrors) {
  struct Case {
    std::string options;
    std::vector<std::string> parts;
  };
  const std::vector<Case> cases = {
      {"cells=0", {"cells must be an integer in [1, 64]", "NAS-Bench-201's is 5", "got '0'", "give cells=1"}},
      {"cells=65", {"cells must be an integer in [1, 64]", "give cells=64"}},
      {"cells=two", {"cells must be an integer", "got 'two'"}},
      {"cells=", {"cells must be an integer", "got ''"}},
      {"stages=4", {"stages must be an integer in [1, 3]", "NAS-Bench-201's is 3", "give stages=3"}},
      {"stem=2", {"stem must be an integer in [0, 1]", "give stem=1"}},
      {"stem=0", {"stem=0", "C = max(1, 16 * width) = 16", "in_ch is 3", "give in_ch=16", "width=0.1875"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.options);
    const std::string spec = "nb201:arch=" + kCell + "," + c.options;
    const std::string message = error_of([&] { build_zoo_model(spec); });
    expect_message(message, {"model '" + spec + "'"});
    for (const std::string& part : c.parts) EXPECT_NE(message.find(part), std::string::npos) << part << " in " << message;
  }
}

}  // namespace
}  // namespace hwnas::space
