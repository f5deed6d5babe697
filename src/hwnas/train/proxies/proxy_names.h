// The names of the zero-shot proxies (proxy.h's registry), torch-free, so that the search
// refuses an unknown proxy when it reads the experiment, before it starts hwnas-train.
// registry.cpp checks at compile time that its entries are these names, in this order.
#pragma once

#include <array>
#include <string_view>

namespace hwnas::train::proxies {

/// Every proxy's registry name, in the order `hwnas proxy --help` and docs/proxies.md list them.
inline constexpr std::array<std::string_view, 12> kProxyNames = {
    "synflow", "grad_norm", "snip",   "params", "macs", "naswot", "jacob_cov", "fisher",
    "grasp",   "zen",       "te_nas_ntk", "te_nas_linear_regions"};

/// Throws UserError "unknown proxy 'X' (known: ...); did you mean 'Y'?" unless `name` is a
/// proxy's.
void check_proxy_name(std::string_view name);

}  // namespace hwnas::train::proxies
