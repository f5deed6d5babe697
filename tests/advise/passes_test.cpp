// Each pass on a small hand-computed graph and on MobileNetV2/V3: MACs, parameters, shapes
// and the record; every not-eligible reason.
#include <gtest/gtest.h>

#include <algorithm>

#include "hwnas/advise/pass.h"
#include "hwnas/base/error.h"
#include "hwnas/graph/analysis.h"
#include "hwnas/graph/blocks.h"
#include "hwnas/graph/model_file.h"
#include "hwnas/space/models.h"
#include "pass_fixture.h"

namespace hwnas::advise {
namespace {

using namespace hwnas::graph;

using namespace hwnas::advise::test;

TEST(IbnToFused, SmallGraphByHand) {
  const Graph g = small();
  const PassResult r = run(g, "ibn_to_fused", "a");
  ASSERT_TRUE(r.graph) << r.why_not;
  // 1x1 16->96 (64·16·96) and 3x3 depthwise (64·96·9) become a 3x3 conv 16->96 (64·96·16·9).
  EXPECT_EQ(macs(*r.graph) - macs(g), 64 * 96 * 16 * 9 - 64 * 16 * 96 - 64 * 96 * 9);
  // weights 16·96 + 96·9 and the depthwise BN (2·96) go, 16·96·9 comes.
  EXPECT_EQ(params(*r.graph) - params(g), 16 * 96 * 9 - 16 * 96 - 96 * 9 - 2 * 96);
  EXPECT_EQ(r.record.rule, "ibn_to_fused");
  EXPECT_EQ(r.record.site, "a");
  EXPECT_EQ(r.record.removed, (std::vector<std::string>{"a.dw.conv", "a.dw.bn", "a.dw.act"}));
  EXPECT_TRUE(r.record.added.empty());
  ASSERT_FALSE(r.record.changed.empty());
  EXPECT_EQ(r.record.changed[0].node, "a.expand.conv");
  EXPECT_TRUE(r.record.changed[0].op_changed);
  EXPECT_EQ(r.record.macs_after - r.record.macs_before, macs(*r.graph) - macs(g));
  EXPECT_EQ(r.graph->block(block_named(*r.graph, "a")).kind, BlockKind::fused_ibn);
  EXPECT_EQ(r.graph->shape(r.graph->find("out")), g.shape(g.find("out")));
}

TEST(IbnToFused, MobileNetV2Features2AsGraphEditingComputes) {
  const Graph g = space::build_zoo_model("mobilenet_v2");
  const PassResult r = run(g, "ibn_to_fused", "features.2");
  ASSERT_TRUE(r.graph) << r.why_not;
  EXPECT_EQ(r.record.macs_after - r.record.macs_before, 21'374'976);
  EXPECT_EQ(r.record.params_after - r.record.params_before, 11'232);
  EXPECT_EQ(r.record.removed.size(), 3u);
  EXPECT_EQ(r.record.what, "ibn (1x1 expand to 96, 3x3 depthwise) into fused_ibn (3x3 conv to 96), out 24, stride 2");
}

// features.1 has no expand conv (expansion 1): it said "ibn (1x1 expand to 32, ...)" (fresh-user finding 9).
TEST(IbnToFused, AnIbnWithoutExpandConvIsDescribedSo) {
  const Graph g = space::build_zoo_model("mobilenet_v2");
  const PassResult r = run(g, "ibn_to_fused", "features.1");
  ASSERT_TRUE(r.graph) << r.why_not;
  EXPECT_EQ(r.record.what,
            "ibn without expand conv (3x3 depthwise on 32) into fused_ibn (3x3 conv to 32), out 16, stride 1");
}

TEST(IbnToFused, NotEligible) {
  const Graph g = small();
  EXPECT_EQ(run(g, "ibn_to_fused", "c").why_not, "block 'c' (conv_bn_act): not an IBN");
  const Graph fused = *run(g, "ibn_to_fused", "a").graph;
  EXPECT_EQ(run(fused, "ibn_to_fused", "a").why_not, "block 'a' (fused_ibn): not an IBN");
  // SSDLite taps features.14's expansion: the block is not one value.
  const Graph ssd = space::build_zoo_model("ssdlite_mobilenet_v2");
  EXPECT_EQ(run(ssd, "ibn_to_fused", "features.14").why_not,
            "block 'features.14' (ibn): its node 'features.14.expand.act' is read outside the block too");
  Graph nospec("nospec");
  const NodeId x = nospec.add("x", Input{8, 4, 4}, {});
  const BlockId b = nospec.add_block(BlockKind::ibn, "blk");
  nospec.add("out", Output{}, {nospec.add("blk.relu", Activation{}, {x}, b)});
  EXPECT_EQ(run(nospec, "ibn_to_fused", "blk").why_not, "block 'blk' (ibn) has no spec");
}

TEST(DepthwiseToFull, FullAndGroupedByHand) {
  const Graph g = small();
  const PassResult full = run(g, "depthwise_to_full", "a");
  ASSERT_TRUE(full.graph) << full.why_not;
  EXPECT_EQ(macs(*full.graph) - macs(g), 64 * 96 * 96 * 9 - 64 * 96 * 9);
  EXPECT_EQ(params(*full.graph) - params(g), 96 * 96 * 9 - 96 * 9);
  EXPECT_EQ(std::get<Conv2d>(full.graph->op(full.graph->find("a.dw.conv"))).groups, 1);
  EXPECT_TRUE(std::holds_alternative<std::monostate>(full.graph->block(block_named(*full.graph, "a")).spec));
  EXPECT_NE(full.record.what.find("spec is dropped"), std::string::npos);
  // Saved and loaded again: a block without spec is a valid model.
  EXPECT_TRUE(parse_model(model_to_yaml(*full.graph), "<string>").identical(*full.graph));

  const PassResult grouped = run(g, "depthwise_to_full", "a", {{"groups", "4"}});
  ASSERT_TRUE(grouped.graph) << grouped.why_not;
  EXPECT_EQ(macs(*grouped.graph) - macs(g), 64 * 96 * 24 * 9 - 64 * 96 * 9);
}

TEST(DepthwiseToFull, NotEligible) {
  const Graph g = small();
  EXPECT_EQ(run(g, "depthwise_to_full", "c").why_not, "block 'c' (conv_bn_act) has no depthwise convolution");
  EXPECT_EQ(run(g, "depthwise_to_full", "a", {{"groups", "5"}}).why_not,
            "block 'a' (ibn): its depthwise conv 'a.dw.conv' has 96 channels, which 5 groups do not divide into "
            "more than one channel per group");
  EXPECT_FALSE(run(g, "depthwise_to_full", "a", {{"groups", "96"}}).graph);
}

TEST(AlignChannels, OutRipplesThroughTheResidualChainAndTheReaders) {
  const Graph g = small();
  const PassResult r = run(g, "align_channels", "a", {{"p", "16"}});
  ASSERT_TRUE(r.graph) << r.why_not;
  const Graph& n = *r.graph;
  EXPECT_EQ(n.shape(n.find("a.project.bn")).c, 32);
  EXPECT_EQ(n.shape(n.find("b.project.bn")).c, 32);
  EXPECT_NE(n.find("b.add"), -1);  // b's residual add is kept
  EXPECT_EQ(n.shape(n.find("c.conv")).c, 40);
  // a's project 96->24 becomes 96->32; b's expand and project 24<->144 become 32<->144; c reads 32.
  EXPECT_EQ(macs(n) - macs(g), 64 * 96 * 8 + 2 * 64 * 144 * 8 + 64 * 40 * 8);
  EXPECT_EQ(std::get<IbnSpec>(n.block(block_named(n, "b")).spec).out, 32);
  EXPECT_EQ(r.record.what, "to multiples of 16 (up): out 24 -> 32; residual chain b -> 32; readers rebuilt: c");
  EXPECT_TRUE(parse_model(model_to_yaml(n), "<string>").identical(n));
}

TEST(AlignChannels, ExpandedAloneAndDown) {
  const Graph g = small();
  // b's out is tied to its input by the residual; its expanded 144 goes to 160.
  const PassResult r = run(g, "align_channels", "b", {{"p", "32"}});
  ASSERT_TRUE(r.graph) << r.why_not;
  EXPECT_EQ(r.graph->shape(r.graph->find("b.expand.conv")).c, 160);
  EXPECT_EQ(r.graph->shape(r.graph->find("b.project.bn")).c, 24);
  const PassResult down = run(g, "align_channels", "a", {{"p", "16"}, {"direction", "down"}});
  ASSERT_TRUE(down.graph) << down.why_not;
  EXPECT_EQ(down.graph->shape(down.graph->find("b.project.bn")).c, 16);
}

TEST(AlignChannels, NotEligible) {
  const Graph g = small();
  EXPECT_EQ(run(g, "align_channels", "b", {{"p", "16"}}).why_not,
            "block 'b' (ibn): out 24 kept: its residual add ties it to the input; align the block that starts the "
            "residual chain");
  EXPECT_EQ(run(g, "align_channels", "a", {{"p", "8"}}).why_not,
            "block 'a' (ibn): expanded and out are already multiples of 8");
  EXPECT_EQ(run(g, "align_channels", "c").why_not, "block 'c' (conv_bn_act): not an IBN or fused IBN");
}

TEST(RemoveSe, IbnSqueezeExciteByHand) {
  const Graph g = small(true);
  const PassResult r = run(g, "remove_se", "a");
  ASSERT_TRUE(r.graph) << r.why_not;
  // fc1 96->8 and fc2 8->96, both 1x1 with bias on a 1x1 map.
  EXPECT_EQ(macs(g) - macs(*r.graph), 96 * 8 * 2);
  EXPECT_EQ(params(g) - params(*r.graph), 96 * 8 + 8 + 8 * 96 + 96);
  EXPECT_EQ(r.record.removed.size(), 6u);
  EXPECT_TRUE(has(r.record.removed, "a.se.mul"));
  EXPECT_EQ(run(g, "remove_se", "b").why_not, "block 'b' (ibn) has no squeeze-excite");
  EXPECT_EQ(run(g, "remove_se", "c").why_not,
            "block 'c' (conv_bn_act): neither an IBN, a fused IBN nor a squeeze_excite block");
}

TEST(SwapActivation, HardswishIntoRelu6KeepsShapesAndCounts) {
  const Graph g = space::build_zoo_model("mobilenet_v3_small");
  const Pass& pass = find_pass("swap_activation");
  std::int32_t eligible = 0;
  for (const PassResult& r : try_pass(g, pass, resolve_params(pass, {}))) {
    if (!r.graph) continue;
    ++eligible;
    EXPECT_EQ(r.record.macs_after, r.record.macs_before);
    EXPECT_EQ(r.record.params_after, r.record.params_before);
    EXPECT_TRUE(r.record.added.empty() && r.record.removed.empty());
    for (const NodeChange& c : r.record.changed) EXPECT_TRUE(c.op_changed && c.before == c.after) << c.node;
  }
  EXPECT_GT(eligible, 5);
  const Graph small_g = small();
  const PassResult c = run(small_g, "swap_activation", "c");
  ASSERT_TRUE(c.graph);
  EXPECT_EQ(std::get<ConvBnActSpec>(c.graph->block(block_named(*c.graph, "c")).spec).act, ActKind::relu6);
  EXPECT_EQ(run(small_g, "swap_activation", "a").why_not, "block 'a' (ibn) has no hardswish activation");
}

TEST(ScaleResolution, ShapesFollowTheInput) {
  const Graph g = small();
  const PassResult r = run(g, "scale_resolution", "graph", {{"resolution", "16"}});
  ASSERT_TRUE(r.graph) << r.why_not;
  EXPECT_EQ(macs(*r.graph), 4 * macs(g));
  EXPECT_EQ(r.graph->shape(r.graph->find("out")), (Shape{40, 16, 16}));
  EXPECT_EQ(r.record.what, "input 8x8 into 16x16");
  EXPECT_EQ(run(g, "scale_resolution", "graph", {{"resolution", "8"}}).why_not, "the input is already 8x8");
  // A fixed-size upsample added to the input cannot follow it.
  Graph fixed("fixed");
  const NodeId x = fixed.add("x", Input{4, 8, 8}, {});
  const NodeId p = fixed.add("p", Pool{}, {x});
  const NodeId u = fixed.add("u", Upsample{.scale = 0, .out_h = 8, .out_w = 8}, {p});
  fixed.add("out", Output{}, {fixed.add("add", Add{}, {x, u})});
  const PassResult no = run(fixed, "scale_resolution", "graph", {{"resolution", "16"}});
  EXPECT_FALSE(no.graph);
  EXPECT_EQ(no.why_not.rfind("resolution 16: ", 0), 0u) << no.why_not;
  EXPECT_NE(no.why_not.find("'add'"), std::string::npos) << no.why_not;
}

TEST(ScaleChannels, HalfWidthByHand) {
  const Graph g = small();
  const PassResult r = run(g, "scale_channels", "graph", {{"width", "0.5"}});
  ASSERT_TRUE(r.graph) << r.why_not;
  const Graph& n = *r.graph;
  // make_divisible(·, 8): 24 -> 16, 96 -> 48, 144 -> 72, 40 -> 24 (20 rounds up to 24).
  EXPECT_EQ(n.shape(n.find("a.expand.conv")).c, 48);
  EXPECT_EQ(n.shape(n.find("a.project.bn")).c, 16);
  EXPECT_EQ(n.shape(n.find("b.expand.conv")).c, 72);
  EXPECT_NE(n.find("b.add"), -1);
  EXPECT_EQ(n.shape(n.find("c.conv")).c, 24);
  EXPECT_EQ(macs(n), 64 * (16 * 48 + 48 * 9 + 48 * 16 + 16 * 72 + 72 * 9 + 72 * 16 + 16 * 24));
  // The input keeps its 16 channels, which a's output now has too: its residual comes into play.
  EXPECT_EQ(r.record.what, "3 blocks' channels times 0.5, multiples of 8; residual add now active: a.add");
  EXPECT_EQ(run(g, "scale_channels", "graph", {{"width", "1"}}).why_not,
            "width 1 with divisor 8 changes no block's channels");
  EXPECT_THROW(run(g, "scale_channels", "graph"), UserError);
  EXPECT_THROW(run(g, "scale_channels", "graph", {{"width", "-1"}}), UserError);
}

TEST(EvenChannels, StageTakesItsLargestOrSmallestExpansion) {
  const Graph g = small();
  const PassResult r = run(g, "even_channels", "a");
  ASSERT_TRUE(r.graph) << r.why_not;
  // a's expanded 96 -> 144: its expand (16 in), depthwise (9) and project (24 out) grow by 48 channels.
  EXPECT_EQ(macs(*r.graph) - macs(g), 64 * 48 * (16 + 9 + 24));
  EXPECT_EQ(r.record.what, "stage of 2 blocks, expanded to the max (144): a 96 -> 144");
  const PassResult down = run(g, "even_channels", "a", {{"to", "min"}});
  ASSERT_TRUE(down.graph) << down.why_not;
  EXPECT_EQ(macs(g) - macs(*down.graph), 64 * 48 * (24 + 9 + 24));
  EXPECT_EQ(run(*r.graph, "even_channels", "a").why_not,
            "block 'a' (ibn): its stage's 2 blocks already have the same expanded channels (144)");
  EXPECT_EQ(run(g, "even_channels", "b").why_not,
            "block 'b' (ibn): adds its input to its output, so it is inside a stage; give the stage's first block");
  EXPECT_EQ(run(g, "even_channels", "c").why_not, "block 'c' (conv_bn_act): not an IBN or fused IBN");
  const Graph v2 = space::build_zoo_model("mobilenet_v2");
  EXPECT_EQ(run(v2, "even_channels", "features.1").why_not,
            "block 'features.1' (ibn): no residual block follows it, so its stage is one block");
  EXPECT_THROW(run(g, "even_channels", "a", {{"to", "mean"}}), UserError);
}

}  // namespace
}  // namespace hwnas::advise
