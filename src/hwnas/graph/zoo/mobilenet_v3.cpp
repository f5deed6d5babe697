// MobileNetV3 large and small as in torchvision 0.14 (models/mobilenetv3.py).
#include <fmt/format.h>

#include <span>

#include "hwnas/graph/blocks.h"
#include "hwnas/graph/zoo/builders.h"

namespace hwnas::graph::zoo {
namespace {

// torchvision's InvertedResidualConfig: kernel, expanded, out, SE, hardswish, stride.
struct Bneck {
  std::int32_t kernel, expanded, out;
  bool se, hardswish;
  std::int32_t stride;
};

constexpr Bneck kLarge[] = {
    {3, 16, 16, false, false, 1},   {3, 64, 24, false, false, 2},  {3, 72, 24, false, false, 1},
    {5, 72, 40, true, false, 2},    {5, 120, 40, true, false, 1},  {5, 120, 40, true, false, 1},
    {3, 240, 80, false, true, 2},   {3, 200, 80, false, true, 1},  {3, 184, 80, false, true, 1},
    {3, 184, 80, false, true, 1},   {3, 480, 112, true, true, 1},  {3, 672, 112, true, true, 1},
    {5, 672, 160, true, true, 2},   {5, 960, 160, true, true, 1},  {5, 960, 160, true, true, 1},
};
constexpr Bneck kSmall[] = {
    {3, 16, 16, true, false, 2},  {3, 72, 24, false, false, 2}, {3, 88, 24, false, false, 1},
    {5, 96, 40, true, true, 2},   {5, 240, 40, true, true, 1},  {5, 240, 40, true, true, 1},
    {5, 120, 48, true, true, 1},  {5, 144, 48, true, true, 1},  {5, 288, 96, true, true, 2},
    {5, 576, 96, true, true, 1},  {5, 576, 96, true, true, 1},
};

// torchvision's MobileNetV3 builds every batch norm with eps=0.001 (momentum 0.01).
constexpr double kBnEpsilon = 1e-3;

struct V3Features {
  NodeId stride8 = -1, last = -1;
};

// `dilated`: the last strided block keeps stride 1 and the last stage uses dilation 2.
V3Features v3_features(Graph& g, NodeId x, double width, std::span<const Bneck> config,
                       bool dilated) {
  V3Features f;
  std::int32_t in = make_divisible(16 * width);
  x = conv_bn_act(g, x,
                  {.out = in, .kernel = 3, .stride = 2, .act = ActKind::hardswish, .bn_epsilon = kBnEpsilon},
                  "features.0");
  std::int32_t output_stride = 2;
  const std::size_t last_stage = config.size() - 3;
  for (std::size_t i = 0; i < config.size(); ++i) {
    const Bneck& c = config[i];
    const std::int32_t expanded = make_divisible(c.expanded * width);
    const std::int32_t out = make_divisible(c.out * width);
    const bool dilate = dilated && i >= last_stage;
    const std::int32_t stride = dilate ? 1 : c.stride;
    std::optional<SqueezeExciteSpec> se;
    if (c.se) se = SqueezeExciteSpec{make_divisible(expanded / 4), ActKind::relu,
                                     ActKind::hardsigmoid};
    x = ibn(g, x,
            {.out = out,
             .expanded = expanded,
             .kernel = c.kernel,
             .stride = stride,
             .dilation = dilate ? 2 : 1,
             .act = c.hardswish ? ActKind::hardswish : ActKind::relu,
             .se = se,
             .bn_epsilon = kBnEpsilon},
            fmt::format("features.{}", i + 1))
            .output;
    output_stride *= stride;
    in = out;
    if (output_stride == 8 && f.stride8 < 0) f.stride8 = x;
  }
  f.last = conv_bn_act(g, x, {.out = 6 * in, .act = ActKind::hardswish, .bn_epsilon = kBnEpsilon},
                       fmt::format("features.{}", config.size() + 1));
  return f;
}

Graph v3_classifier(std::string name, const ZooOptions& o, std::span<const Bneck> config,
                    std::int32_t last_channel) {
  Graph g(std::move(name));
  const V3Features f = v3_features(g, add_input(g, o), o.width, config, false);
  const NodeId y = classifier(g, f.last,
                              {.classes = o.classes,
                               .hidden = make_divisible(last_channel * o.width),
                               .hidden_act = ActKind::hardswish,
                               .dropout_percent = 20},
                              "classifier");
  g.add("output", Output{}, {y});
  return g;
}

}  // namespace

MobileNetV3Features mobilenet_v3_large_features(Graph& g, NodeId x, double width, bool dilated) {
  const V3Features f = v3_features(g, x, width, kLarge, dilated);
  return {f.stride8, f.last};
}

Graph mobilenet_v3_large(const ZooOptions& o) {
  return v3_classifier("mobilenet_v3_large", o, kLarge, 1280);
}

Graph mobilenet_v3_small(const ZooOptions& o) {
  return v3_classifier("mobilenet_v3_small", o, kSmall, 1024);
}

}  // namespace hwnas::graph::zoo
