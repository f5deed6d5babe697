// What the advise tests share: the small hand-computed graph, running a pass at a named
// site, counts, and a graph with every block stripped (as an ONNX import where no block
// was recognised).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "hwnas/advise/pass.h"
#include "hwnas/graph/analysis.h"
#include "hwnas/graph/blocks.h"

namespace hwnas::advise::test {

inline graph::BlockId block_named(const graph::Graph& g, std::string_view name) {
  for (graph::BlockId b = 0; b < g.num_blocks(); ++b)
    if (g.block_name(b) == name) return b;
  ADD_FAILURE() << "no block " << name;
  return graph::kNoBlock;
}

inline PassResult run(const graph::Graph& g, std::string_view pass, std::string_view site, const Params& given = {}) {
  const Pass& p = find_pass(pass);
  return apply_pass(g, p, find_site(g, p, site), resolve_params(p, given));
}

inline std::int64_t macs(const graph::Graph& g) {
  return graph::analyze(g, graph::Precision::fp32, 1, graph::MinOrder::skip).total.macs;
}
inline std::int64_t params(const graph::Graph& g) {
  return graph::analyze(g, graph::Precision::fp32, 1, graph::MinOrder::skip).total.params;
}

inline bool has(const std::vector<std::string>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// 16x8x8 -> ibn a (16 -> 96 -> 24, 3x3, stride 1) -> ibn b (24 -> 144 -> 24, residual)
// -> conv_bn_act c (1x1 to 40) -> output; `se` gives ibn a a squeeze-excite of 8.
inline graph::Graph small(bool se = false) {
  using namespace graph;
  Graph g("small");
  NodeId x = g.add("x", Input{16, 8, 8}, {});
  IbnSpec a{.out = 24, .expanded = 96, .kernel = 3, .stride = 1};
  if (se) a.se = SqueezeExciteSpec{.squeeze = 8, .act = ActKind::relu, .gate = ActKind::hardsigmoid};
  x = ibn(g, x, a, "a").output;
  x = ibn(g, x, {.out = 24, .expanded = 144, .kernel = 3, .stride = 1}, "b").output;
  x = conv_bn_act(g, x, {.out = 40, .act = ActKind::hardswish}, "c");
  g.add("out", Output{}, {x});
  return g;
}

// `g` with the same nodes, names and edges and no block: every node is a layer site.
inline graph::Graph strip_blocks(const graph::Graph& g) {
  graph::Graph out(g.name());
  for (graph::NodeId id = 0; id < g.size(); ++id) out.add(g.node_name(id), g.op(id), g.inputs(id));
  return out;
}

}  // namespace hwnas::advise::test
