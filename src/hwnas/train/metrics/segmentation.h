// Semantic segmentation metrics from a confusion matrix accumulated over batches: per-class
// IoU, mean IoU (mIoU) and pixel accuracy. Torch-free: the trainer copies each batch's
// predicted classes (or logits) to plain arrays.
//
// Conventions, as torchvision 0.14's references/segmentation/utils.py ConfusionMatrix:
// rows are the true class, columns the predicted class; a truth pixel equal to the ignore
// value (255, the VOC convention torchvision's reference trains with) is not counted. For
// class c, with TP = M[c][c], FP = column sum - TP, FN = row sum - TP:
//   IoU_c = TP / (TP + FP + FN)           (Jaccard index; Everingham et al., PASCAL VOC 2010)
//   pixel accuracy = sum_c TP / counted pixels
//   mIoU = mean of IoU_c over the classes with TP + FP + FN > 0.
// A class absent from both truth and prediction has IoU 0/0: torchvision's reference then
// reports a NaN mean; we leave such classes out of the mean, as MMSegmentation's mIoU and
// Hugging Face evaluate's mean_iou do (np.nanmean). Background (class 0 of our masks) is a
// class like the others, as in VOC's 21-class mIoU.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace hwnas::train {

class ConfusionMatrix {
 public:
  static constexpr std::uint8_t kIgnore = 255;  // truth value that is not counted

  /// classes >= 1 (background included), at most 255; else InternalError.
  explicit ConfusionMatrix(std::int32_t classes);

  /// Adds predicted classes and truth masks of equal size (any N·H·W layout, the same for
  /// both). A predicted class outside [0, classes) is an InternalError (an argmax cannot
  /// give it); a truth value outside [0, classes) other than kIgnore a UserError naming the
  /// pixel and the value.
  void add(std::span<const std::int32_t> predicted, std::span<const std::uint8_t> truth);

  /// Adds the argmax over classes of `logits` [N, classes, H, W] (row-major; ties to the
  /// lower class, as torch.argmax; a NaN logit ranks below every number) against `truth` [N, H, W].
  void add_logits(std::span<const float> logits, std::span<const std::uint8_t> truth,
                  std::int64_t images, std::int32_t height, std::int32_t width);

  std::int32_t classes() const { return classes_; }
  /// Pixels whose truth is `truth_class` and prediction `predicted_class`.
  std::int64_t count(std::int32_t truth_class, std::int32_t predicted_class) const;
  std::int64_t pixels() const { return pixels_; }  // counted (not ignored) pixels

  /// IoU of class c; nullopt when TP + FP + FN = 0 (absent from truth and prediction).
  std::optional<double> iou(std::int32_t c) const;
  /// Mean of the defined IoUs; a UserError when no pixel was counted.
  double mean_iou() const;
  /// Classes that count in mean_iou().
  std::int32_t classes_in_mean() const;
  /// Correct pixels / counted pixels; a UserError when no pixel was counted.
  double pixel_accuracy() const;

 private:
  std::int32_t classes_;
  std::int64_t pixels_ = 0;
  std::vector<std::int64_t> matrix_;  // [truth][predicted]
};

}  // namespace hwnas::train
