#include "hwnas/train/metrics/classification.h"

#include <cmath>
#include <string>

#include "hwnas/base/error.h"

namespace hwnas::train {

std::int32_t rank_of_label(std::span<const float> scores, std::int32_t label) {
  HWNAS_CHECK(label >= 0 && static_cast<std::size_t>(label) < scores.size());
  const float own = scores[static_cast<std::size_t>(label)];
  // Whether class j comes before `label` in the stable descending order (NaN last).
  const auto before = [&](std::size_t j) {
    const float s = scores[j];
    if (std::isnan(own)) return !std::isnan(s) || j < static_cast<std::size_t>(label);
    if (std::isnan(s)) return false;
    return s > own || (s == own && j < static_cast<std::size_t>(label));
  };
  std::int32_t rank = 0;
  for (std::size_t j = 0; j < scores.size(); ++j)
    if (before(j)) ++rank;
  return rank;
}

TopKAccuracy::TopKAccuracy(std::int32_t classes) : classes_(classes) { HWNAS_CHECK(classes >= 1); }

void TopKAccuracy::add(std::span<const float> logits, std::span<const std::int32_t> labels) {
  const std::size_t k = static_cast<std::size_t>(classes_);
  HWNAS_CHECK(logits.size() == labels.size() * k);
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] < 0 || labels[i] >= classes_)
      throw UserError("classification label " + std::to_string(labels[i]) + " of image " +
                      std::to_string(i) + " of the batch is not a class of 0.." +
                      std::to_string(classes_ - 1) + "; fix the dataset's labels or the model's classes");
    const std::int32_t rank = rank_of_label(logits.subspan(i * k, k), labels[i]);
    top1_correct_ += rank < 1;
    top5_correct_ += rank < 5;
  }
  images_ += static_cast<std::int64_t>(labels.size());
}

double TopKAccuracy::top1() const {
  if (images_ == 0) throw UserError("top-1 accuracy is undefined: no image was evaluated");
  return static_cast<double>(top1_correct_) / static_cast<double>(images_);
}

double TopKAccuracy::top5() const {
  if (images_ == 0) throw UserError("top-5 accuracy is undefined: no image was evaluated");
  return static_cast<double>(top5_correct_) / static_cast<double>(images_);
}

}  // namespace hwnas::train
