// One FBNet-space block as graph nodes (../shared/data/README.md).
#include "hwnas/graph/blocks.h"
#include "hwnas/space/fbnet.h"

namespace hwnas::space {

using namespace graph;

NodeId fbnet_block(Graph& g, NodeId x, const FbnetBlock& choice, std::int32_t out, std::int32_t stride,
                   const std::string& name) {
  const std::int32_t in = g.shape(x).c;
  if (choice.expansion == 0 && in == out && stride == 1) return x;
  const BlockId block = g.add_block(BlockKind::fbnet, name,
                                    FbnetSpec{choice.kernel, choice.expansion, choice.groups, out, stride});
  if (choice.expansion == 0) {
    return emit_conv_bn_act(g, x, {.out = out, .stride = stride, .act = ActKind::relu},
                            name + ".conv", block);
  }
  const std::int32_t mid = in * choice.expansion;
  NodeId y = emit_conv_bn_act(g, x, {.out = mid, .groups = choice.groups, .act = ActKind::relu},
                              name + ".expand", block);
  if (choice.groups > 1) y = g.add(name + ".shuffle", ChannelShuffle{choice.groups}, {y}, block);
  y = emit_conv_bn_act(g, y,
                       {.out = mid,
                        .kernel = choice.kernel,
                        .stride = stride,
                        .groups = mid,
                        .act = ActKind::relu},
                       name + ".dw", block);
  y = emit_conv_bn_act(g, y, {.out = out, .groups = choice.groups, .act = std::nullopt},
                       name + ".project", block);
  if (stride == 1 && in == out) y = g.add(name + ".add", Add{}, {x, y}, block);
  return y;
}

}  // namespace hwnas::space
