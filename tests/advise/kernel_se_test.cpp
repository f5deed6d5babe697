// change_kernel and move_se on the small hand-computed graph and on the zoo: MACs,
// parameters, shapes, the record, the model file round trip, and every refusal.
#include <gtest/gtest.h>

#include "hwnas/advise/pass.h"
#include "hwnas/base/error.h"
#include "hwnas/graph/model_file.h"
#include "hwnas/space/models.h"
#include "pass_fixture.h"

namespace hwnas::advise {
namespace {

using namespace hwnas::graph;
using namespace hwnas::advise::test;

TEST(ChangeKernel, DepthwiseKernelByHand) {
  const Graph g = small();
  const PassResult r = run(g, "change_kernel", "a", {{"kernel", "5"}});
  ASSERT_TRUE(r.graph) << r.why_not;
  const Graph& n = *r.graph;
  // The 3x3 depthwise on 96 channels at 8x8 becomes 5x5: 64·96·(25 − 9) MACs, 96·16 weights.
  EXPECT_EQ(macs(n) - macs(g), 64 * 96 * 16);
  EXPECT_EQ(params(n) - params(g), 96 * 16);
  const auto& conv = std::get<Conv2d>(n.op(n.find("a.dw.conv")));
  EXPECT_EQ(conv.kernel_h, 5);
  EXPECT_EQ(conv.pad_h, 2);
  EXPECT_EQ(std::get<IbnSpec>(n.block(block_named(n, "a")).spec).kernel, 5);
  EXPECT_EQ(r.record.what, "ibn 3x3 depthwise conv into 5x5 (padding 2), 96 channels");
  ASSERT_EQ(r.record.changed.size(), 1u);
  EXPECT_EQ(r.record.changed[0].node, "a.dw.conv");
  EXPECT_TRUE(r.record.changed[0].op_changed);
  EXPECT_EQ(r.record.changed[0].before, r.record.changed[0].after);
  EXPECT_TRUE(r.record.removed.empty() && r.record.added.empty());
  EXPECT_TRUE(parse_model(model_to_yaml(n), "<string>").identical(n));
}

TEST(ChangeKernel, FusedIbnAndStrideTwoKeepShapes) {
  const Graph fused = *run(small(), "ibn_to_fused", "a").graph;
  const PassResult r = run(fused, "change_kernel", "a", {{"kernel", "7"}});
  ASSERT_TRUE(r.graph) << r.why_not;
  // The fused 3x3 expand conv 16 -> 96 becomes 7x7.
  EXPECT_EQ(macs(*r.graph) - macs(fused), 64 * 96 * 16 * (49 - 9));
  EXPECT_EQ(r.record.what, "fused_ibn 3x3 expand conv into 7x7 (padding 3), 96 channels");
  // MobileNetV2's features.2 (stride 2, 96 expanded, 56x56 out): the depthwise 3x3 -> 5x5.
  const Graph v2 = space::build_zoo_model("mobilenet_v2");
  const PassResult s2 = run(v2, "change_kernel", "features.2", {{"kernel", "5"}});
  ASSERT_TRUE(s2.graph) << s2.why_not;
  EXPECT_EQ(s2.record.macs_after - s2.record.macs_before, 56 * 56 * 96 * (25 - 9));
  EXPECT_EQ(s2.graph->shape(s2.graph->find("features.2.dw.conv")), v2.shape(v2.find("features.2.dw.conv")));
}

TEST(ChangeKernel, NotEligibleAndBadKernels) {
  const Graph g = small();
  EXPECT_EQ(run(g, "change_kernel", "a", {{"kernel", "3"}}).why_not, "block 'a' (ibn): its kernel is already 3");
  EXPECT_EQ(run(g, "change_kernel", "c", {{"kernel", "5"}}).why_not,
            "block 'c' (conv_bn_act): not an IBN or fused IBN");
  Graph nospec("nospec");
  const NodeId x = nospec.add("x", Input{8, 4, 4}, {});
  const BlockId b = nospec.add_block(BlockKind::ibn, "blk");
  nospec.add("out", Output{}, {nospec.add("blk.relu", Activation{}, {x}, b)});
  EXPECT_EQ(run(nospec, "change_kernel", "blk", {{"kernel", "5"}}).why_not, "block 'blk' (ibn) has no spec");
  const auto error = [&](const Params& given) {
    try {
      run(g, "change_kernel", "a", given);
    } catch (const UserError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  // One message, naming the real range, for every kernel that is not valid (fresh-user finding 10:
  // 13 said "an integer from 0 to 11", 4 "an odd kernel from 3 to 11").
  const std::string range = ": use an odd kernel from 3 to 11, e.g. --param kernel=5 (an even one has no padding that "
                            "keeps the shape)";
  EXPECT_EQ(error({}), "pass 'change_kernel' needs --param kernel=K" + range);
  for (const std::string k : {"4", "1", "13", "-3", "x", "12"})
    EXPECT_EQ(error({{"kernel", k}}), "--param kernel=" + k + range);
}

TEST(MoveSe, OutOfTheExpansionOntoTheOutputAndBack) {
  const Graph g = small(true);
  const PassResult r = run(g, "move_se", "a");
  ASSERT_TRUE(r.graph) << r.why_not;
  const Graph& n = *r.graph;
  // The SE squeezed 96 channels to 8; on a's 24 output channels it squeezes 24·8/96 = 2.
  const BlockId se = block_named(n, "a.se");
  ASSERT_NE(se, kNoBlock);
  EXPECT_EQ(n.block(se).kind, BlockKind::squeeze_excite);
  EXPECT_EQ(std::get<SqueezeExciteSpec>(n.block(se).spec),
            (SqueezeExciteSpec{.squeeze = 2, .act = ActKind::relu, .gate = ActKind::hardsigmoid}));
  EXPECT_FALSE(std::get<IbnSpec>(n.block(block_named(n, "a")).spec).se);
  // fc1 and fc2 (1x1 with bias on 1x1): 96·8 each way before, 24·2 after.
  EXPECT_EQ(macs(g) - macs(n), 2 * 96 * 8 - 2 * 24 * 2);
  EXPECT_EQ(params(g) - params(n), (96 * 8 + 8 + 8 * 96 + 96) - (24 * 2 + 2 + 2 * 24 + 24));
  EXPECT_EQ(n.shape(n.find("a.se.mul")), (Shape{24, 8, 8}));
  EXPECT_EQ(n.inputs(n.find("a.project.conv"))[0], n.find("a.dw.act"));
  EXPECT_EQ(n.inputs(n.find("a.se.pool"))[0], n.find("a.project.bn"));
  EXPECT_EQ(n.shape(n.find("out")), g.shape(g.find("out")));
  EXPECT_EQ(r.record.what,
            "squeeze-excite on the 96 expanded channels (squeeze 8) into block 'a.se' on the 24 output channels "
            "(squeeze 2)");
  EXPECT_TRUE(r.record.removed.empty());  // the SE nodes keep their names
  EXPECT_TRUE(parse_model(model_to_yaml(n), "<string>").identical(n));
  // Back in, the ratio gives 2·96/24 = 8: the graph is the one we started from.
  const PassResult back = run(n, "move_se", "a.se");
  ASSERT_TRUE(back.graph) << back.why_not;
  EXPECT_TRUE(back.graph->identical(g));
  EXPECT_EQ(back.record.what,
            "squeeze-excite on the 24 output channels (squeeze 2) into block 'a' on its 96 expanded channels "
            "(squeeze 8)");
  const PassResult wide = run(g, "move_se", "a", {{"squeeze", "16"}});
  ASSERT_TRUE(wide.graph);
  EXPECT_EQ(std::get<SqueezeExciteSpec>(wide.graph->block(block_named(*wide.graph, "a.se")).spec).squeeze, 16);
  // A fused IBN's SE moves out and back the same way.
  const Graph fused = *run(g, "ibn_to_fused", "a").graph;
  const PassResult out = run(fused, "move_se", "a");
  ASSERT_TRUE(out.graph) << out.why_not;
  EXPECT_FALSE(std::get<FusedIbnSpec>(out.graph->block(block_named(*out.graph, "a")).spec).se);
  EXPECT_EQ(macs(fused) - macs(*out.graph), 2 * 96 * 8 - 2 * 24 * 2);
  const PassResult in = run(*out.graph, "move_se", "a.se");
  ASSERT_TRUE(in.graph) << in.why_not;
  EXPECT_TRUE(in.graph->identical(fused));
}

TEST(MoveSe, MobileNetV3SmallFeatures5) {
  // features.5: IBN 40 -> 240 -> 40, 5x5, SE squeeze 64, residual; the SE moves onto 40 channels.
  const Graph v3 = space::build_zoo_model("mobilenet_v3_small");
  const PassResult r = run(v3, "move_se", "features.5");
  ASSERT_TRUE(r.graph) << r.why_not;
  const auto& before = std::get<IbnSpec>(v3.block(block_named(v3, "features.5")).spec);
  ASSERT_TRUE(before.se);
  EXPECT_EQ(before.se->squeeze, 64);
  const Graph& n = *r.graph;
  const std::int32_t squeeze = std::get<SqueezeExciteSpec>(n.block(block_named(n, "features.5.se")).spec).squeeze;
  EXPECT_EQ(squeeze, 11);  // 64 · 40 / 240 = 10.67
  EXPECT_EQ(r.record.macs_before - r.record.macs_after,
            2 * before.expanded * before.se->squeeze - 2 * before.out * squeeze);
  // The residual add stays in the IBN, before the SE: the SE gates the block's sum.
  EXPECT_EQ(n.inputs(n.find("features.5.se.pool"))[0], n.find("features.5.add"));
}

TEST(MoveSe, NotEligible) {
  const Graph g = small(true);
  EXPECT_EQ(run(g, "move_se", "b").why_not, "block 'b' (ibn) has no squeeze-excite");
  EXPECT_EQ(run(g, "move_se", "c").why_not,
            "block 'c' (conv_bn_act): neither an IBN, a fused IBN nor a squeeze_excite block");
  // A squeeze_excite block after a conv_bn_act, after an IBN with its own SE, and after an
  // IBN whose output another node reads too.
  Graph h("h");
  NodeId x = h.add("x", Input{16, 8, 8}, {});
  x = conv_bn_act(h, x, {.out = 24}, "stem");
  x = squeeze_excite(h, x, {.squeeze = 4}, "se1");
  const IbnNodes a = ibn(h, x, {.out = 24, .expanded = 48, .se = SqueezeExciteSpec{.squeeze = 8}}, "a");
  x = squeeze_excite(h, a.output, {.squeeze = 4}, "se2");
  const IbnNodes b = ibn(h, x, {.out = 32, .expanded = 48}, "b");
  x = squeeze_excite(h, b.output, {.squeeze = 4}, "se3");
  h.add("out", Output{}, {x});
  h.add("tap", Output{}, {b.output});
  EXPECT_EQ(run(h, "move_se", "se1").why_not,
            "block 'se1' (squeeze_excite): it reads block 'stem' (conv_bn_act), not an IBN or fused IBN with a spec");
  EXPECT_EQ(run(h, "move_se", "se2").why_not,
            "block 'se2' (squeeze_excite): block 'a' (ibn) has a squeeze-excite already");
  EXPECT_EQ(run(h, "move_se", "se3").why_not, "block 'se3' (squeeze_excite): 'tap' reads the ungated 'b.project.bn' too");
  // A block called NAME.se already exists.
  Graph taken = small(true);
  taken.add_block(BlockKind::squeeze_excite, "a.se");
  EXPECT_EQ(run(taken, "move_se", "a").why_not, "block 'a' (ibn): a block 'a.se' exists already");
}

}  // namespace
}  // namespace hwnas::advise
