#include "hwnas/estimate/random_layers.h"

#include <fmt/format.h>

#include <vector>

#include "hwnas/graph/blocks.h"

namespace hwnas::estimate {
namespace {

using graph::Graph;
using graph::NodeId;

constexpr std::array<graph::ActKind, 6> kActs = {graph::ActKind::relu,        graph::ActKind::relu6,
                                                 graph::ActKind::hardswish,   graph::ActKind::hardsigmoid,
                                                 graph::ActKind::sigmoid,     graph::ActKind::silu};

graph::PoolKind pool_kind(std::mt19937_64& rng) {
  return uniform(rng, 0, 1) ? graph::PoolKind::max : graph::PoolKind::avg;
}
graph::UpsampleMode upsample_mode(std::mt19937_64& rng) {
  return uniform(rng, 0, 1) ? graph::UpsampleMode::nearest : graph::UpsampleMode::bilinear;
}

// A pool of any legal kernel, stride, padding (at most half the kernel) and ceil_mode.
NodeId random_pool(Graph& g, NodeId x, std::mt19937_64& rng, const std::string& name) {
  const graph::Shape s = g.shape(x);
  const std::int32_t kernel = std::min(uniform(rng, 2, 5), std::min(s.h, s.w));
  const std::int32_t stride = uniform(rng, 1, 2), pad = uniform(rng, 0, kernel / 2);
  return g.add(name, graph::Pool{.kind = pool_kind(rng), .kernel_h = kernel, .kernel_w = kernel,
                                 .stride_h = stride, .stride_w = stride, .pad_h = pad, .pad_w = pad,
                                 .count_include_pad = uniform(rng, 0, 1) == 1, .ceil_mode = uniform(rng, 0, 1) == 1},
               {x});
}

// One layer of the kinds in the header on `x`.
NodeId random_layer(Graph& g, NodeId x, std::mt19937_64& rng, const std::string& name) {
  const graph::Shape s = g.shape(x);
  const auto act = pick(rng, kActs);
  switch (uniform(rng, 0, 7)) {
    case 0: {  // concat of 2–4 branches: the input, convolutions, same-size pools
      std::vector<NodeId> parts;
      for (int i = 0, n = uniform(rng, 2, 4); i < n; ++i) {
        const std::string part = fmt::format("{}.{}", name, i);
        switch (uniform(rng, 0, 2)) {
          case 0: parts.push_back(x); break;
          case 1:
            parts.push_back(graph::conv_bn_act(g, x, {.out = channels(rng, 8, 128), .kernel = 1 + 2 * uniform(rng, 0, 1),
                                                      .act = act}, part));
            break;
          default:
            parts.push_back(g.add(part, graph::Pool{.kind = pool_kind(rng), .kernel_h = 3, .kernel_w = 3, .stride_h = 1,
                                                    .stride_w = 1, .pad_h = 1, .pad_w = 1}, {x}));
        }
      }
      return g.add(name, graph::Concat{}, parts);
    }
    case 1: {  // decoder: downsample, upsample back to the skip's size, merge by add or concat
      const bool by_add = uniform(rng, 0, 1) == 1;
      NodeId low = s.h >= 4 && s.w >= 4 && uniform(rng, 0, 1)
                       ? graph::conv_bn_act(g, x, {.out = by_add ? s.c : channels(rng, 8, 256), .kernel = 3, .stride = 2,
                                                   .act = act}, name + ".down")
                       : x;
      if (by_add && g.shape(low).c != s.c) low = graph::conv_bn_act(g, low, {.out = s.c}, name + ".proj");
      const NodeId up = g.add(name + ".up", graph::Upsample{.mode = upsample_mode(rng), .scale = 0, .out_h = s.h,
                                                            .out_w = s.w}, {low});
      if (by_add) return g.add(name, graph::Add{}, {x, up});
      return g.add(name, graph::Concat{}, {x, up});
    }
    case 2: {  // upsample by a scale, the output at most 112 pixels
      if (std::max(s.h, s.w) > 56) return random_pool(g, x, rng, name);
      const std::int32_t scale = std::min(uniform(rng, 2, 4), 112 / std::max(s.h, s.w));
      return g.add(name, graph::Upsample{.mode = upsample_mode(rng), .scale = scale}, {x});
    }
    case 3: {  // gates: x · act(conv(global pool(x))), or x · act(x)
      NodeId gate = x;
      if (uniform(rng, 0, 1)) {
        gate = g.add(name + ".pool", graph::GlobalPool{pool_kind(rng)}, {x});
        gate = g.add(name + ".conv", graph::Conv2d{.out_channels = s.c, .bias = true}, {gate});
      }
      gate = g.add(name + ".gate", graph::Activation{act}, {gate});
      return g.add(name, graph::Mul{}, {x, gate});
    }
    case 4:  // a standalone batch norm or activation
      if (uniform(rng, 0, 1)) return g.add(name, graph::BatchNorm{}, {x});
      return g.add(name, graph::Activation{act}, {x});
    case 5: {  // channel shuffle, or NAS-Bench-201's zero edge summed with the input
      const std::int32_t groups = s.c % 4 == 0 && uniform(rng, 0, 1) ? 4 : 2;
      if (s.c % groups == 0 && uniform(rng, 0, 1)) return g.add(name, graph::ChannelShuffle{groups}, {x});
      return g.add(name, graph::Add{}, {x, g.add(name + ".zero", graph::Zero{}, {x})});
    }
    case 6:
      return random_pool(g, x, rng, name);
    default: {  // a dilated or a grouped convolution
      const std::int32_t dilation = uniform(rng, 1, 3), groups = pick(rng, std::array<std::int32_t, 3>{2, 4, 8});
      const bool grouped = s.c % groups == 0 && uniform(rng, 0, 1);
      const std::int32_t out = grouped ? groups * std::max(1, channels(rng, 8, 256) / groups) : channels(rng, 8, 256);
      return graph::conv_bn_act(g, x, {.out = out, .kernel = 3, .groups = grouped ? groups : 1,
                                       .dilation = grouped ? 1 : dilation, .act = act}, name);
    }
  }
}

}  // namespace

graph::Graph random_layer_network(std::mt19937_64& rng) {
  static constexpr std::array<std::int32_t, 5> kSizes = {7, 14, 28, 56, 112};
  Graph g("random_layers");
  const std::int32_t size = pick(rng, kSizes);
  NodeId x = g.add("input", graph::Input{channels(rng, 3, size >= 56 ? 96 : 256), size, size}, {});
  for (int i = 0, layers = uniform(rng, 3, 6); i < layers; ++i) {
    x = random_layer(g, x, rng, fmt::format("l{}", i));
    if (g.shape(x).c > 512) x = graph::conv_bn_act(g, x, {.out = channels(rng, 64, 512)}, fmt::format("l{}.reduce", i));
  }
  g.add("output", graph::Output{}, {x});
  return g;
}

}  // namespace hwnas::estimate
