// A proxy's answer (proxy.h), torch-free so that rankings (proxy_rank.h) and the search's
// proxy accuracy source can use it without linking libtorch.
#pragma once

#include <string>

namespace hwnas::train::proxies {

/// A proxy's answer. `value` is finite whenever `defined`; when the computation overflows,
/// gives NaN or cannot run on this network (e.g. no parameter reaches the output: a
/// NAS-Bench-201 cell whose every path is `none`), `defined` is false and `reason` says why
/// in one phrase ("synflow overflowed float64 (the sum is inf)"). Rankings place
/// undefined scores below every defined one, tied among themselves (proxy_rank.h).
struct ProxyScore {
  double value = 0;
  bool defined = false;
  std::string reason;
};

}  // namespace hwnas::train::proxies
