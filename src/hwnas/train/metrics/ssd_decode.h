// From one image's SSD/SSDLite head outputs to scored detections, as torchvision 0.14's
// SSD.postprocess_detections (models/detection/ssd.py) with ssdlite320's settings.
// Torch-free: the trainer copies each level's two maps of one image to float arrays.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "hwnas/train/data/image_set.h"
#include "hwnas/train/metrics/anchors.h"
#include "hwnas/train/metrics/boxes.h"

namespace hwnas::train {

/// One level's outputs for one image, row-major: `box_codes` [A·4, H, W] and
/// `class_logits` [A·C, H, W] (anchors.h says which channel is which anchor).
struct SsdLevelOutput {
  std::span<const float> box_codes;
  std::span<const float> class_logits;
  FeatureMapSize size;
};

/// ssdlite320_mobilenet_v3_large's post-processing settings.
struct SsdDecodeOptions {
  float score_threshold = 0.001f;          // a class score must exceed it (strictly)
  double nms_iou_threshold = 0.55;         // batched_nms
  std::int32_t candidates_per_class = 300; // best scores of each class kept before NMS
  std::int32_t detections_per_image = 300; // best detections kept after NMS
  BoxCoderWeights weights = {};
};

/// Decodes one image: per anchor, softmax over the C classes (class 0 = background) and
/// decode_box of its code against the anchor, clipped to [0, image_width] × [0,
/// image_height]; per object class c = 1..C-1 the anchors whose score exceeds the
/// threshold, the best candidates_per_class of them (ties to the lower anchor index);
/// then batched_nms over all classes and the best detections_per_image, in decreasing
/// score. A detection's label is c - 1. `anchors` are default_boxes(...) of the same
/// levels; a size that does not agree with them is an InternalError.
std::vector<Detection> decode_ssd(std::span<const SsdLevelOutput> levels, std::span<const Box> anchors,
                                  std::int32_t classes, std::int32_t image_height, std::int32_t image_width,
                                  const SsdDecodeOptions& options = {});

}  // namespace hwnas::train
