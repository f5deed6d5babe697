// YamlSpace: genes, canonical genomes and the space's size; decoding is in
// yaml_space_decode.cpp.
#include "hwnas/space/yaml_space.h"

#include <fmt/format.h>

#include <cmath>

#include "hwnas/base/error.h"

namespace hwnas::space {
namespace {

template <class T>
std::vector<std::string> labels(const std::vector<T>& values) {
  std::vector<std::string> out;
  for (const T& v : values) out.push_back(fmt::format("{}", v));
  return out;
}

std::vector<std::string> block_labels(const std::vector<LayerBlock>& blocks) {
  std::vector<std::string> out;
  for (const LayerBlock b : blocks) out.emplace_back(layer_block_name(b));
  return out;
}

std::size_t pick(const Genome& genome, int gene) {
  return gene < 0 ? 0 : genome.genes[static_cast<std::size_t>(gene)];
}

}  // namespace

std::string_view layer_block_name(LayerBlock block) {
  switch (block) {
    case LayerBlock::ibn:
      return "ibn";
    case LayerBlock::fused_ibn:
      return "fused_ibn";
    case LayerBlock::conv:
      return "conv";
    case LayerBlock::skip:
      return "skip";
  }
  return "?";
}

std::string_view task_name(Task task) {
  switch (task) {
    case Task::classification:
      return "classification";
    case Task::detection:
      return "detection";
    case Task::segmentation:
      return "segmentation";
  }
  return "?";
}

int YamlSpace::add_gene(std::string name, std::vector<std::string> choices) {
  if (choices.size() < 2) return -1;  // a fixed value decides nothing
  genes_.push_back({std::move(name), std::move(choices)});
  return static_cast<int>(genes_.size()) - 1;
}

std::string YamlSpace::show_command() const {
  const std::string& d = definition_.parallelism_option;
  const bool twin = !definition_.curated;  // --uncurated is harmless for a file saying curated: false
  return fmt::format("hwnas space show {}{}{}{}", definition_.builtin ? definition_.name : definition_.source,
                     d.empty() ? "" : " ", d, twin ? " --uncurated" : "");
}

YamlSpace::YamlSpace(SpaceDefinition definition) : definition_(std::move(definition)) {
  const SpaceDefinition& d = definition_;
  resolution_ = add_gene("resolution", labels(d.resolution));
  multiplier_ = add_gene("channel_multiplier", labels(d.channel_multiplier));
  stem_ = add_gene("stem.channels", labels(d.stem_channels));
  for (const StageDefinition& s : d.stages) {
    StageGenes g;
    g.depth = add_gene(s.name + ".depth", labels(s.depth));
    g.channels = add_gene(s.name + ".channels", labels(s.channels));
    const std::int32_t max_depth = *std::max_element(s.depth.begin(), s.depth.end());
    for (std::int32_t l = 0; l < max_depth; ++l) {
      const std::string layer = fmt::format("{}.layer{}.", s.name, l + 1);
      LayerGenes lg;
      lg.block = add_gene(layer + "block", block_labels(l == 0 ? s.first_block : s.block));
      lg.kernel = add_gene(layer + "kernel", labels(s.kernel));
      lg.expansion = add_gene(layer + "expansion", labels(s.expansion));
      lg.se = add_gene(layer + "se", labels(s.se));
      g.layers.push_back(lg);
    }
    stage_genes_.push_back(std::move(g));
  }
  features_ = add_gene("head.features", labels(d.head.features));
  if (d.head.task == Task::segmentation) output_stride_ = add_gene("head.output_stride", labels(d.head.output_stride));
  if (d.baseline) baseline_ = canonical(genome(*d.baseline));
  count_size();
  Genome last;
  for (const Gene& gene : genes_) last.genes.push_back(static_cast<std::uint16_t>(gene.choices.size() - 1));
  try {
    const graph::Graph g = decode(last);
    capacity_ = {g.size() * 5 / 4, g.num_edges() * 5 / 4, g.num_blocks() * 5 / 4, g.name_bytes() * 5 / 4};
  } catch (const UserError& e) {
    throw UserError(d.source + ": the space's network of every last choice (genome " + to_text(last) +
                    ") does not build: " + e.what());
  }
}

Genome YamlSpace::genome(const ArchitectureChoice& a) const {
  Genome out;
  out.genes.assign(genes_.size(), 0);
  const auto set = [&](int gene, std::size_t index) {
    if (gene >= 0) out.genes[static_cast<std::size_t>(gene)] = static_cast<std::uint16_t>(index);
  };
  set(resolution_, a.resolution);
  set(multiplier_, a.channel_multiplier);
  set(stem_, a.stem);
  set(features_, a.features);
  set(output_stride_, a.output_stride);
  HWNAS_CHECK(a.stages.size() == stage_genes_.size());
  for (std::size_t s = 0; s < stage_genes_.size(); ++s) {
    const StageGenes& g = stage_genes_[s];
    const StageChoice& c = a.stages[s];
    set(g.depth, c.depth);
    set(g.channels, c.channels);
    for (std::size_t l = 0; l < g.layers.size(); ++l) {
      set(g.layers[l].block, l == 0 ? c.first_block : c.block);
      set(g.layers[l].kernel, c.kernel);
      set(g.layers[l].expansion, c.expansion);
      set(g.layers[l].se, c.se);
    }
  }
  return out;
}

Genome YamlSpace::canonical(const Genome& genome) const {
  check(genome);
  Genome out = genome;
  const auto zero = [&](int gene) {
    if (gene >= 0) out.genes[static_cast<std::size_t>(gene)] = 0;
  };
  for (std::size_t s = 0; s < stage_genes_.size(); ++s) {
    const StageDefinition& def = definition_.stages[s];
    const StageGenes& g = stage_genes_[s];
    const auto depth = static_cast<std::size_t>(def.depth[pick(genome, g.depth)]);
    for (std::size_t l = 0; l < g.layers.size(); ++l) {
      const LayerGenes& lg = g.layers[l];
      const LayerBlock block =
          l >= depth ? LayerBlock::skip : (l == 0 ? def.first_block : def.block)[pick(genome, lg.block)];
      if (l >= depth) zero(lg.block);
      if (block == LayerBlock::skip) zero(lg.kernel);
      if (block == LayerBlock::skip || block == LayerBlock::conv) {
        zero(lg.expansion);
        zero(lg.se);
      }
    }
  }
  return out;
}

// Distinct canonical genomes: per stage, the channel choices times the sum over depth
// choices of the product of each built layer's distinct configurations.
void YamlSpace::count_size() {
  const SpaceDefinition& d = definition_;
  constexpr double kExactBelow = 1e15;
  using Wide = unsigned __int128;
  const Wide cap = static_cast<Wide>(kExactBelow);
  const auto saturate = [&](Wide v) { return v > cap ? cap : v; };
  Wide total = 1;
  double log10_total = 0;
  const auto times = [&](double factor) {
    total = saturate(total * static_cast<Wide>(std::min(factor, kExactBelow)));
    log10_total += std::log10(factor);
  };
  times(static_cast<double>(d.resolution.size() * d.channel_multiplier.size() * d.stem_channels.size()));
  times(static_cast<double>(d.head.features.size()));
  if (d.head.task == Task::segmentation) times(static_cast<double>(d.head.output_stride.size()));
  for (const StageDefinition& s : d.stages) {
    const auto layer_configurations = [&](const std::vector<LayerBlock>& blocks) {
      double n = 0;
      for (const LayerBlock b : blocks)
        n += b == LayerBlock::skip   ? 1.0
             : b == LayerBlock::conv ? static_cast<double>(s.kernel.size())
                                     : static_cast<double>(s.kernel.size() * s.expansion.size() * s.se.size());
      return n;
    };
    double stage = 0;  // below 72^64 · 64: finite
    for (const std::int32_t depth : s.depth) {
      double product = layer_configurations(s.first_block);
      for (std::int32_t l = 1; l < depth; ++l) product *= layer_configurations(s.block);
      stage += product;
    }
    times(static_cast<double>(s.channels.size()) * stage);
  }
  log10_size_ = log10_total;
  if (log10_total < 15 && total < cap) exact_size_ = static_cast<std::uint64_t>(total);
}

}  // namespace hwnas::space
