#include "hwnas/graph/blocks.h"

namespace hwnas::graph {
namespace {

NodeId shortcut(Graph& g, NodeId x, std::int32_t out, std::int32_t stride, const std::string& name,
                BlockId block) {
  if (stride == 1 && g.shape(x).c == out) return x;
  return emit_conv_bn_act(g, x, {.out = out, .stride = stride, .act = std::nullopt},
                          name + ".downsample", block);
}

}  // namespace

NodeId resnet_basic(Graph& g, NodeId x, std::int32_t planes, std::int32_t stride,
                    const std::string& name) {
  const BlockId block = g.add_block(BlockKind::resnet_basic, name, ResNetSpec{planes, stride});
  NodeId y = emit_conv_bn_act(g, x, {.out = planes, .kernel = 3, .stride = stride}, name + ".1",
                              block);
  y = emit_conv_bn_act(g, y, {.out = planes, .kernel = 3, .act = std::nullopt}, name + ".2", block);
  y = g.add(name + ".add", Add{}, {shortcut(g, x, planes, stride, name, block), y}, block);
  return g.add(name + ".act", Activation{ActKind::relu}, {y}, block);
}

NodeId resnet_bottleneck(Graph& g, NodeId x, std::int32_t planes, std::int32_t stride,
                         const std::string& name) {
  const BlockId block = g.add_block(BlockKind::resnet_bottleneck, name, ResNetSpec{planes, stride});
  NodeId y = emit_conv_bn_act(g, x, {.out = planes}, name + ".1", block);
  y = emit_conv_bn_act(g, y, {.out = planes, .kernel = 3, .stride = stride}, name + ".2", block);
  y = emit_conv_bn_act(g, y, {.out = 4 * planes, .act = std::nullopt}, name + ".3", block);
  y = g.add(name + ".add", Add{}, {shortcut(g, x, 4 * planes, stride, name, block), y}, block);
  return g.add(name + ".act", Activation{ActKind::relu}, {y}, block);
}

}  // namespace hwnas::graph
