// Fusion patterns a target's compiler applies when it forms kernels from a graph.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace hwnas::hw {

enum class FusionPattern : std::uint8_t {
  conv_bn_act,  // conv/linear + following batch norm + activation
  conv_add,     // ... + a residual add (the other addend is read in the output stage)
  act_pool,     // activation + following pooling
  se_gate,      // squeeze-excite's global pool, two 1x1 convs and gate as one kernel
};

struct FusionRules {
  std::vector<FusionPattern> patterns;
  bool has(FusionPattern p) const;
};

std::string_view fusion_name(FusionPattern pattern);
/// false when `name` is not a pattern.
bool parse_fusion(std::string_view name, FusionPattern& pattern);
/// "conv_bn_act, conv_add, act_pool, se_gate"
std::string fusion_names();

}  // namespace hwnas::hw
