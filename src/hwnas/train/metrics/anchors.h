// SSD default boxes (anchors) and the matching of ground truth to them, as torchvision 0.14
// builds ssdlite320_mobilenet_v3_large: DefaultBoxGenerator([[2, 3]] * levels,
// min_ratio=0.2, max_ratio=0.95) (models/detection/anchor_utils.py) and SSDMatcher(0.5)
// (models/detection/_utils.py). Torch-free.
//
// Anchor order, which is also how the anchors map to the SSDLite head's channels
// (graph/zoo/heads.h: per level a box map [A·4, H, W] and a class map [A·C, H, W]):
// level by level, then row y, then column x, then the A anchors of the location. Anchor
// a at (y, x) of a level is number offset + (y·W + x)·A + a, where offset counts the
// anchors of the levels before; its box code j (dx, dy, dw, dh) is channel a·4 + j of the
// box map at (y, x), its class c score channel a·C + c of the class map — as torchvision's
// SSDScoringHead views [N, A·K, H, W] as [N, A, K, H, W] and permutes it to [N, H·W·A, K].
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "hwnas/train/data/image_set.h"
#include "hwnas/train/metrics/boxes.h"

namespace hwnas::train {

struct FeatureMapSize {
  std::int32_t height = 0, width = 0;
};

/// DefaultBoxGenerator's parameters; the defaults are SSDLite's. Level k of L has scale
/// s_k = min_ratio + (max_ratio - min_ratio)·k/(L - 1) (s_L = 1; one level: s_0 =
/// min_ratio, s_1 = max_ratio), and at each location the anchors, as (width, height)
/// fractions of the image: (s_k, s_k), (s'_k, s'_k) with s'_k = sqrt(s_k·s_{k+1}), then for
/// each aspect ratio r: (s_k·sqrt(r), s_k/sqrt(r)) and (s_k/sqrt(r), s_k·sqrt(r)); clipped
/// to [0, 1] when `clip`. Centres ((x + 0.5)/W, (y + 0.5)/H) (no `steps`), scaled to pixels.
struct AnchorSpec {
  std::vector<double> aspect_ratios = {2.0, 3.0};
  double min_ratio = 0.2, max_ratio = 0.95;
  bool clip = true;
};

/// Anchors per location: 2 + 2·aspect_ratios (6 for SSDLite, SsdLiteHeadSpec::anchors).
std::int32_t anchors_per_location(const AnchorSpec& spec = {});

/// The anchors of all levels in the order above, in pixels of an image_width ×
/// image_height input, label -1. At least one level, every size positive, else
/// InternalError.
std::vector<Box> default_boxes(std::span<const FeatureMapSize> levels, std::int32_t image_height,
                               std::int32_t image_width, const AnchorSpec& spec = {});

/// SSD matching, as SSDMatcher: anchor i takes the truth box of highest IoU with it (ties
/// to the first) when that IoU >= iou_threshold; then each truth box takes its own
/// best-IoU anchor (ties to the first anchor) whatever the IoU, later truth boxes winning
/// an anchor two share. Returns per anchor the index of its truth box, or -1
/// (background); all -1 when `truth` is empty (and nothing when `anchors` is).
std::vector<std::int32_t> match_anchors(std::span<const Box> truth, std::span<const Box> anchors,
                                        double iou_threshold = 0.5);

/// Training targets of one image for SSD's losses (SSD.compute_loss): per anchor the class
/// (0 = background, else truth label + 1) and the box code of its matched truth box
/// (encode_box; zeros for background anchors), [anchors, 4] row-major.
struct SsdTargets {
  std::vector<std::int32_t> classes;
  std::vector<float> box_codes;
  std::int64_t positives = 0;  // anchors matched to a truth box
};
SsdTargets ssd_targets(std::span<const Box> truth, std::span<const Box> anchors, double iou_threshold = 0.5,
                       const BoxCoderWeights& weights = {});

}  // namespace hwnas::train
