#include "hwnas/train/tasks/segmentation_task.h"

#include <fmt/format.h>

#include <vector>

#include "hwnas/base/error.h"

namespace hwnas::train {

torch::Tensor mask_tensor(const Batch& batch) {
  HWNAS_CHECK(static_cast<std::int64_t>(batch.masks.size()) == std::int64_t{batch.n} * batch.height * batch.width);
  std::vector<std::uint8_t> copy = batch.masks;
  return torch::from_blob(copy.data(), {batch.n, batch.height, batch.width}, torch::kUInt8).to(torch::kInt64);
}

torch::Tensor logits_at(const torch::Tensor& logits, std::int64_t height, std::int64_t width) {
  HWNAS_CHECK(logits.dim() == 4);
  if (logits.size(2) == height && logits.size(3) == width) return logits;
  namespace F = torch::nn::functional;
  return F::interpolate(logits, F::InterpolateFuncOptions()
                                    .size(std::vector<std::int64_t>{height, width})
                                    .mode(torch::kBilinear)
                                    .align_corners(false));
}

torch::Tensor segmentation_loss(const torch::Tensor& logits, const torch::Tensor& masks) {
  HWNAS_CHECK(masks.dim() == 3 && logits.dim() == 4 && masks.size(0) == logits.size(0));
  const std::int64_t classes = logits.size(1);
  const torch::Tensor bad = (masks >= classes).logical_and(masks != ConfusionMatrix::kIgnore);
  if (bad.any().item<bool>()) {
    const std::int64_t value = masks.masked_select(bad)[0].item<std::int64_t>();
    throw UserError(fmt::format("a mask holds class {} but the segmenter scores {} classes (background included); "
                                "use a model with classes={}",
                                value, classes, value + 1));
  }
  namespace F = torch::nn::functional;
  return F::cross_entropy(logits_at(logits, masks.size(1), masks.size(2)), masks,
                          F::CrossEntropyFuncOptions().ignore_index(ConfusionMatrix::kIgnore));
}

void add_segmentation(ConfusionMatrix& matrix, const torch::Tensor& logits, std::span<const std::uint8_t> masks,
                      std::int64_t height, std::int64_t width) {
  HWNAS_CHECK(logits.dim() == 4 && logits.size(1) == matrix.classes());
  HWNAS_CHECK(static_cast<std::int64_t>(masks.size()) == logits.size(0) * height * width);
  const torch::Tensor predicted =
      logits_at(logits.detach(), height, width).argmax(1).to(torch::kCPU, torch::kInt32).contiguous();
  matrix.add({predicted.data_ptr<std::int32_t>(), static_cast<std::size_t>(predicted.numel())}, masks);
}

}  // namespace hwnas::train
