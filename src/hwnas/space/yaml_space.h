// YAML-defined search spaces (docs/spaces.md): a MobileNet-like backbone — stem, stages
// with a depth choice and per-layer choices of block (ibn, fused_ibn, conv, skip), kernel,
// expansion and squeeze-excite, per-stage output channels — a global channel multiplier,
// the input resolution, and a task head (classification, SSDLite-style detection,
// LR-ASPP-style segmentation).
//
// read_space_definition reads a file strictly and resolves everything a genome does not
// choose: the symbol P (the target's parallelism factor), the uncurated twin's choices and
// the baseline's choice indices. YamlSpace turns the definition into genes, one per
// decision that has at least two choices, and decodes genomes with the graph's block
// builders (graph/blocks.h), so each layer is one tagged block.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hwnas/graph/ops.h"
#include "hwnas/space/filters.h"
#include "hwnas/space/registry.h"
#include "hwnas/space/space.h"

namespace hwnas::space {

enum class LayerBlock : std::uint8_t { ibn, fused_ibn, conv, skip };
std::string_view layer_block_name(LayerBlock block);

enum class Task : std::uint8_t { classification, detection, segmentation };
std::string_view task_name(Task task);

/// One stage: layers [0, depth) of it are built; layer 0 has the stage's stride and the
/// others stride 1. Channels are before the channel multiplier.
struct StageDefinition {
  std::string name;  // "stage1", ... unless the file names it
  std::int32_t stride = 1;
  std::vector<std::int32_t> depth;
  std::vector<std::int32_t> channels;
  std::vector<LayerBlock> block;        // choices of layers 1, 2, ...
  std::vector<LayerBlock> first_block;  // layer 0's: `block` without skip
  std::vector<std::int32_t> kernel;
  std::vector<double> expansion;
  std::vector<bool> se;
};

struct HeadDefinition {
  Task task = Task::classification;
  std::int32_t classes = 1000;
  std::vector<std::int32_t> features;        // the final 1x1 conv's channels, before max(1, multiplier)
  std::int32_t dropout_percent = 0;          // classification
  std::int32_t anchors = 6;                  // detection
  std::vector<std::int32_t> extra_channels;  // detection: the extra blocks' channels
  std::int32_t inter_channels = 128;         // segmentation
  std::vector<std::int32_t> output_stride;   // segmentation: output size = resolution / this
};

/// A network of the space as indices into the definition's choice lists.
struct StageChoice {
  std::size_t depth = 0, channels = 0, block = 0, first_block = 0, kernel = 0, expansion = 0, se = 0;
};
struct ArchitectureChoice {
  std::size_t resolution = 0, channel_multiplier = 0, stem = 0, features = 0, output_stride = 0;
  std::vector<StageChoice> stages;
};

struct SpaceDefinition {
  std::string name, description, source;  // source: the file, or "NAME (built-in space)"
  bool builtin = false;                    // one of the built-in spaces (make_space)
  std::string parallelism_option;          // SpaceOptions::parallelism_option it was read with
  bool curated = true;
  std::int32_t in_channels = 3;
  std::vector<std::int32_t> resolution;
  std::vector<double> channel_multiplier;
  std::int32_t round_channels_to = 8;  // channels = make_divisible(c · multiplier, this)
  graph::ActKind activation = graph::ActKind::relu6;
  std::vector<std::int32_t> stem_channels;
  std::int32_t stem_kernel = 3, stem_stride = 2;
  std::vector<StageDefinition> stages;
  HeadDefinition head;
  Filters filters;
  std::optional<ArchitectureChoice> baseline;
};

/// Reads a space file's text; `source` names it in errors. Every error is one line
/// "SOURCE:LINE: key 'stages[2].channels.min': ..." naming the key path (list positions
/// from 0): unknown keys (with the closest known one), wrong types, empty choice lists,
/// min > max, choices out of range, a `P` when `options` has no parallelism factor, a
/// baseline value that is not among its choices, a head the stages' strides cannot feed.
SpaceDefinition read_space_definition(std::string_view text, const std::string& source, const SpaceOptions& options);

class YamlSpace final : public Space {
 public:
  explicit YamlSpace(SpaceDefinition definition);

  const std::string& name() const override { return definition_.name; }
  const std::vector<Gene>& genes() const override { return genes_; }
  /// Zeroes the genes of layers past their stage's depth, the kernel, expansion and SE
  /// genes of skip layers and the expansion and SE genes of conv layers.
  Genome canonical(const Genome& genome) const override;
  graph::Graph decode(const Genome& genome) const override;
  std::optional<Genome> baseline() const override { return baseline_; }
  std::string show_command() const override;
  double log10_size() const override { return log10_size_; }
  std::optional<std::uint64_t> exact_size() const override { return exact_size_; }

  const SpaceDefinition& definition() const { return definition_; }
  /// The genome that makes `choice` in every layer of each stage (the baseline's form).
  Genome genome(const ArchitectureChoice& choice) const;

 private:
  struct LayerGenes {
    int block = -1, kernel = -1, expansion = -1, se = -1;
  };
  struct StageGenes {
    int depth = -1, channels = -1;
    std::vector<LayerGenes> layers;
  };
  int add_gene(std::string name, std::vector<std::string> labels);
  void count_size();

  SpaceDefinition definition_;
  std::vector<Gene> genes_;
  int resolution_ = -1, multiplier_ = -1, stem_ = -1, features_ = -1, output_stride_ = -1;
  std::vector<StageGenes> stage_genes_;
  std::optional<Genome> baseline_;
  struct Capacity {
    std::int32_t nodes = 0, edges = 0, blocks = 0;
    std::size_t name_bytes = 0;
  } capacity_;  // what decode() reserves: a quarter more than the network of every last choice
  double log10_size_ = 0;
  std::optional<std::uint64_t> exact_size_;
};

}  // namespace hwnas::space
