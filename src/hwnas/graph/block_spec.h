// The parameters a block was built from (Graph::block(id).spec), so that a rewrite can
// rebuild a block from them: an IBN's expansion, kernel, stride, activation and SE width
// make the fused IBN that replaces it. The block builders (blocks.h, zoo/heads.h,
// space/nb201.h, space/fbnet.h) record them; model files save and load them
// (docs/model-format.md); a block of an older model file, or one a caller opened without a
// spec, holds std::monostate ("no spec").
//
// A spec is implied by the block's nodes, so it is no part of a graph's structure:
// Graph::hash() and == ignore it (the hashes that experiment stores and estimators record
// stay valid); Graph::identical() compares it.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>

#include "hwnas/graph/ops.h"

namespace hwnas::graph {

/// The kind of a block builder's output; decomposition and rewrites read these tags.
enum class BlockKind : std::uint8_t {
  conv_bn_act,
  ibn,
  fused_ibn,
  squeeze_excite,
  nb201_cell,
  nb201_reduction,
  fbnet,
  resnet_basic,
  resnet_bottleneck,
  head,
};

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
  bool operator==(const ConvBnActSpec&) const = default;
};

/// Squeeze-excite: global avg pool → 1x1 conv (bias) to `squeeze` channels → act → 1x1
/// conv (bias) back to the input's channels → gate → mul.
struct SqueezeExciteSpec {
  std::int32_t squeeze = 0;
  ActKind act = ActKind::relu;
  ActKind gate = ActKind::hardsigmoid;
  bool operator==(const SqueezeExciteSpec&) const = default;
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
  bool operator==(const IbnSpec&) const = default;
};

/// Fused IBN: k×k full conv expand → [SE] → 1x1 project, + residual. The same fields as
/// IbnSpec, so that an IBN's spec converts field by field.
struct FusedIbnSpec {
  std::int32_t out = 0;
  std::int32_t expanded = 0;
  std::int32_t kernel = 3;
  std::int32_t stride = 1;
  std::int32_t dilation = 1;
  ActKind act = ActKind::relu6;
  std::optional<SqueezeExciteSpec> se;
  bool residual = true;
  /// Of the expand and project batch norms.
  double bn_epsilon = kDefaultBatchNormEpsilon;
  bool operator==(const FusedIbnSpec&) const = default;
};

/// A ResNet basic or bottleneck block (the block's kind says which, blocks.h).
struct ResNetSpec {
  std::int32_t planes = 0;
  std::int32_t stride = 1;
  bool operator==(const ResNetSpec&) const = default;
};

/// A NAS-Bench-201 cell: each edge's operation as its index in space::kNb201OpNames (none,
/// skip_connect, nor_conv_1x1, nor_conv_3x3, avg_pool_3x3), in the architecture string's
/// edge order (space/nb201.h).
struct Nb201CellSpec {
  std::array<std::uint8_t, 6> edges{};
  bool operator==(const Nb201CellSpec&) const = default;
};

/// NAS-Bench-201's residual reduction block to `out` channels (space/nb201.h).
struct Nb201ReductionSpec {
  std::int32_t out = 0;
  bool operator==(const Nb201ReductionSpec&) const = default;
};

/// An FBNet-space block (space/fbnet.h): the kernel, expansion (0: the skip block's conv)
/// and groups of its kFbnetBlocks choice, its output channels and stride.
struct FbnetSpec {
  std::int32_t kernel = 3;
  std::int32_t expansion = 1;
  std::int32_t groups = 1;
  std::int32_t out = 0;
  std::int32_t stride = 1;
  bool operator==(const FbnetSpec&) const = default;
};

/// A classifier head (zoo/builders.h): global average pool → flatten →
/// [linear(hidden) → hidden_act] → [dropout] → linear(classes); `hidden` 0: no hidden layer.
struct ClassifierHeadSpec {
  std::int32_t classes = 0;
  std::int32_t hidden = 0;
  ActKind hidden_act = ActKind::hardswish;
  std::int32_t dropout_percent = 0;
  bool operator==(const ClassifierHeadSpec&) const = default;
};

/// LR-ASPP's segmentation head (zoo/heads.h).
struct LrasppHeadSpec {
  std::int32_t classes = 21;
  std::int32_t inter_channels = 128;
  std::int32_t output_size = 0;
  bool operator==(const LrasppHeadSpec&) const = default;
};

/// One of SSDLite's box or class heads (zoo/heads.h): 3x3 depthwise + BN + ReLU6, then a
/// 1x1 conv with bias to `out` channels.
struct PredictionHeadSpec {
  std::int32_t out = 0;
  bool operator==(const PredictionHeadSpec&) const = default;
};

/// One of SSDLite's extra feature blocks (zoo/heads.h; kind conv_bn_act): 1x1 conv to
/// out/2, 3x3 depthwise stride 2, 1x1 conv to `out`, each + BN + ReLU6.
struct SsdLiteExtraSpec {
  std::int32_t out = 0;
  bool operator==(const SsdLiteExtraSpec&) const = default;
};

/// BN → activation, a network's last normalisation (NAS-Bench-201's "lastact" head).
struct BnActSpec {
  ActKind act = ActKind::relu;
  bool operator==(const BnActSpec&) const = default;
};

/// std::monostate: the block has no spec.
using BlockSpec =
    std::variant<std::monostate, ConvBnActSpec, SqueezeExciteSpec, IbnSpec, FusedIbnSpec, ResNetSpec,
                 Nb201CellSpec, Nb201ReductionSpec, FbnetSpec, ClassifierHeadSpec, LrasppHeadSpec,
                 PredictionHeadSpec, SsdLiteExtraSpec, BnActSpec>;

/// The spec's name in model files ("ibn", "classifier_head", ...; "" for no spec).
std::string_view block_spec_name(const BlockSpec& spec);
/// Whether a block of `kind` may hold `spec` (no spec always fits): an IbnSpec only an ibn
/// block, the head specs only a head, ConvBnActSpec or SsdLiteExtraSpec a conv_bn_act block.
bool spec_fits(BlockKind kind, const BlockSpec& spec);

}  // namespace hwnas::graph
