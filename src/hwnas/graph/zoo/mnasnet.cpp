// MNASNet 1.0 as in torchvision 0.14 (models/mnasnet.py); width scales every depth.
#include <array>
#include <fmt/format.h>

#include "hwnas/graph/blocks.h"
#include "hwnas/graph/zoo/builders.h"

namespace hwnas::graph::zoo {
namespace {

struct Stack {
  std::int32_t depth_index, kernel, stride, expand, repeats;
};
constexpr std::array<std::int32_t, 8> kDepths = {32, 16, 24, 40, 80, 96, 192, 320};
constexpr std::array<Stack, 6> kStacks = {
    {{2, 3, 2, 3, 3}, {3, 5, 2, 3, 3}, {4, 5, 2, 6, 3}, {5, 3, 1, 6, 2}, {6, 5, 2, 6, 4},
     {7, 3, 1, 6, 1}}};

}  // namespace

Graph mnasnet1_0(const ZooOptions& o) {
  Graph g("mnasnet1_0");
  std::array<std::int32_t, 8> depths{};
  for (std::size_t i = 0; i < depths.size(); ++i) depths[i] = make_divisible(kDepths[i] * o.width);
  NodeId x = add_input(g, o);
  x = conv_bn_act(g, x, {.out = depths[0], .kernel = 3, .stride = 2}, "layers.0");
  // torchvision's separable stem: depthwise 3x3 + BN + ReLU, then 1x1 + BN, no residual.
  x = ibn(g, x, {.out = depths[1],
           .expanded = depths[0],
           .kernel = 3,
           .act = ActKind::relu,
           .residual = false},
          "layers.3")
          .output;
  std::int32_t in = depths[1];
  int index = 8;
  for (const Stack& s : kStacks) {
    const std::int32_t out = depths[static_cast<std::size_t>(s.depth_index)];
    for (int r = 0; r < s.repeats; ++r) {
      x = ibn(g, x,
              {.out = out,
               .expanded = in * s.expand,
               .kernel = s.kernel,
               .stride = r == 0 ? s.stride : 1,
               .act = ActKind::relu},
              fmt::format("layers.{}.{}", index, r))
              .output;
      in = out;
    }
    ++index;
  }
  x = conv_bn_act(g, x, {.out = 1280}, "layers.14");
  classifier_head(g, x, o.classes, 20);
  return g;
}

}  // namespace hwnas::graph::zoo
