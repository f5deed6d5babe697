#include "hwnas/graph/model_layers.h"

#include <fmt/format.h>

#include <cmath>
#include <functional>
#include <map>

#include "hwnas/graph/blocks.h"
#include "hwnas/graph/infer_shape.h"

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

std::int32_t expanded_channels(LayerContext& c, std::int32_t in, double fallback) {
  const double expand = c.reader.number("expand", fallback, 0.01, 1000.0);
  // torchvision's int(round(in * expand)): Python rounds half to even (5 * 0.5 -> 2), as
  // nearbyint does in the default rounding mode; lround would round half away from zero.
  return std::max<std::int32_t>(1, static_cast<std::int32_t>(std::nearbyint(in * expand)));
}

Pool pool_params(LayerContext& c, PoolKind kind) {
  const auto [kh, kw] = c.reader.pair("kernel", 2, false);
  const auto stride = c.reader.has("stride") ? c.reader.pair("stride", 1, false)
                                             : std::pair{kh, kw};
  const auto [ph, pw] = c.reader.pair("padding", 0, true);
  return Pool{kind,
              kh,
              kw,
              stride.first,
              stride.second,
              ph,
              pw,
              c.reader.boolean("count_include_pad", true),
              c.reader.boolean("ceil_mode", false)};
}

