// jacob_cov: the Jacobian-covariance score of the first version of "Neural Architecture
// Search without Training" (Mellor, Turner, Storkey and Crowley, arXiv:2006.04647v1, 2020),
// as the zero-cost-proxies study computes it (Abdelfattah, Mehrotra, Dudziak and Lane,
// ICLR 2021; reference code read: github.com/SamsungLabs/zero-cost-nas,
// foresight/pruners/measures/jacob_cov.py).
//
//   J_i      = ∂(Σ_k f_k(x_i)) / ∂x_i, flattened     (f: every output, flattened and
//                                                      joined: a classifier's one, a
//                                                      detector's box and class maps; one
//                                                      backward of the sum over the batch)
//   Σ_J      = corrcoef(J_1 … J_N)                    (N × N correlation of the rows)
//   jacob_cov = − Σ_{λ ∈ eig(Σ_J)} [log(λ + k) + 1/(λ + k)],   k = 10⁻⁵
//
// Training mode, NetworkImpl's initialisation of `seed`, eigenvalues in float64 (the
// reference: numpy float32 corrcoef, np.linalg.eig). Undefined when a row of J is constant
// (its correlation is NaN: e.g. no path from the input to the output) or the sum is not
// finite.
#pragma once

#include <memory>

#include "hwnas/train/proxies/proxy.h"

namespace hwnas::train::proxies {

std::unique_ptr<Proxy> make_jacob_cov();

}  // namespace hwnas::train::proxies
