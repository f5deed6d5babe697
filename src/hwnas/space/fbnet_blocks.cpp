#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "hwnas/graph/blocks.h"
#include "hwnas/base/error.h"

namespace hwnas::graph {
namespace {

struct FbnetChoice {
  std::string_view name;
  std::int32_t kernel, expansion, groups;  // expansion 0: skip
};

constexpr std::array<FbnetChoice, 9> kChoices = {{{"k3_e1", 3, 1, 1},
                                                  {"k3_e1_g2", 3, 1, 2},
                                                  {"k3_e3", 3, 3, 1},
                                                  {"k3_e6", 3, 6, 1},
                                                  {"k5_e1", 5, 1, 1},
                                                  {"k5_e1_g2", 5, 1, 2},
                                                  {"k5_e3", 5, 3, 1},
                                                  {"k5_e6", 5, 6, 1},
                                                  {"skip", 0, 0, 1}}};

}  // namespace

NodeId fbnet_block(Graph& g, NodeId x, std::string_view choice, std::int32_t out,
                   std::int32_t stride, const std::string& name) {
  const auto* it = std::find_if(kChoices.begin(), kChoices.end(),
                                [&](const FbnetChoice& c) { return c.name == choice; });
  if (it == kChoices.end())
    throw UserError(fmt::format(
        "FBNet block '{}' ({}): unknown; use one of k3_e1, k3_e1_g2, k3_e3, k3_e6, k5_e1, "
        "k5_e1_g2, k5_e3, k5_e6, skip",
        choice, name));
  const std::int32_t in = g.shape(x).c;
  if (it->expansion == 0 && in == out && stride == 1) return x;
  const BlockId block = g.add_block(BlockKind::fbnet, name);
  if (it->expansion == 0) {
    return emit_conv_bn_act(g, x, {.out = out, .stride = stride, .act = ActKind::relu},
                            name + ".conv", block);
  }
  const std::int32_t mid = in * it->expansion;
  NodeId y = emit_conv_bn_act(g, x, {.out = mid, .groups = it->groups, .act = ActKind::relu},
                              name + ".expand", block);
  if (it->groups > 1) y = g.add(name + ".shuffle", ChannelShuffle{it->groups}, {y}, block);
  y = emit_conv_bn_act(g, y,
                       {.out = mid,
                        .kernel = it->kernel,
                        .stride = stride,
                        .groups = mid,
                        .act = ActKind::relu},
                       name + ".dw", block);
  y = emit_conv_bn_act(g, y, {.out = out, .groups = it->groups, .act = std::nullopt},
                       name + ".project", block);
  if (stride == 1 && in == out) y = g.add(name + ".add", Add{}, {x, y}, block);
  return y;
}

}  // namespace hwnas::graph
