// YamlSpace::decode: a genome's network, built with the graph's block builders. Every
// node is shape-checked as it is added (Graph::add infers shapes).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "hwnas/graph/blocks.h"
#include "hwnas/graph/zoo/builders.h"
#include "hwnas/graph/zoo/heads.h"
#include "hwnas/space/yaml_space.h"

namespace hwnas::space {
namespace {

using graph::NodeId;

/// The backbone's taps for the heads.
struct Taps {
  NodeId stride8 = -1;   // the last layer's output at output stride 8 (LR-ASPP's low)
  NodeId stride16 = -1;  // SSDLite's: the expand conv of the layer that takes stride 16 to
                         // 32 when it is an IBN with one, else that layer's input
};

}  // namespace

graph::Graph YamlSpace::decode(const Genome& genome) const {
  check(genome);
  const SpaceDefinition& d = definition_;
  const auto at = [&](int gene) -> std::size_t { return gene < 0 ? 0 : genome.genes[static_cast<std::size_t>(gene)]; };
  const double multiplier = d.channel_multiplier[at(multiplier_)];
  const auto scaled = [&](std::int32_t channels) {
    return graph::zoo::make_divisible(channels * multiplier, d.round_channels_to);
  };
  const bool segmentation = d.head.task == Task::segmentation;

  graph::Graph g(d.name);
  g.reserve(capacity_.nodes, capacity_.edges, capacity_.blocks, capacity_.name_bytes);
  const std::int32_t resolution = d.resolution[at(resolution_)];
  NodeId x = g.add("input", graph::Input{d.in_channels, resolution, resolution}, {});
  std::int32_t in = scaled(d.stem_channels[at(stem_)]);
  x = graph::conv_bn_act(g, x, {.out = in, .kernel = d.stem_kernel, .stride = d.stem_stride, .act = d.activation},
                         "stem");
  std::int32_t output_stride = d.stem_stride, dilation = 1;
  Taps taps;
  for (std::size_t s = 0; s < d.stages.size(); ++s) {
    const StageDefinition& stage = d.stages[s];
    const StageGenes& genes = stage_genes_[s];
    const std::int32_t out = scaled(stage.channels[at(genes.channels)]);
    const auto depth = static_cast<std::size_t>(stage.depth[at(genes.depth)]);
    for (std::size_t l = 0; l < depth; ++l) {
      const LayerGenes& lg = genes.layers[l];
      const LayerBlock block = (l == 0 ? stage.first_block : stage.block)[at(lg.block)];
      if (block == LayerBlock::skip) continue;  // stride 1, in == out: the identity
      std::int32_t stride = l == 0 ? stage.stride : 1;
      const bool to_stride32 = stride == 2 && output_stride == 16;
      if (to_stride32 && segmentation) {  // keep output stride 16, as torchvision's LR-ASPP
        stride = 1;
        dilation = 2;
      }
      if (to_stride32) taps.stride16 = x;
      const std::int32_t kernel = stage.kernel[at(lg.kernel)];
      const auto expanded = static_cast<std::int32_t>(std::lround(in * stage.expansion[at(lg.expansion)]));
      std::optional<graph::SqueezeExciteSpec> se;
      if (stage.se[at(lg.se)]) se = graph::SqueezeExciteSpec{.squeeze = graph::zoo::make_divisible(expanded / 4.0, 8)};
      const std::string name = fmt::format("{}.layer{}", stage.name, l + 1);
      if (block == LayerBlock::ibn) {
        const graph::IbnNodes b = graph::ibn(g, x,
                                             {.out = out,
                                              .expanded = expanded,
                                              .kernel = kernel,
                                              .stride = stride,
                                              .dilation = dilation,
                                              .act = d.activation,
                                              .se = se},
                                             name);
        if (to_stride32 && b.expand >= 0) taps.stride16 = b.expand;
        x = b.output;
      } else if (block == LayerBlock::fused_ibn) {
        x = graph::fused_ibn(g, x,
                             {.out = out,
                              .expanded = expanded,
                              .kernel = kernel,
                              .stride = stride,
                              .dilation = dilation,
                              .act = d.activation,
                              .se = se},
                             name)
                .output;
      } else {
        x = graph::conv_bn_act(
            g, x, {.out = out, .kernel = kernel, .stride = stride, .dilation = dilation, .act = d.activation}, name);
      }
      in = out;
      output_stride *= stride;
      if (output_stride == 8) taps.stride8 = x;
    }
  }
  const std::int32_t features =
      graph::zoo::make_divisible(d.head.features[at(features_)] * std::max(1.0, multiplier), d.round_channels_to);
  const NodeId last = graph::conv_bn_act(g, x, {.out = features, .act = d.activation}, "features");
  switch (d.head.task) {
    case Task::classification:
      graph::zoo::classifier_head(g, last, d.head.classes, d.head.dropout_percent);
      break;
    case Task::detection:
      graph::zoo::ssdlite_head(g, taps.stride16, last,
                               {.classes = d.head.classes,
                                .anchors = d.head.anchors,
                                .extra_channels = d.head.extra_channels,
                                .width = multiplier,
                                .divisor = d.round_channels_to});
      break;
    case Task::segmentation:
      graph::zoo::lraspp_head(g, taps.stride8, last,
                              {.classes = d.head.classes,
                               .inter_channels = d.head.inter_channels,
                               .output_size = resolution / d.head.output_stride[at(output_stride_)]});
      break;
  }
  return g;
}

}  // namespace hwnas::space
