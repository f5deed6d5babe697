// Box arithmetic of an SSD detector (Liu et al. 2016), as torchvision 0.14 implements it:
// IoU, the box coder (models/detection/_utils.py BoxCoder), and per-class non-maximum
// suppression (ops/boxes.py batched_nms). Boxes are data/image_set.h's Box: corners in
// pixels, area (x1 - x0)·(y1 - y0) with no "+1", as torchvision's box_area and
// pycocotools' bbox IoU. Torch-free.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "hwnas/train/data/image_set.h"

namespace hwnas::train {

/// A scored detection: `box.label` is the object class, 0-based over the dataset's object
/// classes (no background: the detector's class 0 is background, label = class - 1).
struct Detection {
  Box box;
  float score = 0;
};

/// Intersection over union, in double: intersection / (area_a + area_b - intersection);
/// 0 when the boxes do not overlap (a box of zero area included). Labels are ignored.
double box_iou(const Box& a, const Box& b);

/// The weights (w_x, w_y, w_w, w_h) of the SSD box coder; torchvision's SSD uses (10, 10, 5, 5).
struct BoxCoderWeights {
  float x = 10, y = 10, w = 5, h = 5;
};

/// The regression target of `truth` relative to `anchor` (both with positive width and
/// height), with centres (cx, cy) and sizes (w, h):
///   (w_x·(cx_t - cx_a)/w_a, w_y·(cy_t - cy_a)/h_a, w_w·log(w_t/w_a), w_h·log(h_t/h_a))
/// as BoxCoder.encode_single.
std::array<float, 4> encode_box(const Box& truth, const Box& anchor, const BoxCoderWeights& weights = {});

/// The inverse, as BoxCoder.decode_single: cx = dx/w_x·w_a + cx_a, w = exp(dw/w_w)·w_a
/// (likewise y, h), with dw/w_w and dh/w_h clamped above at log(1000/16) so that exp stays
/// finite. The result's label is `anchor.label`.
Box decode_box(std::span<const float, 4> code, const Box& anchor, const BoxCoderWeights& weights = {});

/// Non-maximum suppression within each class (box.label), as torchvision's batched_nms:
/// detections in decreasing score are kept unless a kept detection of the same class
/// overlaps them with IoU > iou_threshold (strictly). Returns the indices kept, in
/// decreasing score; equal scores in increasing index (torchvision leaves that order
/// unspecified). A NaN score is an InternalError (decode_ssd never gives one). With
/// `max_kept`, stops once that many are kept: the first max_kept of the full result (a
/// detection's fate depends only on those of higher score), without comparing the rest —
/// what makes decoding an untrained detector's thousands of near-equal candidates fast.
std::vector<std::size_t> batched_nms(std::span<const Detection> detections, double iou_threshold,
                                     std::size_t max_kept = SIZE_MAX);

}  // namespace hwnas::train
