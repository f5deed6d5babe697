#include "hwnas/train/proxies/proxy_names.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "hwnas/base/error.h"
#include "hwnas/base/suggest.h"

namespace hwnas::train::proxies {

void check_proxy_name(std::string_view name) {
  if (std::find(kProxyNames.begin(), kProxyNames.end(), name) != kProxyNames.end()) return;
  throw UserError(fmt::format("unknown proxy '{}' (known: {}){}", name, fmt::join(kProxyNames, ", "),
                              did_you_mean(name, kProxyNames)));
}

}  // namespace hwnas::train::proxies
