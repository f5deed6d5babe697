// te_nas_linear_regions: TE-NAS's expressivity score (Chen, Gong and Wang, "Neural
// Architecture Search on ImageNet in Four GPU Hours: A Theoretically Inspired Perspective",
// ICLR 2021, §3.2; reference code read: github.com/VITA-Group/TENAS,
// lib/procedures/linear_region_counter.py): the number of distinct linear regions of the
// ReLU network among the images of a batch. Higher is better.
//
//   c_i                    the binary code of image i: 1 where a ReLU/ReLU6 unit is
//                          active (> 0), over every unit of every rectifier node
//   te_nas_linear_regions  = |{c_1, …, c_N}|        (number of distinct codes)
//
// One forward in training mode without gradients, NetworkImpl's initialisation of `seed`.
// The count is at most N: on a full-size network almost every image has a code of its own,
// so the reference scores a thin copy of each network (NAS-Bench-201 with C = 1, N = 1 cell
// per stage) on 3 × 1000 crops of 3 × 3 pixels. This proxy counts on the network it is
// given: score such a thin network (e.g. nb201 at a small width and resolution) with a large
// batch to separate candidates. Undefined when the network has no ReLU or ReLU6 node.
#pragma once

#include <memory>

#include "hwnas/train/proxies/proxy.h"

namespace hwnas::train::proxies {

std::unique_ptr<Proxy> make_te_nas_linear_regions();

}  // namespace hwnas::train::proxies
