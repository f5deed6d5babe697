// The datasets' common form: images as bytes with their labels, boxes or masks. Torch-free,
// so that the data generators, the metrics and their tests build without libtorch; the
// trainer turns batches of an ImageSet into tensors.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace hwnas::train {

/// What a network is trained for; the metric follows from it (top-1/top-5, mAP, mIoU).
enum class Task : std::uint8_t { classification, detection, segmentation };

std::string_view task_name(Task task);  // "classification", "detection", "segmentation"

/// An axis-aligned box in pixels of its image, corners (x0, y0) inclusive-top-left and
/// (x1, y1) bottom-right, x0 < x1, y0 < y1, in continuous coordinates where pixel column a
/// spans [a, a + 1): a box around columns a…b has x0 = a, x1 = b + 1 (area with no "+1",
/// as torchvision and COCO count it); `label` is the object's class, 0-based over
/// the dataset's object classes (detection has no background label in the data: the
/// background class of a detector's scores is the trainer's business).
struct Box {
  float x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  std::int32_t label = 0;
  bool operator==(const Box&) const = default;
};

/// N images of channels × height × width bytes (0–255), stored N, C, H, W row-major, and
/// per image what the task needs: a class label (classification), boxes (detection), or a
/// height × width mask of class indices, 0 = background (segmentation). Vectors a task does
/// not use are empty.
struct ImageSet {
  std::int32_t channels = 0, height = 0, width = 0;
  std::vector<std::uint8_t> pixels;              // size N·C·H·W
  std::vector<std::int32_t> labels;              // classification: size N
  std::vector<std::vector<Box>> boxes;           // detection: size N
  std::vector<std::uint8_t> masks;               // segmentation: size N·H·W
  std::int32_t classes = 0;                      // classes of labels/boxes; masks: + background

  std::int64_t size() const {
    const std::int64_t per_image = std::int64_t{channels} * height * width;
    return per_image == 0 ? 0 : static_cast<std::int64_t>(pixels.size()) / per_image;
  }
};

}  // namespace hwnas::train