const std::map<std::string, Build, std::less<>>& block_ops() {
  static const std::map<std::string, Build, std::less<>> ops = {
      {"conv",
       [](LayerContext& c) {
         const NodeId x = single_input(c);
         const std::int32_t dilation = c.reader.positive("dilation", 1);
         const std::int32_t kernel = c.reader.positive("kernel", 1);
         return conv_bn_act(c.graph, x,
                            {.out = c.reader.positive("out"),
                             .kernel = kernel,
                             .stride = c.reader.positive("stride", 1),
                             .groups = c.reader.positive("groups", 1),
                             .dilation = dilation,
                             .act = c.reader.activation("act", ActKind::relu),
                             .bias = c.reader.boolean("bias", false),
                             .bn = c.reader.boolean("bn", true),
                             .padding = c.reader.has("padding")
                                            ? c.reader.non_negative("padding", 0)
                                            : -1},  // "same"
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
                             .bn = c.reader.boolean("bn", true)},
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
                     .residual = c.reader.boolean("residual", true)},
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
                           .act = c.reader.activation("act", ActKind::relu6)
                                      .value_or(ActKind::identity),
                           .se = se_spec(c, expanded),
                           .residual = c.reader.boolean("residual", true)},
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

const std::map<std::string, Build, std::less<>>& primitive_ops() {
  static const std::map<std::string, Build, std::less<>> ops = [] {
    std::map<std::string, Build, std::less<>> m = {
        {"input",
         [](LayerContext& c) {
           const auto s = c.reader.ints("shape", 3);
           return primitive(c, Input{s[0], s[1], s[2]});
         }},
        {"conv2d",
         [](LayerContext& c) {
           const auto [kh, kw] = c.reader.pair("kernel", 1, false);
           const auto [sh, sw] = c.reader.pair("stride", 1, false);
           const auto [dh, dw] = c.reader.pair("dilation", 1, false);
           const auto [ph, pw] = c.reader.pair("padding", -1, true);
           return primitive(c, Conv2d{c.reader.positive("out"), kh, kw, sh, sw,
                                      ph < 0 ? same_padding(kh, dh, c.name) : ph,
                                      pw < 0 ? same_padding(kw, dw, c.name) : pw, dh, dw,
                                      c.reader.positive("groups", 1),
                                      c.reader.boolean("bias", false)});
         }},
        {"batch_norm",
         [](LayerContext& c) {
           return primitive(c, BatchNorm{c.reader.boolean("affine", true),
                                         c.reader.number("epsilon", kDefaultBatchNormEpsilon, 0, 1)});
         }},
        {"add", [](LayerContext& c) { return primitive(c, Add{}); }},
        {"mul", [](LayerContext& c) { return primitive(c, Mul{}); }},
        {"concat", [](LayerContext& c) { return primitive(c, Concat{}); }},
        {"zero", [](LayerContext& c) { return primitive(c, Zero{}); }},
        {"flatten", [](LayerContext& c) { return primitive(c, Flatten{}); }},
        {"output", [](LayerContext& c) { return primitive(c, Output{}); }},
        {"avg_pool", [](LayerContext& c) { return primitive(c, pool_params(c, PoolKind::avg)); }},
        {"max_pool", [](LayerContext& c) { return primitive(c, pool_params(c, PoolKind::max)); }},
        {"global_pool",
         [](LayerContext& c) {
           const std::string kind = c.reader.text("kind", "avg");
           if (kind != "avg" && kind != "max") c.reader.fail("kind must be avg or max");
           return primitive(c, GlobalPool{kind == "avg" ? PoolKind::avg : PoolKind::max});
         }},
        {"global_avg_pool", [](LayerContext& c) { return primitive(c, GlobalPool{PoolKind::avg}); }},
        {"global_max_pool", [](LayerContext& c) { return primitive(c, GlobalPool{PoolKind::max}); }},
        {"upsample",
         [](LayerContext& c) {
           const std::string mode = c.reader.text("mode", "nearest");
           if (mode != "nearest" && mode != "bilinear") c.reader.fail("mode must be nearest or bilinear");
           const UpsampleMode m = mode == "nearest" ? UpsampleMode::nearest : UpsampleMode::bilinear;
           if (c.reader.has("size")) {
             if (c.reader.has("scale")) c.reader.fail("give scale or size, not both");
             const auto s = c.reader.ints("size", 2);
             return primitive(c, Upsample{m, 0, s[0], s[1]});
           }
           return primitive(c, Upsample{m, c.reader.positive("scale", 2), 0, 0});
         }},
        {"linear",
         [](LayerContext& c) {
           return primitive(c, Linear{c.reader.positive("out"), c.reader.boolean("bias", true)});
         }},
        {"channel_shuffle",
         [](LayerContext& c) { return primitive(c, ChannelShuffle{c.reader.positive("groups")}); }},
        {"dropout",
         [](LayerContext& c) {
           const double rate = c.reader.number("rate", 0.0, 0.0, 0.99);
           return primitive(c, Dropout{static_cast<std::int32_t>(std::lround(rate * 100))});
         }},
    };
    for (ActKind k : {ActKind::relu, ActKind::relu6, ActKind::hardswish, ActKind::hardsigmoid,
                      ActKind::sigmoid, ActKind::silu, ActKind::identity})
      m.emplace(std::string(act_name(k)),
                [k](LayerContext& c) { return primitive(c, Activation{k}); });
    return m;
  }();
  return ops;
}

}  // namespace

NodeId single_input(LayerContext& c) {
  if (c.inputs.size() != 1)
    c.reader.fail(fmt::format("takes 1 input, got {}", c.inputs.size()));
  return c.inputs[0];
}

bool is_primitive_op(const std::string& op) { return primitive_ops().contains(op); }

bool is_known_op(const std::string& op, const ModelLayerOps& extra) {
  return is_primitive_op(op) || block_ops().contains(op) || extra.contains(op);
}

std::string known_ops(const ModelLayerOps& extra) {
  std::map<std::string, int, std::less<>> sorted;  // one alphabetical list of block ops, then primitives
  for (const auto& table : {&block_ops(), &extra})
    for (const auto& entry : *table) sorted.emplace(entry.first, 0);
  std::string names;
  for (const auto& entry : sorted) names += (names.empty() ? "" : ", ") + entry.first;
  for (const auto& entry : primitive_ops()) names += ", " + entry.first;
  return names;
}

NodeId build_layer(const std::string& op, LayerContext& ctx, const ModelLayerOps& extra) {
  if (const auto it = block_ops().find(op); it != block_ops().end()) return it->second(ctx);
  if (const auto it = extra.find(op); it != extra.end()) return it->second(ctx);
  return primitive_ops().at(op)(ctx);
}

}  // namespace hwnas::graph::detail
