#include "hwnas/train/metrics/detection_map.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "hwnas/base/error.h"

namespace hwnas::train {

std::array<double, MeanAveragePrecision::kIouThresholds> MeanAveragePrecision::iou_thresholds() {
  // numpy.linspace(0.5, 0.95, 10): i * ((0.95 - 0.5) / 9) + 0.5, the last exactly 0.95.
  std::array<double, kIouThresholds> t{};
  const double step = (0.95 - 0.5) / 9.0;
  for (std::size_t i = 0; i < kIouThresholds; ++i) t[i] = static_cast<double>(i) * step + 0.5;
  t.back() = 0.95;
  return t;
}

MeanAveragePrecision::MeanAveragePrecision(std::int32_t classes, std::int32_t max_detections)
    : classes_(classes), max_detections_(max_detections),
      per_class_(static_cast<std::size_t>(std::max(classes, 0))) {
  HWNAS_CHECK(classes >= 1 && max_detections >= 1);
}

void MeanAveragePrecision::add_image(std::span<const Box> truth, std::span<const Detection> detections) {
  const std::size_t k = static_cast<std::size_t>(classes_);
  std::vector<std::vector<const Box*>> truth_of(k);
  std::vector<std::vector<const Detection*>> detections_of(k);
  for (std::size_t i = 0; i < truth.size(); ++i) {
    if (truth[i].label < 0 || truth[i].label >= classes_)
      throw UserError("detection truth box " + std::to_string(i) + " of image " + std::to_string(images_) +
                      " has label " + std::to_string(truth[i].label) + ", not a class of 0.." +
                      std::to_string(classes_ - 1) + "; fix the dataset's boxes or the model's classes");
    truth_of[static_cast<std::size_t>(truth[i].label)].push_back(&truth[i]);
  }
  for (const Detection& d : detections) {
    HWNAS_CHECK(d.box.label >= 0 && d.box.label < classes_);
    if (std::isnan(d.score))
      throw UserError("a detection score of image " + std::to_string(images_) +
                      " is NaN: the network's outputs are not finite");
    detections_of[static_cast<std::size_t>(d.box.label)].push_back(&d);
  }
  const std::array<double, kIouThresholds> thresholds = iou_thresholds();
  std::vector<double> iou;
  std::vector<char> taken;
  for (std::size_t c = 0; c < k; ++c) {
    const std::vector<const Box*>& gts = truth_of[c];
    std::vector<const Detection*>& dts = detections_of[c];
    std::stable_sort(dts.begin(), dts.end(), [](const Detection* a, const Detection* b) { return a->score > b->score; });
    dts.resize(std::min(dts.size(), static_cast<std::size_t>(max_detections_)));
    iou.resize(dts.size() * gts.size());
    for (std::size_t d = 0; d < dts.size(); ++d)
      for (std::size_t g = 0; g < gts.size(); ++g) iou[d * gts.size() + g] = box_iou(dts[d]->box, *gts[g]);
    std::vector<Scored>& out = per_class_[c].detections;
    const std::size_t first = out.size();
    for (const Detection* d : dts) out.push_back({d->score, 0});
    for (std::size_t t = 0; t < kIouThresholds; ++t) {
      taken.assign(gts.size(), 0);
      for (std::size_t d = 0; d < dts.size(); ++d) {
        double best = std::min(thresholds[t], 1 - 1e-10);
        std::ptrdiff_t match = -1;
        for (std::size_t g = 0; g < gts.size(); ++g) {
          if (taken[g] || iou[d * gts.size() + g] < best) continue;
          best = iou[d * gts.size() + g];
          match = static_cast<std::ptrdiff_t>(g);
        }
        if (match < 0) continue;
        taken[static_cast<std::size_t>(match)] = 1;
        out[first + d].matched = static_cast<std::uint16_t>(out[first + d].matched | (1u << t));
      }
    }
    per_class_[c].truth_boxes += static_cast<std::int64_t>(gts.size());
  }
  ++images_;
}

std::array<double, MeanAveragePrecision::kIouThresholds> MeanAveragePrecision::average_precisions(
    const PerClass& c) const {
  std::vector<Scored> ranked = c.detections;
  std::stable_sort(ranked.begin(), ranked.end(), [](const Scored& a, const Scored& b) { return a.score > b.score; });
  const std::size_t n = ranked.size();
  const double truth_boxes = static_cast<double>(c.truth_boxes);
  const double eps = std::numeric_limits<double>::epsilon();  // numpy.spacing(1)
  std::array<double, kIouThresholds> ap{};
  std::vector<double> recall(n), precision(n);
  for (std::size_t t = 0; t < kIouThresholds; ++t) {
    double tp = 0, fp = 0;
    for (std::size_t i = 0; i < n; ++i) {
      ((ranked[i].matched >> t) & 1u ? tp : fp) += 1;
      recall[i] = tp / truth_boxes;
      precision[i] = tp / (fp + tp + eps);
    }
    for (std::size_t i = n; i-- > 1;) precision[i - 1] = std::max(precision[i - 1], precision[i]);
    double sum = 0;
    std::size_t i = 0;
    for (std::size_t r = 0; r < kRecallThresholds; ++r) {
      // numpy.linspace(0, 1, 101): r * 0.01, the last exactly 1.
      const double level = r + 1 == kRecallThresholds ? 1.0 : static_cast<double>(r) * 0.01;
      while (i < n && recall[i] < level) ++i;
      if (i == n) break;  // recall never reaches this level (nor the ones after): precision 0
      sum += precision[i];
    }
    ap[t] = sum / static_cast<double>(kRecallThresholds);
  }
  return ap;
}

DetectionMap MeanAveragePrecision::result() const {
  DetectionMap map;
  map.images = images_;
  for (const PerClass& c : per_class_) {
    if (c.truth_boxes == 0) {
      map.ap_50_95.emplace_back();
      map.ap_50.emplace_back();
      map.ap_75.emplace_back();
      continue;
    }
    const std::array<double, kIouThresholds> ap = average_precisions(c);
    const double mean = std::accumulate(ap.begin(), ap.end(), 0.0) / static_cast<double>(kIouThresholds);
    map.ap_50_95.emplace_back(mean);
    map.ap_50.emplace_back(ap[0]);
    map.ap_75.emplace_back(ap[5]);
    map.map_50_95 += mean;
    map.map_50 += ap[0];
    map.map_75 += ap[5];
    ++map.classes_in_mean;
  }
  if (map.classes_in_mean == 0)
    throw UserError("mAP is undefined: none of the " + std::to_string(images_) +
                    " images evaluated holds a ground truth box");
  map.map_50_95 /= map.classes_in_mean;
  map.map_50 /= map.classes_in_mean;
  map.map_75 /= map.classes_in_mean;
  return map;
}

}  // namespace hwnas::train
