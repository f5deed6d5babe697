#include "hwnas/train/metrics/boxes.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <unordered_map>

#include "hwnas/base/error.h"

namespace hwnas::train {

double box_iou(const Box& a, const Box& b) {
  const double w = std::min<double>(a.x1, b.x1) - std::max<double>(a.x0, b.x0);
  if (w <= 0) return 0;
  const double h = std::min<double>(a.y1, b.y1) - std::max<double>(a.y0, b.y0);
  if (h <= 0) return 0;
  const double intersection = w * h;
  const double area_a = (static_cast<double>(a.x1) - a.x0) * (static_cast<double>(a.y1) - a.y0);
  const double area_b = (static_cast<double>(b.x1) - b.x0) * (static_cast<double>(b.y1) - b.y0);
  return intersection / (area_a + area_b - intersection);
}

std::array<float, 4> encode_box(const Box& truth, const Box& anchor, const BoxCoderWeights& weights) {
  const float anchor_w = anchor.x1 - anchor.x0, anchor_h = anchor.y1 - anchor.y0;
  const float anchor_cx = anchor.x0 + 0.5f * anchor_w, anchor_cy = anchor.y0 + 0.5f * anchor_h;
  const float truth_w = truth.x1 - truth.x0, truth_h = truth.y1 - truth.y0;
  const float truth_cx = truth.x0 + 0.5f * truth_w, truth_cy = truth.y0 + 0.5f * truth_h;
  return {weights.x * (truth_cx - anchor_cx) / anchor_w, weights.y * (truth_cy - anchor_cy) / anchor_h,
          weights.w * std::log(truth_w / anchor_w), weights.h * std::log(truth_h / anchor_h)};
}

Box decode_box(std::span<const float, 4> code, const Box& anchor, const BoxCoderWeights& weights) {
  static const float max_log_scale = std::log(1000.0f / 16.0f);
  const float anchor_w = anchor.x1 - anchor.x0, anchor_h = anchor.y1 - anchor.y0;
  const float anchor_cx = anchor.x0 + 0.5f * anchor_w, anchor_cy = anchor.y0 + 0.5f * anchor_h;
  const float cx = code[0] / weights.x * anchor_w + anchor_cx;
  const float cy = code[1] / weights.y * anchor_h + anchor_cy;
  const float w = std::exp(std::min(code[2] / weights.w, max_log_scale)) * anchor_w;
  const float h = std::exp(std::min(code[3] / weights.h, max_log_scale)) * anchor_h;
  return {cx - 0.5f * w, cy - 0.5f * h, cx + 0.5f * w, cy + 0.5f * h, anchor.label};
}

std::vector<std::size_t> batched_nms(std::span<const Detection> detections, double iou_threshold,
                                     std::size_t max_kept) {
  for (const Detection& d : detections) HWNAS_CHECK(!std::isnan(d.score));  // the sort needs an order
  std::vector<std::size_t> order(detections.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return detections[a].score > detections[b].score;
  });
  std::unordered_map<std::int32_t, std::vector<Box>> kept_of_class;  // compared within a class only
  std::vector<std::size_t> kept;
  for (const std::size_t i : order) {
    if (kept.size() == max_kept) break;
    const Box& box = detections[i].box;
    std::vector<Box>& same_class = kept_of_class[box.label];
    const bool suppressed = std::any_of(same_class.begin(), same_class.end(),
                                        [&](const Box& other) { return box_iou(other, box) > iou_threshold; });
    if (suppressed) continue;
    same_class.push_back(box);
    kept.push_back(i);
  }
  return kept;
}

}  // namespace hwnas::train
