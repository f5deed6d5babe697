// Graph editing: the consumers index, block sites, the rewriter, and rebuilding blocks
// from their specs (IBN -> fused IBN on MobileNetV2, every block by itself).
#include <gtest/gtest.h>

#include "hwnas/base/error.h"
#include "hwnas/graph/analysis.h"
#include "hwnas/graph/blocks.h"
#include "hwnas/graph/consumers.h"
#include "hwnas/graph/rewrite.h"
#include "hwnas/graph/zoo/zoo.h"
#include "hwnas/space/fbnet.h"
#include "hwnas/space/nb201.h"

namespace hwnas::graph {
namespace {

std::vector<NodeId> ids(std::span<const NodeId> s) { return {s.begin(), s.end()}; }

BlockId block_named(const Graph& g, std::string_view name) {
  for (BlockId b = 0; b < g.num_blocks(); ++b)
    if (g.block_name(b) == name) return b;
  ADD_FAILURE() << "no block " << name;
  return kNoBlock;
}

TEST(Consumers, ListEachReaderOnceInGraphOrder) {
  Graph g("t");
  const NodeId x = g.add("x", Input{4, 8, 8}, {});
  const NodeId a = g.add("a", Activation{ActKind::relu}, {x});
  const NodeId sq = g.add("sq", Mul{}, {a, a});
  const NodeId b = g.add("b", Add{}, {x, sq});
  const NodeId c = g.add("c", Concat{}, {a, b, x, a});
  const NodeId out = g.add("out", Output{}, {c});
  const ConsumerIndex readers(g);
  EXPECT_EQ(ids(readers.consumers(x)), (std::vector<NodeId>{a, b, c}));
  EXPECT_EQ(ids(readers.consumers(a)), (std::vector<NodeId>{sq, c}));
  EXPECT_EQ(ids(readers.consumers(sq)), std::vector<NodeId>{b});
  EXPECT_EQ(ids(readers.consumers(c)), std::vector<NodeId>{out});
  EXPECT_TRUE(readers.consumers(out).empty());
}

TEST(Consumers, AgreeWithTheEdgesOnTheZoo) {
  for (const char* spec : {"mobilenet_v2", "ssdlite_mobilenet_v2", "lraspp_mobilenet_v3_large", "resnet50"}) {
    const Graph g = build_zoo_model(spec);
    const ConsumerIndex readers(g);
    std::size_t listed = 0, distinct_edges = 0;
    for (NodeId id = 0; id < g.size(); ++id) {
      listed += readers.consumers(id).size();
      const auto in = g.inputs(id);
      for (std::size_t k = 0; k < in.size(); ++k) {
        if (std::find(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(k), in[k]) != in.begin() + static_cast<std::ptrdiff_t>(k))
          continue;
        ++distinct_edges;
        const auto users = readers.consumers(in[k]);
        EXPECT_NE(std::find(users.begin(), users.end(), id), users.end()) << spec << " " << g.node_name(id);
      }
    }
    EXPECT_EQ(listed, distinct_edges) << spec;
  }
}

// Rewrite IBN into fused IBN at MobileNetV2's features.2 (16 -> 96 -> 24, stride 2,
// 112x112 -> 56x56), with the IBN's spec values.
TEST(Rewrite, IbnOfMobileNetV2BecomesAFusedIbn) {
  const Graph g = build_zoo_model("mobilenet_v2");
  const BlockId b = block_named(g, "features.2");
  const auto* ibn_spec = std::get_if<IbnSpec>(&g.block(b).spec);
  ASSERT_NE(ibn_spec, nullptr);
  EXPECT_EQ(*ibn_spec, (IbnSpec{.out = 24, .expanded = 96, .kernel = 3, .stride = 2, .act = ActKind::relu6}));
  const BlockSite site = block_site(g, ConsumerIndex(g), b);
  ASSERT_EQ(site.why_not, "");
  ASSERT_EQ(site.inputs.size(), 1u);
  EXPECT_EQ(g.node_name(site.inputs[0]), "features.1.project.bn");
  EXPECT_EQ(g.node_name(site.outputs[0]), "features.2.project.bn");

  const FusedIbnSpec fused{.out = ibn_spec->out,
                           .expanded = ibn_spec->expanded,
                           .kernel = ibn_spec->kernel,
                           .stride = ibn_spec->stride,
                           .dilation = ibn_spec->dilation,
                           .act = ibn_spec->act,
                           .se = ibn_spec->se,
                           .residual = ibn_spec->residual,
                           .bn_epsilon = ibn_spec->bn_epsilon};
  const BlockSite sites[] = {site};
  const Graph r = replace_blocks(g, sites, [&](Graph& t, const BlockSite&, std::span<const NodeId> in) {
    return fused_ibn(t, in[0], fused, "features.2").output;
  });
  // Expand, depthwise and project (8 nodes) became expand and project (5).
  EXPECT_EQ(r.size(), g.size() - 3);
  EXPECT_EQ(r.num_blocks(), g.num_blocks());
  const BlockId rb = block_named(r, "features.2");
  EXPECT_EQ(r.block(rb).kind, BlockKind::fused_ibn);
  EXPECT_EQ(std::get<FusedIbnSpec>(r.block(rb).spec), fused);
  EXPECT_EQ(r.shape(r.find("features.2.project.bn")), (Shape{24, 56, 56}));
  EXPECT_EQ(r.shape(r.output_nodes()[0]), g.shape(g.output_nodes()[0]));
  EXPECT_EQ(r.inputs(r.find("features.3.expand.conv"))[0], r.find("features.2.project.bn"));

  const std::int64_t hw_in = 112 * 112, hw_out = 56 * 56;
  const std::int64_t ibn_macs = hw_in * 16 * 96 + hw_out * 96 * 9 + hw_out * 96 * 24;
  const std::int64_t fused_macs = hw_out * 16 * 96 * 9 + hw_out * 96 * 24;
  const std::int64_t ibn_params = 16 * 96 + 2 * 96 + 96 * 9 + 2 * 96 + 96 * 24 + 2 * 24;
  const std::int64_t fused_params = 16 * 96 * 9 + 2 * 96 + 96 * 24 + 2 * 24;
  const Analysis before = analyze(g, Precision::fp32), after = analyze(r, Precision::fp32);
  EXPECT_EQ(after.total.macs - before.total.macs, fused_macs - ibn_macs);
  EXPECT_EQ(after.total.params - before.total.params, fused_params - ibn_params);
}

Graph rebuild_every_block(const Graph& g) {
  const ConsumerIndex readers(g);
  std::vector<BlockSite> sites;
  for (BlockId b = 0; b < g.num_blocks(); ++b) {
    BlockSite site = block_site(g, readers, b);
    if (site.why_not.empty() && why_not_rebuildable(g, b).empty()) sites.push_back(std::move(site));
  }
  std::sort(sites.begin(), sites.end(), [](const BlockSite& x, const BlockSite& y) { return x.begin < y.begin; });
  return replace_blocks(g, sites, [&](Graph& t, const BlockSite& site, std::span<const NodeId> in) {
    return rebuild_block(t, g, site.block, in);
  });
}

TEST(Rewrite, EveryBlockRebuiltFromItsSpecGivesTheSameGraph) {
  // MobileNetV2: every block is replaceable and rebuildable.
  const Graph g = build_zoo_model("mobilenet_v2");
  const ConsumerIndex readers(g);
  for (BlockId b = 0; b < g.num_blocks(); ++b) {
    EXPECT_EQ(block_site(g, readers, b).why_not, "") << g.block_name(b);
    EXPECT_EQ(why_not_rebuildable(g, b), "") << g.block_name(b);
  }
  const Graph r = rebuild_every_block(g);
  EXPECT_EQ(r, g);
  EXPECT_EQ(r.hash(), g.hash());
  EXPECT_TRUE(r.identical(g));
  for (const char* spec : {"mobilenet_v3_small", "mobilenet_v3_large", "mnasnet1_0", "efficientnet_b0", "resnet18",
                           "resnet50", "ssdlite_mobilenet_v2", "lraspp_mobilenet_v2"}) {
    const Graph z = build_zoo_model(spec);
    EXPECT_TRUE(rebuild_every_block(z).identical(z)) << spec;
  }
}

TEST(Rewrite, CopyingEverythingIsIdenticalEmptyBlocksIncluded) {
  Graph g("t");
  NodeId x = g.add("in", Input{3, 8, 8}, {});
  g.add_block(BlockKind::head, "unused");
  x = conv_bn_act(g, x, {.out = 8}, "c");
  g.add_block(BlockKind::conv_bn_act, "unused_too");
  g.add("out", Output{}, {x});
  EXPECT_TRUE(GraphRewriter(g).finish().identical(g));
  EXPECT_TRUE(rebuild_every_block(g).identical(g));
}

TEST(Rewrite, SitesSayWhyABlockCannotBeReplaced) {
  // SSDLite taps the expand conv of MobileNetV2's first stride-32 block.
  const Graph g = build_zoo_model("ssdlite_mobilenet_v2");
  const ConsumerIndex readers(g);
  EXPECT_EQ(block_site(g, readers, block_named(g, "features.14")).why_not,
            "block 'features.14' (ibn): its node 'features.14.expand.act' is read outside the block too");
  // Prediction heads: rebuilt by zoo/heads.h, not here.
  EXPECT_EQ(why_not_rebuildable(g, block_named(g, "head.boxes.0")),
            "block 'head.boxes.0' (head) has a prediction_head spec, which zoo/heads.h rebuilds");

  Graph h("t");
  NodeId x = h.add("in", Input{3, 8, 8}, {});
  const BlockId a = h.add_block(BlockKind::conv_bn_act, "a");
  const BlockId empty = h.add_block(BlockKind::head, "empty");
  const NodeId c = h.add("a.conv", Conv2d{.out_channels = 4}, {x}, a);
  const NodeId other = h.add("other", Activation{ActKind::relu}, {c});
  x = h.add("a.act", Activation{ActKind::relu}, {other}, a);
  h.add("out", Output{}, {x});
  const ConsumerIndex hr(h);
  EXPECT_EQ(block_site(h, hr, a).why_not, "block 'a' (conv_bn_act): its nodes are not contiguous ('other' lies among them)");
  EXPECT_EQ(block_site(h, hr, empty).why_not, "block 'empty' (head) has no node");
  EXPECT_EQ(why_not_rebuildable(h, a), "block 'a' (conv_bn_act) has no spec");
  EXPECT_THROW(rebuild_block(h, h, a, std::vector<NodeId>{0}), InternalError);
}

TEST(Rewrite, DroppingAValueThatIsStillReadIsAnInternalError) {
  const Graph g = build_zoo_model("mobilenet_v2");
  const BlockSite site = block_site(g, ConsumerIndex(g), block_named(g, "features.2"));
  GraphRewriter r(g);
  r.copy_until(site.begin);
  r.replace(site.begin, site.end, {});  // no new value for the block's output
  EXPECT_THROW(r.mapped(site.outputs[0]), InternalError);
  EXPECT_THROW(r.finish(), InternalError);
}

TEST(Rewrite, ASpecMustFitItsBlockKind) {
  Graph g("t");
  EXPECT_THROW(g.add_block(BlockKind::fused_ibn, "x", IbnSpec{}), InternalError);
  EXPECT_THROW(g.add_block(BlockKind::conv_bn_act, "x", ClassifierHeadSpec{}), InternalError);
  EXPECT_NO_THROW(g.add_block(BlockKind::head, "x", ClassifierHeadSpec{}));
  EXPECT_NO_THROW(g.add_block(BlockKind::conv_bn_act, "y", SsdLiteExtraSpec{}));
  EXPECT_NO_THROW(g.add_block(BlockKind::nb201_cell, "z"));
}

TEST(BlockSpecs, EveryBlockOfTheZooAndTheSpacesKeepsItsSpec) {
  std::vector<Graph> graphs = {space::make_nb201_space()->decode(space::Nb201Space::genome(
                                    space::parse_nb201_arch("|nor_conv_3x3~0|+|none~0|avg_pool_3x3~1|+|skip_connect~0|"
                                                            "nor_conv_1x1~1|nor_conv_3x3~2|"))),
                                space::make_fbnet_space()->decode(space::FbnetSpace::genome(space::FbnetArch{}))};
  for (const ZooModel& m : zoo_models()) graphs.push_back(build_zoo_model(m.name));
  for (const Graph& g : graphs) {
    const std::string_view name = g.name();
    for (BlockId b = 0; b < g.num_blocks(); ++b) {
      EXPECT_FALSE(std::holds_alternative<std::monostate>(g.block(b).spec)) << name << " " << g.block_name(b);
      EXPECT_TRUE(spec_fits(g.block(b).kind, g.block(b).spec));
    }
  }
}

TEST(BlockSpecs, SqueezeExciteWidthIsTheSpecsSqueezeChannels) {
  const Graph g = build_zoo_model("mobilenet_v3_large");
  const BlockId b = block_named(g, "features.4");  // 24 -> 72 expanded -> 40, kernel 5, SE
  const IbnSpec& spec = std::get<IbnSpec>(g.block(b).spec);
  ASSERT_TRUE(spec.se.has_value());
  EXPECT_EQ(spec.se->squeeze, std::get<Conv2d>(g.op(g.find("features.4.se.fc1"))).out_channels);
  EXPECT_EQ(spec.kernel, 5);
  EXPECT_EQ(spec.act, ActKind::relu);
}

}  // namespace
}  // namespace hwnas::graph
