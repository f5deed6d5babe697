#include "hwnas/graph/blocks.h"

#include <fmt/format.h>

#include "hwnas/graph/infer_shape.h"

namespace hwnas::graph {
namespace {

// `prefix` followed by `suffix`, built in an inline buffer: a search decodes thousands of
// networks a second, and names of ordinary length then cost no heap allocation.
class NodeName {
 public:
  NodeName(std::string_view prefix, std::string_view suffix) {
    buffer_.append(prefix.data(), prefix.data() + prefix.size());
    buffer_.append(suffix.data(), suffix.data() + suffix.size());
  }
  operator std::string_view() const { return {buffer_.data(), buffer_.size()}; }

 private:
  fmt::memory_buffer buffer_;
};

// The shared tail of IBN and fused IBN: [SE] → 1x1 project + BN → residual add when
// wanted and the shapes match.
NodeId se_project_residual(Graph& g, NodeId x, NodeId y, const std::optional<SqueezeExciteSpec>& se,
                           std::int32_t out, bool residual, std::string_view name, BlockId block,
                           double bn_epsilon) {
  if (se) y = emit_squeeze_excite(g, y, *se, NodeName(name, ".se"), block);
  y = emit_conv_bn_act(g, y, {.out = out, .act = std::nullopt, .bn_epsilon = bn_epsilon},
                       NodeName(name, ".project"), block);
  if (residual && g.shape(x) == g.shape(y)) y = g.add(NodeName(name, ".add"), Add{}, {x, y}, block);
  return y;
}

}  // namespace

NodeId emit_conv_bn_act(Graph& g, NodeId x, const ConvBnActSpec& spec, std::string_view name,
                        BlockId block) {
  const std::int32_t pad =
      spec.padding >= 0 ? spec.padding : same_padding(spec.kernel, spec.dilation, NodeName(name, ".conv"));
  Conv2d conv{.out_channels = spec.out,
              .kernel_h = spec.kernel,
              .kernel_w = spec.kernel,
              .stride_h = spec.stride,
              .stride_w = spec.stride,
              .pad_h = pad,
              .pad_w = pad,
              .dilation_h = spec.dilation,
              .dilation_w = spec.dilation,
              .groups = spec.groups,
              .bias = spec.bias};
  NodeId y = g.add(NodeName(name, ".conv"), conv, {x}, block);
  if (spec.bn) y = g.add(NodeName(name, ".bn"), BatchNorm{.epsilon = spec.bn_epsilon}, {y}, block);
  if (spec.act) y = g.add(NodeName(name, ".act"), Activation{*spec.act}, {y}, block);
  return y;
}

NodeId emit_squeeze_excite(Graph& g, NodeId x, const SqueezeExciteSpec& spec,
                           std::string_view name, BlockId block) {
  NodeId s = g.add(NodeName(name, ".pool"), GlobalPool{PoolKind::avg}, {x}, block);
  s = g.add(NodeName(name, ".fc1"), Conv2d{.out_channels = spec.squeeze, .bias = true}, {s}, block);
  s = g.add(NodeName(name, ".act"), Activation{spec.act}, {s}, block);
  s = g.add(NodeName(name, ".fc2"), Conv2d{.out_channels = g.shape(x).c, .bias = true}, {s}, block);
  s = g.add(NodeName(name, ".gate"), Activation{spec.gate}, {s}, block);
  return g.add(NodeName(name, ".mul"), Mul{}, {x, s}, block);
}

NodeId conv_bn_act(Graph& g, NodeId x, const ConvBnActSpec& spec, const std::string& name) {
  return emit_conv_bn_act(g, x, spec, name, g.add_block(BlockKind::conv_bn_act, name, spec));
}

NodeId squeeze_excite(Graph& g, NodeId x, const SqueezeExciteSpec& spec,
                      const std::string& name) {
  return emit_squeeze_excite(g, x, spec, name, g.add_block(BlockKind::squeeze_excite, name, spec));
}

IbnNodes ibn(Graph& g, NodeId x, const IbnSpec& spec, const std::string& name) {
  IbnNodes r;
  r.block = g.add_block(BlockKind::ibn, name, spec);
  NodeId y = x;
  if (spec.expanded != g.shape(x).c) {
    y = emit_conv_bn_act(g, y, {.out = spec.expanded, .act = spec.act, .bn_epsilon = spec.bn_epsilon},
                         NodeName(name, ".expand"), r.block);
    r.expand = y;
  }
  y = emit_conv_bn_act(g, y,
                       {.out = spec.expanded,
                        .kernel = spec.kernel,
                        .stride = spec.stride,
                        .groups = spec.expanded,
                        .dilation = spec.dilation,
                        .act = spec.act,
                        .bn_epsilon = spec.bn_epsilon},
                       NodeName(name, ".dw"), r.block);
  r.depthwise = y;
  r.output = se_project_residual(g, x, y, spec.se, spec.out, spec.residual && spec.stride == 1,
                                 name, r.block, spec.bn_epsilon);
  return r;
}

IbnNodes fused_ibn(Graph& g, NodeId x, const FusedIbnSpec& spec, const std::string& name) {
  IbnNodes r;
  r.block = g.add_block(BlockKind::fused_ibn, name, spec);
  NodeId y = emit_conv_bn_act(g, x,
                              {.out = spec.expanded,
                               .kernel = spec.kernel,
                               .stride = spec.stride,
                               .dilation = spec.dilation,
                               .act = spec.act,
                               .bn_epsilon = spec.bn_epsilon},
                              NodeName(name, ".expand"), r.block);
  r.expand = y;
  r.output = se_project_residual(g, x, y, spec.se, spec.out, spec.residual && spec.stride == 1,
                                 name, r.block, spec.bn_epsilon);
  return r;
}

NodeId classifier(Graph& g, NodeId x, const ClassifierHeadSpec& spec, const std::string& name) {
  const BlockId block = g.add_block(BlockKind::head, name, spec);
  NodeId y = g.add(NodeName(name, ".pool"), GlobalPool{}, {x}, block);
  y = g.add(NodeName(name, ".flatten"), Flatten{}, {y}, block);
  if (spec.hidden > 0) {
    y = g.add(NodeName(name, ".fc1"), Linear{spec.hidden}, {y}, block);
    y = g.add(NodeName(name, ".act"), Activation{spec.hidden_act}, {y}, block);
  }
  if (spec.dropout_percent > 0) y = g.add(NodeName(name, ".dropout"), Dropout{spec.dropout_percent}, {y}, block);
  return g.add(NodeName(name, spec.hidden > 0 ? ".fc2" : ".fc"), Linear{spec.classes}, {y}, block);
}

NodeId ssdlite_extra(Graph& g, NodeId x, const SsdLiteExtraSpec& spec, const std::string& name) {
  const BlockId block = g.add_block(BlockKind::conv_bn_act, name, spec);
  const std::int32_t half = spec.out / 2;
  x = emit_conv_bn_act(g, x, {.out = half, .act = ActKind::relu6}, NodeName(name, ".reduce"), block);
  x = emit_conv_bn_act(g, x, {.out = half, .kernel = 3, .stride = 2, .groups = half, .act = ActKind::relu6},
                       NodeName(name, ".dw"), block);
  return emit_conv_bn_act(g, x, {.out = spec.out, .act = ActKind::relu6}, NodeName(name, ".expand"), block);
}

NodeId bn_act(Graph& g, NodeId x, const BnActSpec& spec, const std::string& name) {
  const BlockId block = g.add_block(BlockKind::head, name, spec);
  x = g.add(NodeName(name, ".bn"), BatchNorm{}, {x}, block);
  return g.add(NodeName(name, "." + std::string(act_name(spec.act))), Activation{spec.act}, {x}, block);
}

}  // namespace hwnas::graph
