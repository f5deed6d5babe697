#include "hwnas/train/proxies/proxy_names.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <string>
#include <vector>

#include "hwnas/base/error.h"
#include "hwnas/base/suggest.h"

namespace hwnas::train::proxies {

void check_proxy_name(std::string_view name) {
  if (std::find(kProxyNames.begin(), kProxyNames.end(), name) != kProxyNames.end()) return;
  throw UserError(fmt::format("unknown proxy '{}' (known: {}){}", name, fmt::join(kProxyNames, ", "),
                              did_you_mean(name, kProxyNames)));
}

bool proxy_needs_data(std::string_view name) {
  return std::find(kDataFreeProxyNames.begin(), kDataFreeProxyNames.end(), name) == kDataFreeProxyNames.end();
}

std::string proxy_batch_problem(const std::vector<std::string>& names, std::int64_t batch) {
  if (batch >= kMinProxyBatch) return "";
  std::vector<std::string> reading;
  for (const std::string& name : names)
    if (proxy_needs_data(name)) reading.push_back(name);
  if (reading.empty()) return "";
  const bool one = reading.size() == 1;
  // The reasons of the proxies named only (s32 review: the matrices were named for snip too).
  std::vector<std::string> matrices, gradients, reasons;
  for (const std::string& name : reading)
    if (name == "jacob_cov" || name == "te_nas_ntk" || name == "naswot") matrices.push_back(name + "'s");
    else if (name != "te_nas_linear_regions") gradients.push_back(name);
  if (!matrices.empty())
    reasons.push_back(fmt::format("{} {} 1x1 (the same score for every network)", fmt::join(matrices, ", "),
                                  matrices.size() == 1 ? "matrix is" : "matrices are"));
  if (!gradients.empty())
    reasons.push_back(fmt::format("batch norm in training mode zeroes a 1x1 map (a classifier's last stages), so no "
                                  "gradient reaches {}'s weights",
                                  fmt::join(gradients, "/")));
  if (std::ranges::find(reading, "te_nas_linear_regions") != reading.end())
    reasons.push_back("te_nas_linear_regions over the batch (--linear-regions full) counts 1 region for every network");
  return fmt::format("{} {} {} a batch of images and {} at least {}: over one image, {}", one ? "proxy" : "proxies",
                     fmt::join(reading, ", "), one ? "reads" : "read", one ? "needs" : "need", kMinProxyBatch,
                     fmt::join(reasons, "; "));
}

}  // namespace hwnas::train::proxies
