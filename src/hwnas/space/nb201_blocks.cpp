#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <vector>

#include "hwnas/graph/blocks.h"
#include "hwnas/base/error.h"

namespace hwnas::graph {
namespace {

struct Edge {
  std::string_view op;
  std::int32_t source;
};

[[noreturn]] void bad_arch(std::string_view arch, std::string_view why) {
  throw UserError(fmt::format(
      "NAS-Bench-201 architecture '{}': {}; expected "
      "'|op~0|+|op~0|op~1|+|op~0|op~1|op~2|' with op one of none, skip_connect, "
      "nor_conv_1x1, nor_conv_3x3, avg_pool_3x3",
      arch, why));
}

// Splits "|a~0|+|b~0|c~1|+|..." into three nodes' incoming edges, validating everything.
std::array<std::vector<Edge>, 3> parse_arch(std::string_view arch) {
  static constexpr std::array<std::string_view, 5> kOps = {
      "none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"};
  std::array<std::vector<Edge>, 3> nodes;
  std::size_t node = 0, pos = 0;
  while (pos < arch.size()) {
    const std::size_t plus = arch.find('+', pos);
    std::string_view group = arch.substr(pos, plus == std::string_view::npos ? arch.size() - pos
                                                                             : plus - pos);
    if (node >= nodes.size()) bad_arch(arch, "more than 3 '+'-separated nodes");
    if (group.size() < 2 || group.front() != '|' || group.back() != '|')
      bad_arch(arch, fmt::format("node {} '{}' is not enclosed in '|'", node + 1, group));
    group = group.substr(1, group.size() - 2);
    std::size_t start = 0;
    while (start <= group.size()) {
      const std::size_t bar = std::min(group.find('|', start), group.size());
      const std::string_view edge = group.substr(start, bar - start);
      const std::size_t tilde = edge.find('~');
      if (tilde == std::string_view::npos)
        bad_arch(arch, fmt::format("edge '{}' lacks '~source'", edge));
      const std::string_view op = edge.substr(0, tilde), src = edge.substr(tilde + 1);
      if (std::find(kOps.begin(), kOps.end(), op) == kOps.end())
        bad_arch(arch, fmt::format("unknown op '{}'", op));
      if (src.size() != 1 || src[0] < '0' || src[0] > '9')
        bad_arch(arch, fmt::format("edge '{}' has a bad source", edge));
      const std::int32_t source = src[0] - '0';
      if (static_cast<std::size_t>(source) != nodes[node].size())
        bad_arch(arch, fmt::format("node {} must list sources 0..{} in order, found '{}'",
                                   node + 1, node, edge));
      nodes[node].push_back({op, source});
      start = bar + 1;
    }
    if (nodes[node].size() != node + 1)
      bad_arch(arch, fmt::format("node {} needs {} edges, has {}", node + 1, node + 1,
                                 nodes[node].size()));
    ++node;
    pos = plus == std::string_view::npos ? arch.size() : plus + 1;
  }
  if (node != nodes.size()) bad_arch(arch, fmt::format("has {} nodes, needs 3", node));
  if (arch.back() == '+') bad_arch(arch, "ends with '+'");
  return nodes;
}

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

NodeId nb201_cell(Graph& g, NodeId x, std::string_view arch, const std::string& name) {
  const auto edges = parse_arch(arch);
  const BlockId block = g.add_block(BlockKind::nb201_cell, name);
  const std::int32_t channels = g.shape(x).c;
  std::array<NodeId, 4> nodes = {x, -1, -1, -1};
  for (std::size_t i = 0; i < edges.size(); ++i) {
    std::vector<NodeId> terms;
    for (const Edge& e : edges[i]) {
      const NodeId src = nodes[static_cast<std::size_t>(e.source)];
      const std::string edge_name = fmt::format("{}.edge{}{}", name, e.source, i + 1);
      if (e.op == "skip_connect") {
        terms.push_back(src);
      } else if (e.op == "none") {
        terms.push_back(g.add(edge_name + ".zero", Zero{}, {src}, block));
      } else if (e.op == "avg_pool_3x3") {
        terms.push_back(g.add(edge_name + ".pool",
                              Pool{.kind = PoolKind::avg,
                                   .kernel_h = 3,
                                   .kernel_w = 3,
                                   .stride_h = 1,
                                   .stride_w = 1,
                                   .pad_h = 1,
                                   .pad_w = 1,
                                   .count_include_pad = false},
                              {src}, block));
      } else {
        const std::int32_t kernel = e.op == "nor_conv_1x1" ? 1 : 3;
        terms.push_back(relu_conv_bn(g, src, channels, kernel, 1, edge_name, block));
      }
    }
    nodes[i + 1] = terms.size() == 1
                       ? terms[0]
                       : g.add(fmt::format("{}.node{}", name, i + 1), Add{}, terms, block);
  }
  return nodes[3];
}

NodeId nb201_reduction(Graph& g, NodeId x, std::int32_t out, const std::string& name) {
  const BlockId block = g.add_block(BlockKind::nb201_reduction, name);
  NodeId y = relu_conv_bn(g, x, out, 3, 2, name + ".a", block);
  y = relu_conv_bn(g, y, out, 3, 1, name + ".b", block);
  NodeId s = g.add(name + ".shortcut.pool", Pool{.kind = PoolKind::avg}, {x}, block);
  s = g.add(name + ".shortcut.conv", Conv2d{.out_channels = out}, {s}, block);
  return g.add(name + ".add", Add{}, {s, y}, block);
}

}  // namespace hwnas::graph
