// te_nas_linear_regions: TE-NAS's expressivity score (Chen, Gong and Wang, "Neural
// Architecture Search on ImageNet in Four GPU Hours: A Theoretically Inspired Perspective",
// ICLR 2021, §3.2; reference code read: github.com/VITA-Group/TENAS at 9df78ff,
// lib/procedures/linear_region_counter.py and prune_tenas.py): the number of distinct
// linear regions of the ReLU network among a set of inputs. Higher is better.
//
//   c_i                    the binary code of input i: 1 where a ReLU/ReLU6 unit is
//                          active (> 0), over every unit of every rectifier node
//   te_nas_linear_regions  = |{c_1, …, c_N}|        (number of distinct codes, ≤ N)
//
// score(): the inputs of `input.images` [N, C, H, W], forwarded in training mode without
// gradients in consecutive batches of kTeNasForwardBatch (the reference's batches of 1000,
// each normalised by its own batch-norm statistics), counted over the union of the batches;
// weights: NetworkImpl's initialisation of `seed` (the reference uses Kaiming normal on
// fan-in, BN weight 1, bias 0). Undefined when the network has no ReLU or ReLU6 node.
//
// The thin copy. On a full-size network almost every input has a code of its own (a
// NAS-Bench-201 network at 32×32 gives 64 of 64 for every cell), so the reference counts on
// a THIN copy of each NAS-Bench-201 network (prune_tenas.py, model_config_thin: C = 1,
// N = 1, depth 1, no stem): the one cell with 1 channel on the input, BN-ReLU, global
// pooling, linear, fed 3 batches of 1000 inputs of 1 × 3 × 3 (a random 3 × 3 crop of a
// training image, normalised, one random channel of three). ProxyRunner (proxy_runner.h)
// does the same for a NAS-Bench-201 network: te_nas_thin_network below, and kTeNasThinInputs
// random 3 × 3 crops of Fashion-MNIST training images (grey: its one channel). Any other
// network is counted as given.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include "hwnas/graph/graph.h"
#include "hwnas/train/proxies/proxy.h"

namespace hwnas::train::proxies {

std::unique_ptr<Proxy> make_te_nas_linear_regions();

/// Inputs per forward pass (the reference's batch of 1000).
inline constexpr std::int32_t kTeNasForwardBatch = 1000;
/// The thin copy's inputs: 3 batches of 1000, each kTeNasThinCrop × kTeNasThinCrop pixels.
inline constexpr std::int32_t kTeNasThinInputs = 3000;
inline constexpr std::int32_t kTeNasThinCrop = 3;

/// TE-NAS's thin copy of `graph` when it is a NAS-Bench-201 network (named "nb201", with at
/// least one nb201_cell block, all of the same cell): that cell as the model spec
/// nb201:arch=CELL,width=0.0625,cells=1,stages=1,stem=0,in_ch=1,res=3 builds it (C = 1, one
/// cell, input 1 × 3 × 3, 10 classes; space/nb201.h Nb201Shape). std::nullopt for any other
/// graph.
std::optional<graph::Graph> te_nas_thin_network(const graph::Graph& graph);

}  // namespace hwnas::train::proxies
