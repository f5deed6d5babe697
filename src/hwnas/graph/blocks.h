// Block builders: each emits primitive nodes tagged with one block id and kind, and
// records the spec it was built from in the block (block_spec.h holds the specs).
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

/// A classifier head block (ClassifierHeadSpec) on `x`; returns the final linear layer.
NodeId classifier(Graph& g, NodeId x, const ClassifierHeadSpec& spec, const std::string& name);
/// SSDLite's extra feature block (SsdLiteExtraSpec, tagged conv_bn_act).
NodeId ssdlite_extra(Graph& g, NodeId x, const SsdLiteExtraSpec& spec, const std::string& name);
/// BN → activation as a head block (BnActSpec); nodes NAME.bn and NAME.ACT (e.g. lastact.relu).
NodeId bn_act(Graph& g, NodeId x, const BnActSpec& spec, const std::string& name);

/// ResNet basic block (two 3x3 convs) and bottleneck (1x1, 3x3 strided, 1x1 · 4),
/// with a 1x1 conv + BN downsample shortcut when the shape changes.
NodeId resnet_basic(Graph& g, NodeId x, std::int32_t planes, std::int32_t stride,
                    const std::string& name);
NodeId resnet_bottleneck(Graph& g, NodeId x, std::int32_t planes, std::int32_t stride,
                         const std::string& name);

}  // namespace hwnas::graph
