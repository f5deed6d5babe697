// Block builders: each emits primitive nodes tagged with one block id and kind.
//
// Node names are `<name>.<part>` (e.g. "blocks.3.expand.conv"), so a user can find a
// node of a table in the block that made it. Every builder returns the id of the block's
// output node; IBN builders also return their inner nodes for heads that tap them.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "hwnas/graph/graph.h"

namespace hwnas::graph {

/// conv → BN → activation (activation omitted when `act` is nullopt).
struct ConvBnActSpec {
  std::int32_t out = 0;
  std::int32_t kernel = 1;
  std::int32_t stride = 1;
  std::int32_t groups = 1;
  std::int32_t dilation = 1;
  std::optional<ActKind> act = ActKind::relu;
  bool bias = false;
  bool bn = true;
  /// Padding; -1 means "same" for odd kernels: dilation · (kernel − 1) / 2.
  std::int32_t padding = -1;
  double bn_epsilon = kDefaultBatchNormEpsilon;
};

/// Squeeze-excite: global avg pool → 1x1 conv (bias) → act → 1x1 conv (bias) → gate → mul.
struct SqueezeExciteSpec {
  std::int32_t squeeze = 0;
  ActKind act = ActKind::relu;
  ActKind gate = ActKind::hardsigmoid;
};

/// Inverted bottleneck: [1x1 expand] → k×k depthwise → [SE] → 1x1 project, + residual.
/// The expand conv is omitted when `expanded` equals the input channels.
struct IbnSpec {
  std::int32_t out = 0;
  std::int32_t expanded = 0;
  std::int32_t kernel = 3;
  std::int32_t stride = 1;
  std::int32_t dilation = 1;
  ActKind act = ActKind::relu6;
  std::optional<SqueezeExciteSpec> se;
  /// Residual add when stride is 1 and input and output channels are equal.
  bool residual = true;
  /// Of the expand, depthwise and project batch norms.
  double bn_epsilon = kDefaultBatchNormEpsilon;
};

/// Fused IBN: k×k full conv expand → [SE] → 1x1 project, + residual.
struct FusedIbnSpec {
  std::int32_t out = 0;
  std::int32_t expanded = 0;
  std::int32_t kernel = 3;
  std::int32_t stride = 1;
  std::int32_t dilation = 1;
  ActKind act = ActKind::relu6;
  std::optional<SqueezeExciteSpec> se;
  bool residual = true;
};

struct IbnNodes {
  NodeId expand = -1;     // output of the expand conv-bn-act (-1 when absent)
  NodeId depthwise = -1;  // output of the depthwise conv-bn-act (IBN only)
  NodeId output = -1;
  BlockId block = kNoBlock;
};

/// Emits conv-bn-act nodes into an existing block (used inside other builders).
NodeId emit_conv_bn_act(Graph& g, NodeId x, const ConvBnActSpec& spec, std::string_view name,
                        BlockId block);
/// Emits squeeze-excite nodes into an existing block; returns the gated tensor.
NodeId emit_squeeze_excite(Graph& g, NodeId x, const SqueezeExciteSpec& spec,
                           std::string_view name, BlockId block);

NodeId conv_bn_act(Graph& g, NodeId x, const ConvBnActSpec& spec, const std::string& name);
NodeId squeeze_excite(Graph& g, NodeId x, const SqueezeExciteSpec& spec, const std::string& name);
IbnNodes ibn(Graph& g, NodeId x, const IbnSpec& spec, const std::string& name);
IbnNodes fused_ibn(Graph& g, NodeId x, const FusedIbnSpec& spec, const std::string& name);

/// ResNet basic block (two 3x3 convs) and bottleneck (1x1, 3x3 strided, 1x1 · 4),
/// with a 1x1 conv + BN downsample shortcut when the shape changes.
NodeId resnet_basic(Graph& g, NodeId x, std::int32_t planes, std::int32_t stride,
                    const std::string& name);
NodeId resnet_bottleneck(Graph& g, NodeId x, std::int32_t planes, std::int32_t stride,
                         const std::string& name);

}  // namespace hwnas::graph
