// The names of the zero-shot proxies (proxy.h's registry), torch-free, so that the search
// refuses an unknown proxy when it reads the experiment, before it starts hwnas-train.
// registry.cpp checks at compile time that its entries are these names, in this order.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hwnas::train::proxies {

/// Every proxy's registry name, in the order `hwnas proxy --help` and docs/proxies.md list them.
inline constexpr std::array<std::string_view, 12> kProxyNames = {
    "synflow", "grad_norm", "snip",   "params", "macs", "naswot", "jacob_cov", "fisher",
    "grasp",   "zen",       "te_nas_ntk", "te_nas_linear_regions"};

/// The proxies that read no batch (Proxy::needs_data() false; make_proxy checks that the
/// two agree): synflow (one all-ones image), params and macs (graph analysis), zen (its own
/// Gaussian images). Every other proxy reads the Fashion-MNIST batch.
inline constexpr std::array<std::string_view, 4> kDataFreeProxyNames = {"synflow", "params", "macs", "zen"};

/// Whether the proxy `name` reads the batch (not one of kDataFreeProxyNames).
bool proxy_needs_data(std::string_view name);

/// The fewest images a proxy that reads the batch is given. Over one image, jacob_cov's,
/// te_nas_ntk's and naswot's matrices are 1x1 (the same score for every network), and batch
/// norm in training mode normalises a 1x1 map (a classifier's last stages at a low
/// resolution) to its bias, 0 at initialisation, so no gradient reaches a weight (snip,
/// grad_norm, fisher, grasp come out undefined as if every path were cut). `hwnas train
/// --batch` has the same minimum.
inline constexpr std::int32_t kMinProxyBatch = 2;

/// "" when a batch of `batch` images suits every proxy of `names`, else why not, without
/// the key that set it: "proxies snip, jacob_cov read a batch of images and need at least
/// 2: over one image, ...". The callers name their key (`--batch`,
/// `accuracy.proxy.batch`) and the fix.
std::string proxy_batch_problem(const std::vector<std::string>& names, std::int64_t batch);

/// Throws UserError "unknown proxy 'X' (known: ...); did you mean 'Y'?" unless `name` is a
/// proxy's.
void check_proxy_name(std::string_view name);

}  // namespace hwnas::train::proxies
