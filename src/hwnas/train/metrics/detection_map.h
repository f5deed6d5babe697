// COCO box mean average precision, accumulated image by image: mAP@[.5:.95], mAP@0.5 and
// mAP@0.75, as pycocotools' COCOeval (evaluate, accumulate, summarize; Lin et al. 2014,
// cocodataset.org/#detection-eval) computes them for boxes with area range "all" and
// maxDets 100. Torch-free.
//
// Per class and image: the detections sorted by decreasing score (stable) and cut to
// max_detections; at each IoU threshold t of 0.50:0.05:0.95 (as numpy.linspace gives
// them), each detection in that order takes the not-yet-taken ground truth box of highest
// IoU >= t (box_iou; of equal IoUs the later box), else it is a false positive. Per class
// over all images: detections by decreasing score (stable: earlier images, then the
// per-image order, first), cumulative TP and FP, recall = TP / (ground truth boxes),
// precision = TP / (TP + FP + 2^-52) made non-increasing from the right; AP_t = mean over
// the 101 recall levels r = 0, 0.01, ..., 1 of the precision at the first detection whose
// recall >= r, 0 for a level beyond the last recall. A class without ground truth in the
// whole set is left out of every mean (its detections are ignored); a class with ground
// truth and no detection has AP 0. mAP@[.5:.95] = mean over classes of the mean of AP_t
// over the 10 thresholds; mAP@0.5 and @0.75 the mean of AP_t at that threshold.
// No crowd boxes and no area ranges: every box counts.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "hwnas/train/data/image_set.h"
#include "hwnas/train/metrics/boxes.h"

namespace hwnas::train {

struct DetectionMap {
  double map_50_95 = 0, map_50 = 0, map_75 = 0;
  /// Per class: AP over the 10 thresholds, at 0.5, at 0.75; nullopt without ground truth.
  std::vector<std::optional<double>> ap_50_95, ap_50, ap_75;
  std::int32_t classes_in_mean = 0;
  std::int64_t images = 0;
};

class MeanAveragePrecision {
 public:
  static constexpr std::size_t kIouThresholds = 10;
  static constexpr std::size_t kRecallThresholds = 101;
  /// The IoU thresholds 0.50, 0.55, ..., 0.95, bit for bit as COCOeval's numpy.linspace.
  static std::array<double, kIouThresholds> iou_thresholds();

  /// classes >= 1 (object classes, no background), max_detections >= 1; else InternalError.
  explicit MeanAveragePrecision(std::int32_t classes, std::int32_t max_detections = 100);

  /// Adds one image: its ground truth boxes (label = class) and its detections. A truth
  /// label outside [0, classes) or a NaN score is a UserError; a detection label outside
  /// [0, classes) an InternalError.
  void add_image(std::span<const Box> truth, std::span<const Detection> detections);

  std::int64_t images() const { return images_; }
  /// The means over the images added; a UserError when no image holds a ground truth box.
  DetectionMap result() const;

 private:
  struct Scored {
    float score;
    std::uint16_t matched;  // bit t: a true positive at iou_thresholds()[t]
  };
  struct PerClass {
    std::vector<Scored> detections;  // in image order, each image's in its sorted order
    std::int64_t truth_boxes = 0;
  };
  /// Matches one image's detections of a class (best first, at most max_detections_) to
  /// its truth boxes at every threshold and appends them to `out`.
  static void add_class(std::span<const Box* const> truth, std::span<const Detection* const> ranked, PerClass& out);
  static std::vector<Scored> ranked_by_score(const std::vector<Scored>& detections);
  /// AP_t of one class with ground truth, for each threshold.
  std::array<double, kIouThresholds> average_precisions(const PerClass& c) const;

  std::int32_t classes_, max_detections_;
  std::int64_t images_ = 0;
  std::vector<PerClass> per_class_;
};

}  // namespace hwnas::train
