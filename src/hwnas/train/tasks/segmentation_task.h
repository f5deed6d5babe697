// Semantic segmentation's training loss and its evaluation by mIoU, on the one output of a
// segmenter (task_heads.h check_segmenter: class scores [N, K, h, w], K = object classes +
// background). As torchvision 0.14's segmentation references (references/segmentation/
// train.py criterion and evaluate): per-pixel cross-entropy averaged over the pixels whose
// mask is not 255 (ignore_index); a map smaller than the masks is first resized to their
// size, bilinearly with align_corners=False (F.interpolate, as LRASPP.forward upsamples its
// output to the input); the prediction is the argmax over classes, counted in a
// ConfusionMatrix (metrics/segmentation.h). docs/training.md, "Detection and segmentation".
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <span>

#include "hwnas/train/data/batch.h"
#include "hwnas/train/metrics/segmentation.h"

namespace hwnas::train {

/// The batch's masks as class indices, int64 [N, H, W].
torch::Tensor mask_tensor(const Batch& batch);

/// `logits` [N, K, h, w] at height × width: itself when already that size, else bilinearly
/// resized (align_corners=False).
torch::Tensor logits_at(const torch::Tensor& logits, std::int64_t height, std::int64_t width);

/// Mean cross-entropy over the pixels of `masks` (int64 [N, H, W]) other than 255, of
/// `logits` [N, K, h, w] resized to H × W. A mask value ≥ K other than 255 is a UserError.
/// Differentiable through `logits`.
torch::Tensor segmentation_loss(const torch::Tensor& logits, const torch::Tensor& masks);

/// Adds the argmax of `logits` (resized as the loss does) against `masks` (N·H·W bytes,
/// batch.h's layout) to `matrix`, whose classes must equal K (InternalError otherwise).
void add_segmentation(ConfusionMatrix& matrix, const torch::Tensor& logits, std::span<const std::uint8_t> masks,
                      std::int64_t height, std::int64_t width);

}  // namespace hwnas::train
