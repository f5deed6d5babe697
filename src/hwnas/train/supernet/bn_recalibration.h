// Batch-norm recalibration of a subnet before it is measured (docs/supernet.md).
//
// A supernet's subnets share weights but not batch-norm statistics: the running means and
// variances a shared batch norm would average over every subnet trained fit none of them.
// So each subnet's statistics are computed afresh from training images: reset (mean 0,
// var 1, no batch tracked), then forward passes in training mode without gradients, each
// batch norm's running statistics the cumulative average of its batch statistics (PyTorch's
// momentum=None: m = 1 / batches so far; the unbiased batch variance), then eval. This is
// the "batch-norm calibration" of Yu & Huang, "Universally Slimmable Networks" (ICCV 2019),
// which Once-for-All (Cai et al., ICLR 2020; set_running_statistics in its code)
// and BigNAS (Yu et al., ECCV 2020) use before measuring a subnet.
#pragma once

#include <torch/torch.h>

#include <span>

#include "hwnas/train/network.h"

namespace hwnas::train::supernet {

/// Recalibrates every batch norm of `network` on `batches` (float [N, C, H, W] each, as
/// the network takes them; at least one, each N >= 2) as described above, and leaves the
/// network in eval mode with the default momentum (0.1) set again. The whole network runs
/// in training mode meanwhile, dropout too (as OFA's code does; in the spaces' classifiers
/// dropout follows the last batch norm, so it changes no statistic).
void recalibrate_batch_norm(NetworkImpl& network, std::span<const torch::Tensor> batches);

}  // namespace hwnas::train::supernet
