// SSD's training loss and its evaluation by mAP, on the outputs of a Network with an SSD or
// SSDLite head (task_heads.h says which output is which). The loss is torchvision 0.14's
// SSD.compute_loss (models/detection/ssd.py; Liu et al., "SSD", ECCV 2016, §2.2):
//   targets  per image, ssd_targets (anchors.h): each anchor matched to a truth box (IoU ≥
//            0.5, then each truth box's best anchor) takes class label + 1 and the box
//            code of that box (boxes.h, weights 10, 10, 5, 5); the others class 0;
//   box      smooth-L1 (beta 1) between predicted and target codes, summed over the
//            positive anchors' 4 codes;
//   class    cross-entropy of every anchor's C scores; summed over the positives and, per
//            image, the 3·(its positives) negatives of highest cross-entropy (hard negative
//            mining; an image without positives adds none);
//   both divided by N = max(1, positives in the batch); the loss is their sum.
// One difference from torchvision: when an image has fewer negatives than 3·positives,
// torchvision's ranks let positives count twice; here only negatives are mined.
// docs/training.md, "Detection and segmentation".
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <span>
#include <vector>

#include "hwnas/train/data/image_set.h"
#include "hwnas/train/metrics/detection_map.h"
#include "hwnas/train/metrics/ssd_decode.h"
#include "hwnas/train/tasks/task_heads.h"

namespace hwnas::train {

/// The head's maps of a batch of N images, concatenated in anchor order (anchors.h):
/// box codes [N, anchors, 4] and class scores [N, anchors, C].
struct SsdPredictions {
  torch::Tensor box_codes, class_logits;
};
/// From forward()'s outputs (each level's maps [N, A·4, H, W] and [N, A·C, H, W]); a shape
/// that disagrees with `layout` is an InternalError.
SsdPredictions gather_ssd_outputs(const SsdHeadLayout& layout, const std::vector<torch::Tensor>& outputs);

struct SsdLossOptions {
  std::int32_t negatives_per_positive = 3;  // torchvision's neg_to_pos_ratio
  double iou_threshold = 0.5;               // SSDMatcher's
  BoxCoderWeights weights = {};
};

struct SsdLoss {
  torch::Tensor box_regression, classification;  // scalars, each already divided by N
  torch::Tensor total;                           // their sum: what to back-propagate
  std::int64_t positives = 0;                    // positive anchors in the batch
  std::int64_t negatives = 0;                    // mined negative anchors in the batch
};

/// The loss above for `outputs` of a batch and its truth boxes (one vector per image, in
/// pixels of the network's input, labels 0-based object classes < layout.classes - 1;
/// UserError naming the image and label otherwise). Differentiable through `outputs`.
SsdLoss ssd_loss(const SsdHeadLayout& layout, const std::vector<torch::Tensor>& outputs,
                 std::span<const std::vector<Box>> truth, const SsdLossOptions& options = {});

/// mAP of a detector over batches: each image decoded by decode_ssd (ssdlite320's
/// post-processing) and added to a MeanAveragePrecision (COCO mAP@[.5:.95], mAP@0.5).
class SsdEvaluator {
 public:
  explicit SsdEvaluator(SsdHeadLayout layout, const SsdDecodeOptions& decode = {});
  /// `outputs` of a batch (eval mode) and its truth boxes, as ssd_loss's.
  void add(const std::vector<torch::Tensor>& outputs, std::span<const std::vector<Box>> truth);
  std::int64_t images() const { return map_.images(); }
  DetectionMap result() const { return map_.result(); }

 private:
  SsdHeadLayout layout_;
  SsdDecodeOptions decode_;
  MeanAveragePrecision map_;
};

}  // namespace hwnas::train
