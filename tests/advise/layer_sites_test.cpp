// Layer sites (single nodes outside every block, as in an ONNX model where no block was
// recognised): which passes take them, try_pass and find_site on them, their records;
// and records of nodes whose inputs changed while their op and output did not.
#include <gtest/gtest.h>

#include "hwnas/advise/pass.h"
#include "hwnas/advise/record_text.h"
#include "hwnas/base/error.h"
#include "hwnas/space/models.h"
#include "pass_fixture.h"

namespace hwnas::advise {
namespace {

using namespace hwnas::graph;
using namespace hwnas::advise::test;

// 8x8x8 -> 1x1 conv 16 'pw' -> hardswish 'hs' -> 3x3 depthwise 'dw' -> relu 'r' ->
// 3x3 conv with 4 groups 'g4' -> output; no block.
Graph loose() {
  Graph g("loose");
  NodeId x = g.add("x", Input{8, 8, 8}, {});
  x = g.add("pw", Conv2d{.out_channels = 16}, {x});
  x = g.add("hs", Activation{ActKind::hardswish}, {x});
  x = g.add("dw", Conv2d{.out_channels = 16, .kernel_h = 3, .kernel_w = 3, .pad_h = 1, .pad_w = 1, .groups = 16}, {x});
  x = g.add("r", Activation{ActKind::relu}, {x});
  x = g.add("g4", Conv2d{.out_channels = 16, .kernel_h = 3, .kernel_w = 3, .pad_h = 1, .pad_w = 1, .groups = 4}, {x});
  g.add("out", Output{}, {x});
  return g;
}

std::vector<std::string> sites(const std::vector<PassResult>& results, bool eligible) {
  std::vector<std::string> out;
  for (const PassResult& r : results)
    if (r.graph.has_value() == eligible) out.push_back(r.record.site);
  return out;
}

TEST(LayerSites, WhichPassesTakeThem) {
  for (const Pass& p : passes())
    EXPECT_EQ(static_cast<bool>(p.layers), p.name == "swap_activation" || p.name == "depthwise_to_full") << p.name;
  EXPECT_EQ(site_kind(Site{}), SiteKind::graph);
  EXPECT_EQ(site_kind(Site{3}), SiteKind::block);
  EXPECT_EQ(site_kind(Site{kNoBlock, 2}), SiteKind::layer);
  // A site of a kind the pass does not take is a caller's bug.
  const Graph g = small();
  const Pass& fuse = find_pass("ibn_to_fused");
  const Pass& swap = find_pass("swap_activation");
  const Pass& res = find_pass("scale_resolution");
  EXPECT_THROW(apply_pass(g, fuse, Site{kNoBlock, g.find("x")}, {}), InternalError);
  EXPECT_THROW(apply_pass(g, fuse, Site{}, {}), InternalError);
  EXPECT_THROW(apply_pass(g, swap, Site{kNoBlock, g.find("c.act")}, resolve_params(swap, {})), InternalError);
  EXPECT_THROW(apply_pass(g, res, Site{0}, resolve_params(res, {{"resolution", "16"}})), InternalError);
}

TEST(LayerSites, SwapActivationAtALooseActivation) {
  const Graph g = loose();
  const Pass& pass = find_pass("swap_activation");
  const std::vector<PassResult> all = try_pass(g, pass, resolve_params(pass, {}));
  EXPECT_EQ(sites(all, true), (std::vector<std::string>{"hs"}));
  EXPECT_EQ(sites(all, false), (std::vector<std::string>{"r"}));  // activations only
  EXPECT_EQ(all[1].why_not, "node 'r' (relu) is no hardswish activation");
  const PassResult& r = all[0];
  EXPECT_EQ(r.record.kind, "layer");
  EXPECT_EQ(r.record.what, "hardswish activation into relu6");
  EXPECT_EQ(std::get<Activation>(r.graph->op(r.graph->find("hs"))).kind, ActKind::relu6);
  ASSERT_EQ(r.record.changed.size(), 1u);
  EXPECT_TRUE(r.record.changed[0].op_changed);
  EXPECT_EQ(site_line(r), "hs (layer): MACs +0 (+0.0%), params +0 (+0.0%): hardswish activation into relu6");
  EXPECT_EQ(run(g, "swap_activation", "pw").why_not, "node 'pw' (conv2d): not an activation");
}

TEST(LayerSites, DepthwiseToFullAtALooseConv) {
  const Graph g = loose();
  const Pass& pass = find_pass("depthwise_to_full");
  const std::vector<PassResult> all = try_pass(g, pass, resolve_params(pass, {}));
  EXPECT_EQ(sites(all, true), (std::vector<std::string>{"dw"}));
  EXPECT_EQ(sites(all, false), (std::vector<std::string>{"g4"}));  // grouped convs only
  EXPECT_EQ(all[1].why_not, "node 'g4' (conv2d): not a depthwise convolution");
  const PassResult& r = all[0];
  EXPECT_EQ(r.record.macs_after - r.record.macs_before, 64 * 16 * 16 * 9 - 64 * 16 * 9);
  EXPECT_EQ(r.record.what, "1 depthwise 3x3 conv ('dw') into full convolution");
  EXPECT_EQ(run(g, "depthwise_to_full", "dw", {{"groups", "5"}}).why_not,
            "node 'dw' (conv2d): it has 16 channels, which 5 groups do not divide into more than one channel per "
            "group");
  EXPECT_EQ(run(g, "depthwise_to_full", "pw").why_not, "node 'pw' (conv2d): not a depthwise convolution");
}

TEST(LayerSites, FindSite) {
  const Graph g = loose();
  EXPECT_EQ(find_site(g, find_pass("swap_activation"), "hs"), (Site{kNoBlock, g.find("hs")}));
  const auto error = [](const Graph& m, std::string_view pass, std::string_view name) {
    try {
      find_site(m, find_pass(pass), name);
    } catch (const UserError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(error(g, "ibn_to_fused", "hs"),
            "--site 'hs': a node, but pass 'ibn_to_fused' applies to blocks only; leave out --site to list its "
            "eligible sites");
  EXPECT_EQ(error(g, "swap_activation", "nope"),
            "--site 'nope': model 'loose' has no block or node of that name; leave out --site to list the eligible "
            "sites of 'swap_activation'");
  EXPECT_EQ(error(small(), "swap_activation", "c.act"),
            "--site 'c.act': that node is in block 'c'; give the block (--site c)");
  // A block's name wins over a node's.
  EXPECT_EQ(find_site(small(), find_pass("swap_activation"), "c"), (Site{block_named(small(), "c")}));
}

TEST(LayerSites, StrippedMobileNetsMatchTheirBlocks) {
  // Every depthwise conv of MobileNetV2 is a layer site once the blocks are gone, and each
  // costs what the block site costs; every hardswish of MobileNetV3 small is one.
  const Graph v2 = space::build_zoo_model("mobilenet_v2");
  const Graph bare = strip_blocks(v2);
  const Pass& dw = find_pass("depthwise_to_full");
  const auto blocks = try_pass(v2, dw, resolve_params(dw, {}));
  const auto layers = try_pass(bare, dw, resolve_params(dw, {}));
  ASSERT_EQ(sites(layers, true).size(), 17u);
  for (const PassResult& r : layers) {
    ASSERT_TRUE(r.graph) << r.why_not;
    const std::string block = r.record.site.substr(0, r.record.site.size() - std::string(".dw.conv").size());
    const auto same = std::find_if(blocks.begin(), blocks.end(), [&](const auto& b) { return b.record.site == block; });
    ASSERT_NE(same, blocks.end()) << r.record.site;
    EXPECT_EQ(r.record.macs_after, same->record.macs_after) << r.record.site;
  }
  const Graph v3 = strip_blocks(space::build_zoo_model("mobilenet_v3_small"));
  std::size_t hardswish = 0;
  for (NodeId id = 0; id < v3.size(); ++id)
    if (const auto* a = std::get_if<Activation>(&v3.op(id)); a && a->kind == ActKind::hardswish) ++hardswish;
  const Pass& swap = find_pass("swap_activation");
  EXPECT_GT(hardswish, 10u);
  EXPECT_EQ(sites(try_pass(v3, swap, resolve_params(swap, {})), true).size(), hardswish);
}

TEST(Records, ReadersOfMoreChannelsAreChanged) {
  // align_channels a to p=16: a's out 24 -> 32 (and b's, its residual chain); c's 1x1 conv
  // reads 32 channels: same op and output, more weights.
  const PassResult r = run(small(), "align_channels", "a", {{"p", "16"}});
  ASSERT_TRUE(r.graph) << r.why_not;
  const auto c = std::find_if(r.record.changed.begin(), r.record.changed.end(), [](const auto& n) { return n.node == "c.conv"; });
  ASSERT_NE(c, r.record.changed.end());
  EXPECT_FALSE(c->op_changed);
  EXPECT_TRUE(c->inputs_changed);
  EXPECT_EQ(c->before, (Shape{40, 8, 8}));
  EXPECT_EQ(c->after, c->before);
  EXPECT_EQ(c->inputs_before, (std::vector<Shape>{{24, 8, 8}}));
  EXPECT_EQ(c->inputs_after, (std::vector<Shape>{{32, 8, 8}}));
  // b's expand conv too (24 -> 32 in, 144 out); c's BN and activation read what they read.
  EXPECT_TRUE(std::any_of(r.record.changed.begin(), r.record.changed.end(),
                          [](const auto& n) { return n.node == "b.expand.conv" && n.inputs_changed; }));
  EXPECT_FALSE(std::any_of(r.record.changed.begin(), r.record.changed.end(),
                           [](const auto& n) { return n.node == "c.bn"; }));
  const std::string text = record_text(r.record);
  EXPECT_NE(text.find("  ~ c.conv (reads [24,8,8] -> [32,8,8]): [40,8,8]\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  ~ a.project.conv (op): [24,8,8] -> [32,8,8]\n"), std::string::npos) << text;
  const auto j = result_json(r);
  bool found = false;
  for (const auto& n : j["changed"])
    if (n["node"] == "c.conv") {
      found = true;
      EXPECT_EQ(n["inputs_changed"], true);
      EXPECT_EQ(n["inputs_before"], nlohmann::ordered_json::parse("[[24,8,8]]"));
      EXPECT_EQ(n["inputs_after"], nlohmann::ordered_json::parse("[[32,8,8]]"));
    }
  EXPECT_TRUE(found);
  // A node whose op changed and whose inputs did not: no input shapes.
  const PassResult swap = run(small(), "swap_activation", "c");
  ASSERT_TRUE(swap.graph);
  ASSERT_EQ(swap.record.changed.size(), 1u);
  EXPECT_FALSE(swap.record.changed[0].inputs_changed);
  EXPECT_TRUE(swap.record.changed[0].inputs_before.empty());
}

}  // namespace
}  // namespace hwnas::advise
