// Trivial baselines of the scene tasks, the figures a trained network must beat (issue 11:
// "the prior boxes of the commonest class; all background"). Torch-free; their figures on
// the scenes are in docs/training.md, "Detection and segmentation".
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "hwnas/train/data/image_set.h"
#include "hwnas/train/metrics/boxes.h"

namespace hwnas::train {

/// The detector that never looks at the image: the prior (default) boxes of the commonest
/// class of the training truth, each scored by the fraction of training images in which it
/// is matched (match_anchors at `iou_threshold`) to a box of that class, anchors never
/// matched left out; then batched_nms at `nms_iou_threshold` and the best
/// `max_detections` — the same detections for every image. Empty when `training_truth`
/// holds no box.
std::vector<Detection> prior_box_baseline(std::span<const std::vector<Box>> training_truth,
                                          std::span<const Box> anchors, double iou_threshold = 0.5,
                                          double nms_iou_threshold = 0.55, std::int32_t max_detections = 100);

}  // namespace hwnas::train
