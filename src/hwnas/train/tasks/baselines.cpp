#include "hwnas/train/tasks/baselines.h"

#include <algorithm>
#include <map>

#include "hwnas/base/error.h"
#include "hwnas/train/metrics/anchors.h"

namespace hwnas::train {

std::vector<Detection> prior_box_baseline(std::span<const std::vector<Box>> training_truth,
                                          std::span<const Box> anchors, double iou_threshold,
                                          double nms_iou_threshold, std::int32_t max_detections) {
  HWNAS_CHECK(max_detections >= 1);
  std::map<std::int32_t, std::int64_t> boxes_of;  // class → boxes (ties to the lower class)
  for (const std::vector<Box>& image : training_truth)
    for (const Box& b : image) ++boxes_of[b.label];
  if (boxes_of.empty() || training_truth.empty()) return {};
  const std::int32_t commonest =
      std::max_element(boxes_of.begin(), boxes_of.end(), [](const auto& a, const auto& b) { return a.second < b.second; })
          ->first;
  std::vector<std::int64_t> matched(anchors.size(), 0);
  std::vector<Box> of_class;
  for (const std::vector<Box>& image : training_truth) {
    of_class.clear();
    for (const Box& b : image)
      if (b.label == commonest) of_class.push_back(b);
    if (of_class.empty()) continue;
    const std::vector<std::int32_t> match = match_anchors(of_class, anchors, iou_threshold);
    for (std::size_t a = 0; a < anchors.size(); ++a) matched[a] += match[a] >= 0 ? 1 : 0;
  }
  std::vector<Detection> candidates;
  for (std::size_t a = 0; a < anchors.size(); ++a) {
    if (matched[a] == 0) continue;
    Box box = anchors[a];
    box.label = commonest;
    candidates.push_back({box, static_cast<float>(static_cast<double>(matched[a]) /
                                                  static_cast<double>(training_truth.size()))});
  }
  std::vector<Detection> kept;
  for (const std::size_t i : batched_nms(candidates, nms_iou_threshold, static_cast<std::size_t>(max_detections)))
    kept.push_back(candidates[i]);
  return kept;
}

}  // namespace hwnas::train
