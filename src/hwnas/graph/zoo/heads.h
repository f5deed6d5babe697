// Task heads the zoo's detection and segmentation models share with the search spaces'
// networks (space/yaml_space.h): SSDLite's (ssdlite.cpp) and LR-ASPP's (lraspp.cpp).
#pragma once

#include <cstdint>
#include <vector>

#include "hwnas/graph/graph.h"

namespace hwnas::graph::zoo {

/// SSDLite (Sandler et al. 2018): extra blocks (1x1 to half, 3x3 depthwise stride 2, 1x1)
/// after `last`, each make_divisible(channels · width, divisor) wide, then on each of the
/// maps [stride16, last, extras...] a box head and a class head (3x3 depthwise + BN +
/// ReLU6, then 1x1 conv with bias), one Output per head: [anchors·4, H, W] and
/// [anchors·classes, H, W].
struct SsdLiteHeadSpec {
  std::int32_t classes = 91;
  std::int32_t anchors = 6;
  std::vector<std::int32_t> extra_channels = {512, 256, 256, 128};
  double width = 1.0;
  std::int32_t divisor = 8;
};
void ssdlite_head(Graph& g, NodeId stride16, NodeId last, const SsdLiteHeadSpec& spec);

/// LR-ASPP (Howard et al. 2019) as torchvision 0.14's LRASPPHead on the `low` (output
/// stride 8) and `high` features, upsampled (bilinear) to output_size × output_size; one
/// Output [classes, output_size, output_size]. No final upsample when the low feature
/// already has that size.
using graph::LrasppHeadSpec;  // block_spec.h: classes, inter_channels, output_size
void lraspp_head(Graph& g, NodeId low, NodeId high, const LrasppHeadSpec& spec);

}  // namespace hwnas::graph::zoo
