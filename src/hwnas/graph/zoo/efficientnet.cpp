// EfficientNet-B0 as in torchvision 0.14 (models/efficientnet.py); stochastic depth is a
// training-time op and absent here.
#include <array>
#include <fmt/format.h>

#include "hwnas/graph/blocks.h"
#include "hwnas/graph/zoo/builders.h"

namespace hwnas::graph::zoo {
namespace {

struct MbConv {
  std::int32_t expand, kernel, stride, in, out, layers;
};
constexpr std::array<MbConv, 7> kB0 = {{{1, 3, 1, 32, 16, 1},
                                        {6, 3, 2, 16, 24, 2},
                                        {6, 5, 2, 24, 40, 2},
                                        {6, 3, 2, 40, 80, 3},
                                        {6, 5, 1, 80, 112, 3},
                                        {6, 5, 2, 112, 192, 4},
                                        {6, 3, 1, 192, 320, 1}}};

}  // namespace

Graph efficientnet_b0(const ZooOptions& o) {
  Graph g("efficientnet_b0");
  NodeId x = add_input(g, o);
  std::int32_t in = make_divisible(kB0[0].in * o.width);
  x = conv_bn_act(g, x, {.out = in, .kernel = 3, .stride = 2, .act = ActKind::silu},
                  "features.0");
  for (std::size_t s = 0; s < kB0.size(); ++s) {
    const MbConv& c = kB0[s];
    const std::int32_t out = make_divisible(c.out * o.width);
    for (int i = 0; i < c.layers; ++i) {
      const std::int32_t expanded = make_divisible(in * c.expand);
      x = ibn(g, x,
              {.out = out,
               .expanded = expanded,
               .kernel = c.kernel,
               .stride = i == 0 ? c.stride : 1,
               .act = ActKind::silu,
               .se = SqueezeExciteSpec{std::max(1, in / 4), ActKind::silu, ActKind::sigmoid}},
              fmt::format("features.{}.{}", s + 1, i))
              .output;
      in = out;
    }
  }
  x = conv_bn_act(g, x, {.out = 4 * in, .act = ActKind::silu}, "features.8");
  classifier_head(g, x, o.classes, 20);
  return g;
}

}  // namespace hwnas::graph::zoo
