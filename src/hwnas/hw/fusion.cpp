#include "hwnas/hw/fusion.h"

#include <algorithm>
#include <array>

namespace hwnas::hw {
namespace {

constexpr std::array<std::string_view, 4> kNames = {"conv_bn_act", "conv_add", "act_pool",
                                                     "se_gate"};

}  // namespace

bool FusionRules::has(FusionPattern p) const {
  return std::find(patterns.begin(), patterns.end(), p) != patterns.end();
}

std::string_view fusion_name(FusionPattern pattern) {
  return kNames[static_cast<std::size_t>(pattern)];
}

bool parse_fusion(std::string_view name, FusionPattern& pattern) {
  for (std::size_t i = 0; i < kNames.size(); ++i)
    if (kNames[i] == name) {
      pattern = static_cast<FusionPattern>(i);
      return true;
    }
  return false;
}

std::string fusion_names() {
  std::string out;
  for (std::string_view n : kNames) out += (out.empty() ? "" : ", ") + std::string(n);
  return out;
}

}  // namespace hwnas::hw
