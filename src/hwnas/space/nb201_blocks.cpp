// NAS-Bench-201's cell and reduction block (the reference implementation's ReLUConvBN,
// Pooling, Identity, Zero and ResNetBasicblock), as graph nodes.
#include <fmt/format.h>

#include <array>
#include <vector>

#include "hwnas/space/nb201.h"

namespace hwnas::space {

using namespace graph;

namespace {

// ReLU → conv (no bias) → BN, NAS-Bench-201's ReLUConvBN.
NodeId relu_conv_bn(Graph& g, NodeId x, std::int32_t out, std::int32_t kernel,
                    std::int32_t stride, const std::string& name, BlockId block) {
  NodeId y = g.add(name + ".relu", Activation{ActKind::relu}, {x}, block);
  const std::int32_t pad = kernel / 2;
  y = g.add(name + ".conv",
            Conv2d{.out_channels = out,
                   .kernel_h = kernel,
                   .kernel_w = kernel,
                   .stride_h = stride,
                   .stride_w = stride,
                   .pad_h = pad,
                   .pad_w = pad},
            {y}, block);
  return g.add(name + ".bn", BatchNorm{}, {y}, block);
}

}  // namespace

NodeId nb201_cell(Graph& g, NodeId x, const Nb201Cell& cell, const std::string& name) {
  Nb201CellSpec spec;
  for (std::size_t e = 0; e < kNb201Edges; ++e) spec.edges[e] = static_cast<std::uint8_t>(cell.edges[e]);
  const BlockId block = g.add_block(BlockKind::nb201_cell, name, spec);
  const std::int32_t channels = g.shape(x).c;
  std::array<NodeId, 4> nodes = {x, -1, -1, -1};
  std::array<std::vector<NodeId>, 4> terms;
  for (std::size_t e = 0; e < kNb201Edges; ++e) {
    const auto [from, to] = kNb201EdgeNodes[e];
    const NodeId src = nodes[static_cast<std::size_t>(from)];
    const std::string edge_name = fmt::format("{}.edge{}{}", name, from, to);
    std::vector<NodeId>& sum = terms[static_cast<std::size_t>(to)];
    switch (cell.edges[e]) {
      case Nb201Op::skip_connect: sum.push_back(src); break;
      case Nb201Op::none: sum.push_back(g.add(edge_name + ".zero", Zero{}, {src}, block)); break;
      case Nb201Op::avg_pool_3x3:
        sum.push_back(g.add(edge_name + ".pool",
                            Pool{.kind = PoolKind::avg,
                                 .kernel_h = 3,
                                 .kernel_w = 3,
                                 .stride_h = 1,
                                 .stride_w = 1,
                                 .pad_h = 1,
                                 .pad_w = 1,
                                 .count_include_pad = false},
                            {src}, block));
        break;
      case Nb201Op::nor_conv_1x1: sum.push_back(relu_conv_bn(g, src, channels, 1, 1, edge_name, block)); break;
      case Nb201Op::nor_conv_3x3: sum.push_back(relu_conv_bn(g, src, channels, 3, 1, edge_name, block)); break;
    }
    // The last edge into a node completes it (edges are ordered by destination).
    if (e + 1 == kNb201Edges || kNb201EdgeNodes[e + 1].second != to)
      nodes[static_cast<std::size_t>(to)] =
          sum.size() == 1 ? sum[0] : g.add(fmt::format("{}.node{}", name, to), Add{}, sum, block);
  }
  return nodes[3];
}

NodeId nb201_reduction(Graph& g, NodeId x, std::int32_t out, const std::string& name) {
  const BlockId block = g.add_block(BlockKind::nb201_reduction, name, Nb201ReductionSpec{out});
  NodeId y = relu_conv_bn(g, x, out, 3, 2, name + ".a", block);
  y = relu_conv_bn(g, y, out, 3, 1, name + ".b", block);
  NodeId s = g.add(name + ".shortcut.pool", Pool{.kind = PoolKind::avg}, {x}, block);
  s = g.add(name + ".shortcut.conv", Conv2d{.out_channels = out}, {s}, block);
  return g.add(name + ".add", Add{}, {s, y}, block);
}

}  // namespace hwnas::space
