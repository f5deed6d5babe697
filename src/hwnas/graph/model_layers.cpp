#include "hwnas/graph/model_layers.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>

#include "hwnas/graph/blocks.h"
#include "hwnas/graph/infer_shape.h"
#include "hwnas/graph/op_description.h"

namespace hwnas::graph::detail {
namespace {

using Build = std::function<NodeId(LayerContext&)>;

NodeId primitive(LayerContext& c, Op op) {
  return c.graph.add(c.name, std::move(op), c.inputs, c.block);
}

std::optional<SqueezeExciteSpec> se_spec(LayerContext& c, std::int32_t channels) {
  const double ratio = c.reader.number("se", 0.0, 0.0, 1.0);
  const std::optional<ActKind> act = c.reader.activation("se_act", ActKind::relu);
  const std::optional<ActKind> gate = c.reader.activation("se_gate", ActKind::hardsigmoid);
  if (ratio == 0.0) return std::nullopt;
  if (!act || !gate) c.reader.fail("se_act and se_gate cannot be none");
  const auto squeeze = std::max<std::int32_t>(1, static_cast<std::int32_t>(std::lround(channels * ratio)));
  return SqueezeExciteSpec{squeeze, *act, *gate};
}

/// The block's batch norms' epsilon, in batch_norm's range (op_schema).
double bn_epsilon(LayerContext& c) { return c.reader.number("bn_epsilon", kDefaultBatchNormEpsilon, 0, 1); }

std::int32_t expanded_channels(LayerContext& c, std::int32_t in, double fallback) {
  const double expand = c.reader.number("expand", fallback, 0.01, 1000.0);
  // torchvision's int(round(in * expand)): Python rounds half to even (5 * 0.5 -> 2), as
  // nearbyint does in the default rounding mode; lround would round half away from zero.
  return std::max<std::int32_t>(1, static_cast<std::int32_t>(std::nearbyint(in * expand)));
}

const std::map<std::string, Build, std::less<>>& block_ops() {
  static const std::map<std::string, Build, std::less<>> ops = {
      {"conv",
       [](LayerContext& c) {
         const NodeId x = single_input(c);
         const std::int32_t dilation = c.reader.positive("dilation", 1);
         const std::int32_t kernel = c.reader.positive("kernel", 1);
         std::int32_t padding = -1;  // "same"
         if (const auto p = c.reader.padding("padding")) {
           if (std::any_of(p->begin(), p->end(), [&](std::int32_t side) { return side != (*p)[0]; }))
             c.reader.fail("padding: a conv layer pads every side alike (one integer); for [height, width] or [top, "
                           "left, bottom, right] padding write a conv2d layer, then batch_norm and the activation");
           padding = (*p)[0];
         }
         return conv_bn_act(c.graph, x,
                            {.out = c.reader.positive("out"),
                             .kernel = kernel,
                             .stride = c.reader.positive("stride", 1),
                             .groups = c.reader.positive("groups", 1),
                             .dilation = dilation,
                             .act = c.reader.activation("act", ActKind::relu),
                             .bias = c.reader.boolean("bias", false),
                             .bn = c.reader.boolean("bn", true),
                             .padding = padding,
                             .bn_epsilon = bn_epsilon(c)},
                            c.name);
       }},
      {"dwconv",
       [](LayerContext& c) {
         const NodeId x = single_input(c);
         const std::int32_t channels = c.graph.shape(x).c;
         return conv_bn_act(c.graph, x,
                            {.out = channels,
                             .kernel = c.reader.positive("kernel", 3),
                             .stride = c.reader.positive("stride", 1),
                             .groups = channels,
                             .dilation = c.reader.positive("dilation", 1),
                             .act = c.reader.activation("act", ActKind::relu),
                             .bn = c.reader.boolean("bn", true),
                             .bn_epsilon = bn_epsilon(c)},
                            c.name);
       }},
      {"ibn",
       [](LayerContext& c) {
         const NodeId x = single_input(c);
         const std::int32_t expanded = expanded_channels(c, c.graph.shape(x).c, 6.0);
         return ibn(c.graph, x,
                    {.out = c.reader.positive("out"),
                     .expanded = expanded,
                     .kernel = c.reader.positive("kernel", 3),
                     .stride = c.reader.positive("stride", 1),
                     .dilation = c.reader.positive("dilation", 1),
                     .act = c.reader.activation("act", ActKind::relu6).value_or(ActKind::identity),
                     .se = se_spec(c, expanded),
                     .residual = c.reader.boolean("residual", true),
                     .bn_epsilon = bn_epsilon(c)},
                    c.name)
             .output;
       }},
      {"fused_ibn",
       [](LayerContext& c) {
         const NodeId x = single_input(c);
         const std::int32_t expanded = expanded_channels(c, c.graph.shape(x).c, 4.0);
         return fused_ibn(c.graph, x,
                          {.out = c.reader.positive("out"),
                           .expanded = expanded,
                           .kernel = c.reader.positive("kernel", 3),
                           .stride = c.reader.positive("stride", 1),
                           .dilation = c.reader.positive("dilation", 1),
                           .act = c.reader.activation("act", ActKind::relu6)
                                      .value_or(ActKind::identity),
                           .se = se_spec(c, expanded),
                           .residual = c.reader.boolean("residual", true),
                           .bn_epsilon = bn_epsilon(c)},
                          c.name)
             .output;
       }},
      {"se",
       [](LayerContext& c) {
         const NodeId x = single_input(c);
         const double ratio = c.reader.number("squeeze", 0.25, 0.001, 1.0);
         const auto act = c.reader.activation("act", ActKind::relu);
         const auto gate = c.reader.activation("gate", ActKind::hardsigmoid);
         if (!act || !gate) c.reader.fail("act and gate cannot be none");
         const auto squeeze = std::max<std::int32_t>(
             1, static_cast<std::int32_t>(std::lround(c.graph.shape(x).c * ratio)));
         return squeeze_excite(c.graph, x, {squeeze, *act, *gate}, c.name);
       }},
      {"resnet_basic",
       [](LayerContext& c) {
         const NodeId x = single_input(c);
         return resnet_basic(c.graph, x, c.reader.positive("planes"),
                             c.reader.positive("stride", 1), c.name);
       }},
      {"resnet_bottleneck",
       [](LayerContext& c) {
         const NodeId x = single_input(c);
         return resnet_bottleneck(c.graph, x, c.reader.positive("planes"),
                                  c.reader.positive("stride", 1), c.name);
       }},
  };
  return ops;
}

}  // namespace

NodeId single_input(LayerContext& c) {
  if (c.inputs.size() != 1)
    c.reader.fail(fmt::format("takes 1 input, got {}", c.inputs.size()));
  return c.inputs[0];
}

// Primitive ops are the IR's, read by their descriptions (op_schema.h).
bool is_primitive_op(const std::string& op) { return op_index_by_name(op).has_value(); }

bool is_known_op(const std::string& op, const ModelLayerOps& extra) {
  return is_primitive_op(op) || block_ops().contains(op) || extra.contains(op);
}

std::string known_ops(const ModelLayerOps& extra) {
  std::map<std::string, int, std::less<>> sorted;  // one alphabetical list of block ops, then primitives
  for (const auto& table : {&block_ops(), &extra})
    for (const auto& entry : *table) sorted.emplace(entry.first, 0);
  std::string names;
  for (const auto& entry : sorted) names += (names.empty() ? "" : ", ") + entry.first;
  for (const std::string_view name : primitive_op_names()) names += ", " + std::string(name);
  return names;
}

NodeId build_layer(const std::string& op, LayerContext& ctx, const ModelLayerOps& extra) {
  if (const auto it = block_ops().find(op); it != block_ops().end()) return it->second(ctx);
  if (const auto it = extra.find(op); it != extra.end()) return it->second(ctx);
  return primitive(ctx, read_op(op, ctx.reader, ctx.name));
}

}  // namespace hwnas::graph::detail
