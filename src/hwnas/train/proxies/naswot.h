// naswot: the score of "Neural Architecture Search without Training" (Mellor, Turner, Storkey
// and Crowley, ICML 2021, §3; reference code read: github.com/BayesWatch/nas-without-training,
// score_networks.py: a forward hook on every ReLU, K += x·xᵀ + (1−x)·(1−x)ᵀ, slogdet).
//
//   c_i ∈ {0,1}^A   the binary code of image i: 1 where a rectifier unit is active (> 0),
//                   over every unit of every ReLU/ReLU6 node (A units in all)
//   K_H[i][j] = A − Hamming(c_i, c_j) = c_i·c_j + (1 − c_i)·(1 − c_j)
//   naswot    = log |det K_H|
//
// One forward of the batch in training mode (batch statistics, as the reference's freshly
// built network), no gradients, NetworkImpl's initialisation of `seed`. K_H is summed in
// float64 (per node in float32, exact while a node has fewer than 2^24 units per image).
// Undefined when the network has no ReLU/ReLU6 node, and when K_H is singular (two images
// of the batch share one code; the reference's slogdet then gives −inf).
#pragma once

#include <memory>

#include "hwnas/train/proxies/proxy.h"

namespace hwnas::train::proxies {

std::unique_ptr<Proxy> make_naswot();

}  // namespace hwnas::train::proxies
