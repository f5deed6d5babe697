// The FBNet-space CIFAR-100 network of HW-NAS-Bench (../shared/data/README.md):
// stem conv3x3 + BN + ReLU, 22 searchable blocks in stages of [1,4,4,4,4,4,1] with
// [16,24,32,64,112,184,352] channels (× width) and first strides [1,1,2,2,1,2,1],
// head conv1x1 to 1504 + BN + ReLU, global average pool, linear.
#include <fmt/format.h>

#include <array>

#include "hwnas/graph/blocks.h"
#include "hwnas/graph/zoo/builders.h"
#include "hwnas/space/fbnet.h"

namespace hwnas::space {
namespace {

constexpr std::array<int, 7> kLayers = {1, 4, 4, 4, 4, 4, 1};
constexpr std::array<std::int32_t, 7> kChannels = {16, 24, 32, 64, 112, 184, 352};
constexpr std::array<std::int32_t, 7> kStrides = {1, 1, 2, 2, 1, 2, 1};

}  // namespace

using namespace graph;

Graph fbnet_network(const FbnetArch& arch, const ZooOptions& o) {
  Graph g("fbnet");
  NodeId x = zoo::add_input(g, o);
  x = conv_bn_act(g, x, {.out = zoo::make_divisible(16 * o.width), .kernel = 3}, "stem");
  std::size_t index = 0;
  for (std::size_t stage = 0; stage < kLayers.size(); ++stage) {
    const std::int32_t out = zoo::make_divisible(kChannels[stage] * o.width);
    for (int i = 0; i < kLayers[stage]; ++i, ++index)
      x = fbnet_block(g, x, kFbnetBlocks[arch.blocks[index]], out, i == 0 ? kStrides[stage] : 1,
                      fmt::format("blocks.{}", index));
  }
  x = conv_bn_act(g, x, {.out = zoo::make_divisible(1504 * o.width)}, "head");
  zoo::classifier_head(g, x, o.classes, 0);
  return g;
}

}  // namespace hwnas::space
