// The registry of proxies (proxy.h): one line per proxy, in the order `hwnas proxy --help`
// and docs/proxies.md list them. Add a proxy: its file in this folder, then its line here
// and its name in proxy_names.h.
#include <array>

#include "hwnas/base/error.h"

#include "hwnas/train/proxies/counts.h"
#include "hwnas/train/proxies/fisher.h"
#include "hwnas/train/proxies/grad_norm.h"
#include "hwnas/train/proxies/grasp.h"
#include "hwnas/train/proxies/jacob_cov.h"
#include "hwnas/train/proxies/naswot.h"
#include "hwnas/train/proxies/proxy.h"
#include "hwnas/train/proxies/proxy_names.h"
#include "hwnas/train/proxies/snip.h"
#include "hwnas/train/proxies/synflow.h"
#include "hwnas/train/proxies/te_nas_linear_regions.h"
#include "hwnas/train/proxies/te_nas_ntk.h"
#include "hwnas/train/proxies/zen.h"

namespace hwnas::train::proxies {
namespace {

struct Entry {
  std::string_view name;
  std::unique_ptr<Proxy> (*make)();
};

// --- framework's proxies ---
constexpr std::array kFramework = {
    Entry{"synflow", &make_synflow},
    Entry{"grad_norm", &make_grad_norm},
    Entry{"snip", &make_snip},
    Entry{"params", &make_params},
    Entry{"macs", &make_macs},
};
// --- further proxies (append here) ---
constexpr std::array kFurther = {
    Entry{"naswot", &make_naswot},
    Entry{"jacob_cov", &make_jacob_cov},
    Entry{"fisher", &make_fisher},
    Entry{"grasp", &make_grasp},
    Entry{"zen", [] { return make_zen(); }},
    Entry{"te_nas_ntk", [] { return make_te_nas_ntk(); }},
    Entry{"te_nas_linear_regions", &make_te_nas_linear_regions},
};

// The registry is proxy_names.h's list: the search checks names against that one.
constexpr bool registry_is_the_name_list() {
  if (kFramework.size() + kFurther.size() != kProxyNames.size()) return false;
  std::size_t i = 0;
  for (const Entry& e : kFramework)
    if (e.name != kProxyNames[i++]) return false;
  for (const Entry& e : kFurther)
    if (e.name != kProxyNames[i++]) return false;
  return true;
}
static_assert(registry_is_the_name_list(), "proxy_names.h's kProxyNames must list the registry's entries in order");

template <class F>
void for_each_entry(F&& f) {
  for (const Entry& e : kFramework) f(e);
  for (const Entry& e : kFurther) f(e);
}

}  // namespace

std::unique_ptr<Proxy> make_proxy(std::string_view name) {
  check_proxy_name(name);
  std::unique_ptr<Proxy> found;  // every listed name has an entry (registry_is_the_name_list)
  for_each_entry([&](const Entry& e) {
    if (!found && e.name == name) found = e.make();
  });
  HWNAS_CHECK(found->needs_data() == proxy_needs_data(name));  // the torch-free list the search reads
  return found;
}

std::vector<std::string> proxy_names() {
  std::vector<std::string> names;
  for_each_entry([&](const Entry& e) { names.emplace_back(e.name); });
  return names;
}

}  // namespace hwnas::train::proxies
