// Builders of the zoo's networks, and the helpers they share with the search spaces'
// networks (space/nb201, space/fbnet). Users build models with build_zoo_model.
#pragma once

#include "hwnas/graph/graph.h"
#include "hwnas/graph/zoo/zoo.h"

namespace hwnas::graph::zoo {

/// torchvision's _make_divisible: round to the nearest multiple of `divisor`, at least
/// `divisor`, never more than 10% below `value`.
std::int32_t make_divisible(double value, std::int32_t divisor = 8);

/// Feature taps of a MobileNetV2 backbone for detection and segmentation heads.
struct MobileNetV2Features {
  NodeId stride8 = -1;          // last block at output stride 8 (32·width channels)
  NodeId stride16_expand = -1;  // expand conv of the first stride-32 block (SSDLite's tap)
  NodeId last = -1;             // the final 1x1 conv (1280 channels)
};
/// MobileNetV2 features on `x`; `dilate_last` keeps output stride 16 (dilation 2 after).
MobileNetV2Features mobilenet_v2_features(Graph& g, NodeId x, double width, bool dilate_last);

struct MobileNetV3Features {
  NodeId stride8 = -1;  // torchvision's LR-ASPP "low" tap
  NodeId last = -1;     // the final 1x1 conv ("high" tap)
};
MobileNetV3Features mobilenet_v3_large_features(Graph& g, NodeId x, double width, bool dilated);

Graph mobilenet_v2(const ZooOptions& o);
Graph mobilenet_v3_large(const ZooOptions& o);
Graph mobilenet_v3_small(const ZooOptions& o);
Graph mnasnet1_0(const ZooOptions& o);
Graph efficientnet_b0(const ZooOptions& o);
Graph resnet18(const ZooOptions& o);
Graph resnet50(const ZooOptions& o);
Graph ssdlite_mobilenet_v2(const ZooOptions& o);
Graph lraspp_mobilenet_v3_large(const ZooOptions& o);
Graph lraspp_mobilenet_v2(const ZooOptions& o);

/// The input node (in_channels × resolution × resolution).
NodeId add_input(Graph& g, const ZooOptions& o);
/// The classifier head: global average pool → flatten → [dropout] → linear(classes) → output.
void classifier_head(Graph& g, NodeId x, std::int32_t classes, std::int32_t dropout_percent);

}  // namespace hwnas::graph::zoo
