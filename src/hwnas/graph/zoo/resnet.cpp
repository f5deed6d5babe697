// ResNet-18 and ResNet-50 (v1.5: stride on the 3x3) as in torchvision 0.14
// (models/resnet.py); width scales the planes of every stage.
#include <array>
#include <fmt/format.h>

#include "hwnas/graph/blocks.h"
#include "hwnas/graph/zoo/builders.h"

namespace hwnas::graph::zoo {
namespace {

using BlockFn = NodeId (*)(Graph&, NodeId, std::int32_t, std::int32_t, const std::string&);

Graph resnet(std::string name, const ZooOptions& o, std::array<int, 4> layers, BlockFn block) {
  Graph g(std::move(name));
  NodeId x = add_input(g, o);
  const std::int32_t stem = make_divisible(64 * o.width);
  x = conv_bn_act(g, x, {.out = stem, .kernel = 7, .stride = 2}, "conv1");
  x = g.add("maxpool",
            Pool{.kind = PoolKind::max,
                 .kernel_h = 3,
                 .kernel_w = 3,
                 .stride_h = 2,
                 .stride_w = 2,
                 .pad_h = 1,
                 .pad_w = 1},
            {x});
  for (std::size_t stage = 0; stage < layers.size(); ++stage) {
    const std::int32_t planes = make_divisible((64 << stage) * o.width);
    for (int i = 0; i < layers[stage]; ++i)
      x = block(g, x, planes, i == 0 && stage > 0 ? 2 : 1,
                fmt::format("layer{}.{}", stage + 1, i));
  }
  classifier_head(g, x, o.classes, 0);
  return g;
}

}  // namespace

Graph resnet18(const ZooOptions& o) { return resnet("resnet18", o, {2, 2, 2, 2}, resnet_basic); }

Graph resnet50(const ZooOptions& o) {
  return resnet("resnet50", o, {3, 4, 6, 3}, resnet_bottleneck);
}

}  // namespace hwnas::graph::zoo
