// SSDLite with a MobileNetV2 backbone (Sandler et al. 2018; TF Object Detection API):
// features at output stride 16 (the expand conv of the first stride-32 block) and 32
// (the final 1x1 conv), four extra blocks (1x1 to half, 3x3 depthwise stride 2, 1x1)
// with [512, 256, 256, 128] channels, and on each of the 6 maps a box head and a class
// head (3x3 depthwise + BN + ReLU6, then 1x1 conv with bias), 6 anchors per location as
// torchvision's SSDLite. One output per head: [anchors·4, H, W] and [anchors·classes, H, W].
#include <fmt/format.h>
#include <vector>

#include "hwnas/graph/blocks.h"
#include "hwnas/graph/zoo/builders.h"
#include "hwnas/graph/zoo/heads.h"

namespace hwnas::graph::zoo {
namespace {

void prediction_head(Graph& g, NodeId x, std::int32_t out, const std::string& name) {
  const BlockId block = g.add_block(BlockKind::head, name, PredictionHeadSpec{out});
  const std::int32_t c = g.shape(x).c;
  NodeId y = emit_conv_bn_act(g, x, {.out = c, .kernel = 3, .groups = c, .act = ActKind::relu6},
                              name + ".dw", block);
  y = g.add(name + ".conv", Conv2d{.out_channels = out, .bias = true}, {y}, block);
  g.add(name + ".output", Output{}, {y});
}

}  // namespace

void ssdlite_head(Graph& g, NodeId stride16, NodeId last, const SsdLiteHeadSpec& spec) {
  std::vector<NodeId> maps = {stride16, last};
  NodeId x = last;
  for (std::size_t i = 0; i < spec.extra_channels.size(); ++i) {
    const std::int32_t out = make_divisible(spec.extra_channels[i] * spec.width, spec.divisor);
    const std::string name = fmt::format("extra.{}", i);
    x = ssdlite_extra(g, x, {out}, name);
    maps.push_back(x);
  }
  for (std::size_t i = 0; i < maps.size(); ++i) {
    prediction_head(g, maps[i], spec.anchors * 4, fmt::format("head.boxes.{}", i));
    prediction_head(g, maps[i], spec.anchors * spec.classes, fmt::format("head.classes.{}", i));
  }
}

Graph ssdlite_mobilenet_v2(const ZooOptions& o) {
  Graph g("ssdlite_mobilenet_v2");
  const MobileNetV2Features f = mobilenet_v2_features(g, add_input(g, o), o.width, false);
  ssdlite_head(g, f.stride16_expand, f.last, {.classes = o.classes, .width = o.width});
  return g;
}

}  // namespace hwnas::graph::zoo
