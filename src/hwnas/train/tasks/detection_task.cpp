#include "hwnas/train/tasks/detection_task.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <utility>

#include "hwnas/base/error.h"
#include "hwnas/train/metrics/anchors.h"

namespace hwnas::train {
namespace {

// [N, A·K, H, W] → [N, H·W·A, K], as torchvision's SSDScoringHead._get_result_from_module_list.
torch::Tensor per_anchor(const torch::Tensor& map, std::int64_t anchors, std::int64_t k, const FeatureMapSize& size) {
  HWNAS_CHECK(map.dim() == 4 && map.size(1) == anchors * k && map.size(2) == size.height && map.size(3) == size.width);
  return map.view({map.size(0), anchors, k, size.height, size.width})
      .permute({0, 3, 4, 1, 2})
      .reshape({map.size(0), -1, k});
}

void check_labels(std::span<const std::vector<Box>> truth, std::int32_t object_classes) {
  for (std::size_t i = 0; i < truth.size(); ++i)
    for (const Box& b : truth[i])
      if (b.label < 0 || b.label >= object_classes)
        throw UserError(fmt::format("image {} of the batch has a box of class {}; the detector has {} object classes "
                                    "(0-{})",
                                    i, b.label, object_classes, object_classes - 1));
}

}  // namespace

SsdPredictions gather_ssd_outputs(const SsdHeadLayout& layout, const std::vector<torch::Tensor>& outputs) {
  std::vector<torch::Tensor> boxes, classes;
  for (const SsdLevel& level : layout.levels) {
    HWNAS_CHECK(level.box_output < static_cast<std::int32_t>(outputs.size()) &&
                level.class_output < static_cast<std::int32_t>(outputs.size()));
    boxes.push_back(per_anchor(outputs[level.box_output], layout.anchors_per_location, 4, level.size));
    classes.push_back(per_anchor(outputs[level.class_output], layout.anchors_per_location, layout.classes, level.size));
  }
  SsdPredictions p{torch::cat(boxes, 1), torch::cat(classes, 1)};
  HWNAS_CHECK(p.box_codes.size(1) == static_cast<std::int64_t>(layout.anchors.size()));
  return p;
}

SsdLoss ssd_loss(const SsdHeadLayout& layout, const std::vector<torch::Tensor>& outputs,
                 std::span<const std::vector<Box>> truth, const SsdLossOptions& options) {
  HWNAS_CHECK(options.negatives_per_positive >= 0);
  check_labels(truth, layout.classes - 1);
  const SsdPredictions p = gather_ssd_outputs(layout, outputs);
  const std::int64_t n = p.box_codes.size(0), anchors = p.box_codes.size(1);
  HWNAS_CHECK(n == static_cast<std::int64_t>(truth.size()));

  // Targets on the CPU, torch-free (anchors.h), then as tensors.
  std::vector<std::int64_t> classes(static_cast<std::size_t>(n * anchors));
  std::vector<float> codes(static_cast<std::size_t>(n * anchors * 4));
  std::int64_t positives = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    const SsdTargets t = ssd_targets(truth[static_cast<std::size_t>(i)], layout.anchors, options.iou_threshold,
                                     options.weights);
    std::copy(t.classes.begin(), t.classes.end(), classes.begin() + i * anchors);
    std::copy(t.box_codes.begin(), t.box_codes.end(), codes.begin() + i * anchors * 4);
    positives += t.positives;
  }
  const torch::Tensor target_classes = torch::from_blob(classes.data(), {n, anchors}, torch::kInt64).clone();
  const torch::Tensor target_codes = torch::from_blob(codes.data(), {n, anchors, 4}, torch::kFloat32).clone();
  const torch::Tensor positive = target_classes > 0;

  SsdLoss loss;
  loss.positives = positives;
  const double normaliser = static_cast<double>(std::max<std::int64_t>(1, positives));
  const torch::Tensor box_sum =
      torch::smooth_l1_loss(p.box_codes.index({positive}), target_codes.index({positive}), at::Reduction::Sum, 1.0);

  const torch::Tensor ce = torch::nn::functional::cross_entropy(
                               p.class_logits.reshape({-1, layout.classes}), target_classes.reshape({-1}),
                               torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone))
                               .view({n, anchors});
  // Hard negative mining: per image, the ranks of the negatives by decreasing loss.
  const torch::Tensor wanted = positive.sum(1, true) * options.negatives_per_positive;
  const torch::Tensor negative_loss =
      ce.detach().masked_fill(positive, -std::numeric_limits<float>::infinity());
  const torch::Tensor order = std::get<1>(negative_loss.sort(1, true));
  const torch::Tensor rank = std::get<1>(order.sort(1));
  const torch::Tensor negative = (rank < wanted).logical_and(positive.logical_not());
  loss.negatives = negative.sum().item<std::int64_t>();

  loss.box_regression = box_sum / normaliser;
  loss.classification = (ce.masked_select(positive).sum() + ce.masked_select(negative).sum()) / normaliser;
  loss.total = loss.box_regression + loss.classification;
  return loss;
}

SsdEvaluator::SsdEvaluator(SsdHeadLayout layout, const SsdDecodeOptions& decode)
    : layout_(std::move(layout)), decode_(decode), map_(layout_.classes - 1) {}

void SsdEvaluator::add(const std::vector<torch::Tensor>& outputs, std::span<const std::vector<Box>> truth) {
  check_labels(truth, layout_.classes - 1);
  std::vector<torch::Tensor> boxes, classes;  // contiguous float CPU copies of each level's maps
  for (const SsdLevel& level : layout_.levels) {
    boxes.push_back(outputs.at(level.box_output).detach().to(torch::kCPU, torch::kFloat32).contiguous());
    classes.push_back(outputs.at(level.class_output).detach().to(torch::kCPU, torch::kFloat32).contiguous());
  }
  const std::int64_t n = boxes.front().size(0);
  HWNAS_CHECK(n == static_cast<std::int64_t>(truth.size()));
  std::vector<SsdLevelOutput> levels(layout_.levels.size());
  for (std::int64_t i = 0; i < n; ++i) {
    for (std::size_t l = 0; l < levels.size(); ++l) {
      const std::int64_t box_size = boxes[l][0].numel(), class_size = classes[l][0].numel();
      levels[l] = {{boxes[l].data_ptr<float>() + i * box_size, static_cast<std::size_t>(box_size)},
                   {classes[l].data_ptr<float>() + i * class_size, static_cast<std::size_t>(class_size)},
                   layout_.levels[l].size};
    }
    const std::vector<Detection> found = decode_ssd(levels, layout_.anchors, layout_.classes, layout_.image_size,
                                                    layout_.image_size, decode_);
    map_.add_image(truth[static_cast<std::size_t>(i)], found);
  }
}

}  // namespace hwnas::train
