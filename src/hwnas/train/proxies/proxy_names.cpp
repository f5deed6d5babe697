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
  return fmt::format("{} {} {} a batch of images and {} at least {}: over one image, jacob_cov's, te_nas_ntk's and "
                     "naswot's matrices are 1x1 (the same score for every network) and batch norm in training mode "
                     "zeroes a 1x1 map (a classifier's last stages), so no gradient reaches a weight",
                     one ? "proxy" : "proxies", fmt::join(reading, ", "), one ? "reads" : "read", one ? "needs" : "need",
                     kMinProxyBatch);
}

}  // namespace hwnas::train::proxies
