#include "hwnas/train/metrics/anchors.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "hwnas/base/error.h"

namespace hwnas::train {

std::int32_t anchors_per_location(const AnchorSpec& spec) {
  return 2 + 2 * static_cast<std::int32_t>(spec.aspect_ratios.size());
}

std::vector<Box> default_boxes(std::span<const FeatureMapSize> levels, std::int32_t image_height,
                               std::int32_t image_width, const AnchorSpec& spec) {
  HWNAS_CHECK(!levels.empty() && image_height > 0 && image_width > 0);
  const std::size_t count = levels.size();
  std::vector<double> scales;
  if (count == 1) {
    scales = {spec.min_ratio, spec.max_ratio};
  } else {
    for (std::size_t k = 0; k < count; ++k)
      scales.push_back(spec.min_ratio + (spec.max_ratio - spec.min_ratio) * static_cast<double>(k) /
                                            (static_cast<double>(count) - 1.0));
    scales.push_back(1.0);
  }
  const auto fraction = [&](double v) { return spec.clip ? std::clamp(v, 0.0, 1.0) : v; };
  std::vector<Box> anchors;
  for (std::size_t k = 0; k < count; ++k) {
    const FeatureMapSize map = levels[k];
    HWNAS_CHECK(map.height > 0 && map.width > 0);
    const double s = scales[k], s_prime = std::sqrt(scales[k] * scales[k + 1]);
    std::vector<std::pair<double, double>> sizes = {{s, s}, {s_prime, s_prime}};  // (w, h)
    for (const double ratio : spec.aspect_ratios) {
      const double root = std::sqrt(ratio);
      sizes.emplace_back(s * root, s / root);
      sizes.emplace_back(s / root, s * root);
    }
    for (std::int32_t y = 0; y < map.height; ++y)
      for (std::int32_t x = 0; x < map.width; ++x) {
        const double cx = (x + 0.5) / map.width, cy = (y + 0.5) / map.height;
        for (const auto& [w, h] : sizes) {
          const double half_w = 0.5 * fraction(w), half_h = 0.5 * fraction(h);
          anchors.push_back({static_cast<float>((cx - half_w) * image_width),
                             static_cast<float>((cy - half_h) * image_height),
                             static_cast<float>((cx + half_w) * image_width),
                             static_cast<float>((cy + half_h) * image_height), -1});
        }
      }
  }
  return anchors;
}

std::vector<std::int32_t> match_anchors(std::span<const Box> truth, std::span<const Box> anchors,
                                        double iou_threshold) {
  std::vector<std::int32_t> matched(anchors.size(), -1);
  if (truth.empty() || anchors.empty()) return matched;
  std::vector<std::size_t> best_anchor(truth.size(), 0);
  std::vector<double> best_anchor_iou(truth.size(), -1.0);
  for (std::size_t i = 0; i < anchors.size(); ++i) {
    double best_iou = -1.0;
    std::size_t best_truth = 0;
    for (std::size_t t = 0; t < truth.size(); ++t) {
      const double iou = box_iou(truth[t], anchors[i]);
      if (iou > best_iou) {
        best_iou = iou;
        best_truth = t;
      }
      if (iou > best_anchor_iou[t]) {
        best_anchor_iou[t] = iou;
        best_anchor[t] = i;
      }
    }
    if (best_iou >= iou_threshold) matched[i] = static_cast<std::int32_t>(best_truth);
  }
  for (std::size_t t = 0; t < truth.size(); ++t) matched[best_anchor[t]] = static_cast<std::int32_t>(t);
  return matched;
}

SsdTargets ssd_targets(std::span<const Box> truth, std::span<const Box> anchors, double iou_threshold,
                       const BoxCoderWeights& weights) {
  for (std::size_t t = 0; t < truth.size(); ++t)
    if (truth[t].label < 0)
      throw UserError("detection box " + std::to_string(t) + " of the image has label " +
                      std::to_string(truth[t].label) + "; labels are object classes from 0");
  SsdTargets targets;
  targets.classes.assign(anchors.size(), 0);
  targets.box_codes.assign(anchors.size() * 4, 0.0f);
  const std::vector<std::int32_t> matched = match_anchors(truth, anchors, iou_threshold);
  for (std::size_t i = 0; i < anchors.size(); ++i) {
    if (matched[i] < 0) continue;
    const Box& box = truth[static_cast<std::size_t>(matched[i])];
    targets.classes[i] = box.label + 1;
    const std::array<float, 4> code = encode_box(box, anchors[i], weights);
    std::copy(code.begin(), code.end(), targets.box_codes.begin() + static_cast<std::ptrdiff_t>(4 * i));
    ++targets.positives;
  }
  return targets;
}

}  // namespace hwnas::train
