// Top-1 and top-5 accuracy of a classifier, accumulated over batches. Torch-free: the
// trainer copies each batch's logits to a float array.
#pragma once

#include <cstdint>
#include <span>

namespace hwnas::train {

/// The 0-based rank of class `label` among the scores of one image: the number of classes
/// scored higher, plus the number of classes of lower index scored equally. This is the
/// position of `label` after a stable sort of the classes by descending score, so ties go
/// to the lower class index, as torch.argmax's first maximum does for top-1. A NaN score
/// ranks below every number (a NaN label score is last among the numbers; NaNs among
/// themselves by index). `scores` holds one score per class; label in [0, scores.size()).
std::int32_t rank_of_label(std::span<const float> scores, std::int32_t label);

/// Counts the images whose true class is among the k best-scored (k = 1, 5), as
/// torchvision's references/classification/utils.py `accuracy` does with topk: an image is
/// top-k correct when rank_of_label(...) < k. With fewer than 5 classes top-5 is top-K
/// (every image correct). Accuracy = correct / images, in [0, 1].
class TopKAccuracy {
 public:
  /// classes >= 1, else InternalError.
  explicit TopKAccuracy(std::int32_t classes);

  /// Adds a batch: `logits` row-major [N, classes] (any monotone score: logits or
  /// probabilities), `labels` [N]. A size mismatch is an InternalError (the caller's bug);
  /// a label outside [0, classes) a UserError naming the image and label.
  void add(std::span<const float> logits, std::span<const std::int32_t> labels);

  std::int32_t classes() const { return classes_; }
  std::int64_t images() const { return images_; }
  std::int64_t top1_correct() const { return top1_correct_; }
  std::int64_t top5_correct() const { return top5_correct_; }
  /// Fractions of the images added; a UserError when no image was added (undefined).
  double top1() const;
  double top5() const;

 private:
  std::int32_t classes_;
  std::int64_t images_ = 0, top1_correct_ = 0, top5_correct_ = 0;
};

}  // namespace hwnas::train
