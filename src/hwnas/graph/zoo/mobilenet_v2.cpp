// MobileNetV2 as in torchvision 0.14 (models/mobilenetv2.py).
#include <array>
#include <cmath>
#include <fmt/format.h>

#include "hwnas/graph/blocks.h"
#include "hwnas/graph/zoo/builders.h"

namespace hwnas::graph::zoo {
namespace {

struct Stage {
  std::int32_t expand, channels, repeats, stride;
};
constexpr std::array<Stage, 7> kStages = {{{1, 16, 1, 1},
                                           {6, 24, 2, 2},
                                           {6, 32, 3, 2},
                                           {6, 64, 4, 2},
                                           {6, 96, 3, 1},
                                           {6, 160, 3, 2},
                                           {6, 320, 1, 1}}};

}  // namespace

MobileNetV2Features mobilenet_v2_features(Graph& g, NodeId x, double width, bool dilate_last) {
  MobileNetV2Features f;
  std::int32_t in = make_divisible(32 * width);
  x = conv_bn_act(g, x, {.out = in, .kernel = 3, .stride = 2, .act = ActKind::relu6},
                  "features.0");
  int index = 1;
  std::int32_t output_stride = 2, dilation = 1;
  for (const Stage& s : kStages) {
    const std::int32_t out = make_divisible(s.channels * width);
    for (int i = 0; i < s.repeats; ++i, ++index) {
      std::int32_t stride = i == 0 ? s.stride : 1;
      const bool to_stride32 = stride == 2 && output_stride == 16;
      if (to_stride32 && dilate_last) {  // as torchvision dilates MobileNetV3's last stage
        stride = 1;
        dilation = 2;
      }
      const IbnNodes b = ibn(g, x,
                             {.out = out,
                              .expanded = static_cast<std::int32_t>(std::lround(in * s.expand)),
                              .kernel = 3,
                              .stride = stride,
                              .dilation = dilation,
                              .act = ActKind::relu6},
                             fmt::format("features.{}", index));
      if (to_stride32) f.stride16_expand = b.expand;
      output_stride *= stride;
      x = b.output;
      in = out;
      if (output_stride == 8) f.stride8 = x;
    }
  }
  const std::int32_t last = make_divisible(1280 * std::max(1.0, width));
  f.last = conv_bn_act(g, x, {.out = last, .act = ActKind::relu6},
                       fmt::format("features.{}", index));
  return f;
}

Graph mobilenet_v2(const ZooOptions& o) {
  Graph g("mobilenet_v2");
  const MobileNetV2Features f = mobilenet_v2_features(g, add_input(g, o), o.width, false);
  classifier_head(g, f.last, o.classes, 20);
  return g;
}

}  // namespace hwnas::graph::zoo
