// LR-ASPP segmentation heads (Howard et al. 2019) as torchvision 0.14's LRASPPHead:
// high → conv1x1(128)+BN+ReLU, gated by global pool → conv1x1(128) → sigmoid; upsampled
// (bilinear) to the low feature's size; low → conv1x1(classes) + high → conv1x1(classes);
// upsampled to the input size. The backbone keeps output stride 16 by dilating its last
// stage. MobileNetV3-Large taps the first stride-8 block as torchvision does; MobileNetV2
// taps the last stride-8 block.
#include "hwnas/graph/zoo/builders.h"
#include "hwnas/graph/zoo/heads.h"

namespace hwnas::graph::zoo {

void lraspp_head(Graph& g, NodeId low, NodeId high, const LrasppHeadSpec& spec) {
  const BlockId block = g.add_block(BlockKind::head, "classifier", spec);
  NodeId x = g.add("classifier.cbr.conv", Conv2d{.out_channels = spec.inter_channels}, {high}, block);
  x = g.add("classifier.cbr.bn", BatchNorm{}, {x}, block);
  x = g.add("classifier.cbr.act", Activation{ActKind::relu}, {x}, block);
  NodeId s = g.add("classifier.scale.pool", GlobalPool{}, {high}, block);
  s = g.add("classifier.scale.conv", Conv2d{.out_channels = spec.inter_channels}, {s}, block);
  s = g.add("classifier.scale.gate", Activation{ActKind::sigmoid}, {s}, block);
  x = g.add("classifier.mul", Mul{}, {x, s}, block);
  const Shape low_shape = g.shape(low);  // a copy: g.add below may move the nodes
  x = g.add("classifier.upsample",
            Upsample{UpsampleMode::bilinear, 0, low_shape.h, low_shape.w}, {x}, block);
  const Conv2d classify{.out_channels = spec.classes, .bias = true};
  NodeId y = g.add("classifier.low_classifier", classify, {low}, block);
  x = g.add("classifier.high_classifier", classify, {x}, block);
  y = g.add("classifier.add", Add{}, {y, x}, block);
  if (low_shape.h != spec.output_size || low_shape.w != spec.output_size)
    y = g.add("upsample", Upsample{UpsampleMode::bilinear, 0, spec.output_size, spec.output_size}, {y});
  g.add("output", Output{}, {y});
}

Graph lraspp_mobilenet_v3_large(const ZooOptions& o) {
  Graph g("lraspp_mobilenet_v3_large");
  const MobileNetV3Features f = mobilenet_v3_large_features(g, add_input(g, o), o.width, true);
  lraspp_head(g, f.stride8, f.last, {.classes = o.classes, .output_size = o.resolution});
  return g;
}

Graph lraspp_mobilenet_v2(const ZooOptions& o) {
  Graph g("lraspp_mobilenet_v2");
  const MobileNetV2Features f = mobilenet_v2_features(g, add_input(g, o), o.width, true);
  lraspp_head(g, f.stride8, f.last, {.classes = o.classes, .output_size = o.resolution});
  return g;
}

}  // namespace hwnas::graph::zoo
