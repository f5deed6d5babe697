// The FBNet-space CIFAR-100 network of HW-NAS-Bench (../shared/data/README.md):
// stem conv3x3 + BN + ReLU, 22 searchable blocks in stages of [1,4,4,4,4,4,1] with
// [16,24,32,64,112,184,352] channels (× width) and first strides [1,1,2,2,1,2,1],
// head conv1x1 to 1504 + BN + ReLU, global average pool, linear.
#include <array>
#include <fmt/format.h>
#include <vector>

#include "hwnas/graph/blocks.h"
#include "hwnas/base/error.h"
#include "hwnas/graph/zoo/builders.h"

namespace hwnas::graph::zoo {
namespace {

constexpr std::array<int, 7> kLayers = {1, 4, 4, 4, 4, 4, 1};
constexpr std::array<std::int32_t, 7> kChannels = {16, 24, 32, 64, 112, 184, 352};
constexpr std::array<std::int32_t, 7> kStrides = {1, 1, 2, 2, 1, 2, 1};

std::vector<std::string_view> split_blocks(std::string_view text) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t dash = text.find('-', start);
    parts.push_back(text.substr(start, dash == std::string_view::npos ? dash : dash - start));
    if (dash == std::string_view::npos) return parts;
    start = dash + 1;
  }
}

}  // namespace

Graph fbnet(const ZooOptions& o) {
  const std::vector<std::string_view> blocks = split_blocks(o.blocks);
  if (o.blocks.empty() || blocks.size() != 22)
    throw UserError(fmt::format(
        "blocks= needs 22 block names joined by '-', got {}; e.g. "
        "fbnet:blocks=k3_e1-k3_e6-skip-...",
        o.blocks.empty() ? 0 : blocks.size()));
  Graph g("fbnet");
  NodeId x = add_input(g, o);
  x = conv_bn_act(g, x, {.out = make_divisible(16 * o.width), .kernel = 3}, "stem");
  std::size_t index = 0;
  for (std::size_t stage = 0; stage < kLayers.size(); ++stage) {
    const std::int32_t out = make_divisible(kChannels[stage] * o.width);
    for (int i = 0; i < kLayers[stage]; ++i, ++index)
      x = fbnet_block(g, x, blocks[index], out, i == 0 ? kStrides[stage] : 1,
                      fmt::format("blocks.{}", index));
  }
  x = conv_bn_act(g, x, {.out = make_divisible(1504 * o.width)}, "head");
  classifier_head(g, x, o.classes, 0);
  return g;
}

}  // namespace hwnas::graph::zoo
