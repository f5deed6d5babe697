#include "hwnas/train/metrics/ssd_decode.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "hwnas/base/error.h"

namespace hwnas::train {

std::vector<Detection> decode_ssd(std::span<const SsdLevelOutput> levels, std::span<const Box> anchors,
                                  std::int32_t classes, std::int32_t image_height, std::int32_t image_width,
                                  const SsdDecodeOptions& options) {
  HWNAS_CHECK(classes >= 2 && !levels.empty());
  const std::size_t c_count = static_cast<std::size_t>(classes);
  // Gather, per anchor in anchors.h's order, its box and its class probabilities.
  std::vector<Box> boxes;
  std::vector<float> probabilities;  // [anchors, classes]
  boxes.reserve(anchors.size());
  probabilities.reserve(anchors.size() * c_count);
  std::vector<float> logits(c_count);
  for (const SsdLevelOutput& level : levels) {
    const std::size_t plane = static_cast<std::size_t>(level.size.height) * static_cast<std::size_t>(level.size.width);
    HWNAS_CHECK(plane > 0 && level.box_codes.size() % (4 * plane) == 0);
    const std::size_t per_location = level.box_codes.size() / (4 * plane);
    HWNAS_CHECK(level.class_logits.size() == per_location * c_count * plane);
    for (std::size_t p = 0; p < plane; ++p)
      for (std::size_t a = 0; a < per_location; ++a) {
        HWNAS_CHECK(boxes.size() < anchors.size());
        std::array<float, 4> code{};
        for (std::size_t j = 0; j < 4; ++j) code[j] = level.box_codes[(a * 4 + j) * plane + p];
        Box box = decode_box(code, anchors[boxes.size()], options.weights);
        box.x0 = std::clamp(box.x0, 0.0f, static_cast<float>(image_width));
        box.x1 = std::clamp(box.x1, 0.0f, static_cast<float>(image_width));
        box.y0 = std::clamp(box.y0, 0.0f, static_cast<float>(image_height));
        box.y1 = std::clamp(box.y1, 0.0f, static_cast<float>(image_height));
        boxes.push_back(box);
        for (std::size_t c = 0; c < c_count; ++c) logits[c] = level.class_logits[(a * c_count + c) * plane + p];
        const float max_logit = *std::max_element(logits.begin(), logits.end());
        float sum = 0;
        for (float& v : logits) sum += (v = std::exp(v - max_logit));
        for (const float v : logits) probabilities.push_back(v / sum);
      }
  }
  HWNAS_CHECK(boxes.size() == anchors.size());

  std::vector<Detection> candidates;
  std::vector<std::size_t> passing;
  for (std::size_t c = 1; c < c_count; ++c) {
    passing.clear();
    for (std::size_t i = 0; i < boxes.size(); ++i)
      if (probabilities[i * c_count + c] > options.score_threshold) passing.push_back(i);
    // The best candidates_per_class, ties to the lower anchor: a total order, so a partial
    // sort gives what a stable sort and a cut would.
    const auto by_score = [&](std::size_t a, std::size_t b) {
      const float pa = probabilities[a * c_count + c], pb = probabilities[b * c_count + c];
      return pa > pb || (pa == pb && a < b);
    };
    const std::size_t best = std::min(passing.size(), static_cast<std::size_t>(options.candidates_per_class));
    std::partial_sort(passing.begin(), passing.begin() + static_cast<std::ptrdiff_t>(best), passing.end(), by_score);
    passing.resize(best);
    for (const std::size_t i : passing) {
      Box box = boxes[i];
      box.label = static_cast<std::int32_t>(c) - 1;
      candidates.push_back({box, probabilities[i * c_count + c]});
    }
  }
  const std::vector<std::size_t> kept =
      batched_nms(candidates, options.nms_iou_threshold, static_cast<std::size_t>(options.detections_per_image));
  std::vector<Detection> detections;
  detections.reserve(kept.size());
  for (const std::size_t i : kept) detections.push_back(candidates[i]);
  return detections;
}

}  // namespace hwnas::train
