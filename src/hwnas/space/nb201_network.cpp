// The NAS-Bench-201 CIFAR network (../shared/data/README.md): stem conv3x3 + BN; three
// stages of 5 cells with C, 2C, 4C channels (C = 16 · width) joined by residual reduction
// blocks; BN-ReLU, global average pool, linear.
#include <fmt/format.h>

#include <algorithm>

#include "hwnas/graph/blocks.h"
#include "hwnas/graph/zoo/builders.h"
#include "hwnas/space/nb201.h"

namespace hwnas::space {

using namespace graph;

Graph nb201_network(const Nb201Cell& cell, const ZooOptions& o) {
  Graph g("nb201");
  const std::int32_t c = std::max(1, static_cast<std::int32_t>(16 * o.width + 0.5));
  NodeId x = zoo::add_input(g, o);
  x = conv_bn_act(g, x, {.out = c, .kernel = 3, .act = std::nullopt}, "stem");
  int index = 0;
  for (int stage = 0; stage < 3; ++stage) {
    if (stage > 0) x = nb201_reduction(g, x, c << stage, fmt::format("cells.{}", index++));
    for (int i = 0; i < 5; ++i) x = nb201_cell(g, x, cell, fmt::format("cells.{}", index++));
  }
  x = bn_act(g, x, {ActKind::relu}, "lastact");
  zoo::classifier_head(g, x, o.classes, 0);
  return g;
}

}  // namespace hwnas::space
