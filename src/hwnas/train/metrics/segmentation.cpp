#include "hwnas/train/metrics/segmentation.h"

#include <cmath>
#include <string>

#include "hwnas/base/error.h"

namespace hwnas::train {

ConfusionMatrix::ConfusionMatrix(std::int32_t classes)
    : classes_(classes), matrix_(static_cast<std::size_t>(classes) * static_cast<std::size_t>(classes), 0) {
  HWNAS_CHECK(classes >= 1 && classes < kIgnore);
}

void ConfusionMatrix::add(std::span<const std::int32_t> predicted, std::span<const std::uint8_t> truth) {
  HWNAS_CHECK(predicted.size() == truth.size());
  for (std::size_t i = 0; i < truth.size(); ++i) {
    if (truth[i] == kIgnore) continue;
    if (truth[i] >= classes_)
      throw UserError("segmentation mask value " + std::to_string(truth[i]) + " at pixel " +
                      std::to_string(i) + " of the batch is not a class of 0.." +
                      std::to_string(classes_ - 1) + " nor the ignore value 255; fix the masks or the model's classes");
    HWNAS_CHECK(predicted[i] >= 0 && predicted[i] < classes_);
    ++matrix_[static_cast<std::size_t>(truth[i]) * static_cast<std::size_t>(classes_) +
              static_cast<std::size_t>(predicted[i])];
    ++pixels_;
  }
}

void ConfusionMatrix::add_logits(std::span<const float> logits, std::span<const std::uint8_t> truth,
                                 std::int64_t images, std::int32_t height, std::int32_t width) {
  HWNAS_CHECK(images >= 0 && height >= 0 && width >= 0);
  const std::size_t plane = static_cast<std::size_t>(height) * static_cast<std::size_t>(width);
  const std::size_t k = static_cast<std::size_t>(classes_);
  HWNAS_CHECK(truth.size() == static_cast<std::size_t>(images) * plane);
  HWNAS_CHECK(logits.size() == truth.size() * k);
  std::vector<std::int32_t> predicted(truth.size());
  for (std::size_t n = 0; n < static_cast<std::size_t>(images); ++n) {
    const float* image = logits.data() + n * k * plane;
    for (std::size_t p = 0; p < plane; ++p) {
      std::size_t best = 0;
      for (std::size_t c = 1; c < k; ++c) {  // '>' keeps the first maximum
        const float value = image[c * plane + p], best_value = image[best * plane + p];
        if (value > best_value || (std::isnan(best_value) && !std::isnan(value))) best = c;
      }
      predicted[n * plane + p] = static_cast<std::int32_t>(best);
    }
  }
  add(predicted, truth);
}

std::int64_t ConfusionMatrix::count(std::int32_t truth_class, std::int32_t predicted_class) const {
  HWNAS_CHECK(truth_class >= 0 && truth_class < classes_ && predicted_class >= 0 && predicted_class < classes_);
  return matrix_[static_cast<std::size_t>(truth_class) * static_cast<std::size_t>(classes_) +
                 static_cast<std::size_t>(predicted_class)];
}

std::optional<double> ConfusionMatrix::iou(std::int32_t c) const {
  const std::int64_t tp = count(c, c);
  std::int64_t row = 0, column = 0;
  for (std::int32_t j = 0; j < classes_; ++j) {
    row += count(c, j);
    column += count(j, c);
  }
  const std::int64_t union_pixels = row + column - tp;  // TP + FN + FP
  if (union_pixels == 0) return std::nullopt;
  return static_cast<double>(tp) / static_cast<double>(union_pixels);
}

double ConfusionMatrix::mean_iou() const {
  if (pixels_ == 0) throw UserError("mIoU is undefined: no labelled pixel was evaluated");
  double sum = 0;
  std::int32_t counted = 0;
  for (std::int32_t c = 0; c < classes_; ++c)
    if (const std::optional<double> value = iou(c)) {
      sum += *value;
      ++counted;
    }
  return sum / counted;
}

std::int32_t ConfusionMatrix::classes_in_mean() const {
  std::int32_t counted = 0;
  for (std::int32_t c = 0; c < classes_; ++c) counted += iou(c).has_value();
  return counted;
}

double ConfusionMatrix::pixel_accuracy() const {
  if (pixels_ == 0) throw UserError("pixel accuracy is undefined: no labelled pixel was evaluated");
  std::int64_t correct = 0;
  for (std::int32_t c = 0; c < classes_; ++c) correct += count(c, c);
  return static_cast<double>(correct) / static_cast<double>(pixels_);
}

}  // namespace hwnas::train
