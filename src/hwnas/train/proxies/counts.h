// params and macs: the baselines every zero-cost-proxy paper reports beside its proxies
// (Abdelfattah et al., ICLR 2021, Table 1 and 2 "#params" and "flops"; Ning et al.,
// "Evaluating efficient performance estimators of neural architectures", NeurIPS 2021).
//
//   params = Σ_nodes node_params (parameters as PyTorch counts them, batch-norm scale and
//            shift included; graph/analysis.h)
//   macs   = Σ_nodes node_macs (multiply-accumulates of one image; graph/analysis.h)
//
// From graph analysis: no network is built, no data read, the seed ignored. Always
// defined (0 is a count like any other).
#pragma once

#include <memory>

#include "hwnas/train/proxies/proxy.h"

namespace hwnas::train::proxies {

std::unique_ptr<Proxy> make_params();
std::unique_ptr<Proxy> make_macs();

}  // namespace hwnas::train::proxies
