#include "hwnas/space/fbnet.h"

#include <fmt/format.h>

#include <algorithm>

#include "hwnas/base/error.h"

namespace hwnas::space {

std::size_t fbnet_block_index(std::string_view name, std::string_view where) {
  const auto* it =
      std::find_if(kFbnetBlocks.begin(), kFbnetBlocks.end(), [&](const FbnetBlock& b) { return b.name == name; });
  if (it == kFbnetBlocks.end())
    throw UserError(fmt::format(
        "FBNet block '{}' ({}): unknown; use one of k3_e1, k3_e1_g2, k3_e3, k3_e6, k5_e1, "
        "k5_e1_g2, k5_e3, k5_e6, skip",
        name, where));
  return static_cast<std::size_t>(it - kFbnetBlocks.begin());
}

FbnetArch parse_fbnet_blocks(std::string_view blocks) {
  std::vector<std::string_view> names;
  for (std::size_t start = 0;;) {
    const std::size_t dash = blocks.find('-', start);
    names.push_back(blocks.substr(start, dash == std::string_view::npos ? dash : dash - start));
    if (dash == std::string_view::npos) break;
    start = dash + 1;
  }
  const std::size_t count = blocks.empty() ? 0 : names.size();
  if (count != kFbnetLayers)
    throw UserError(fmt::format("FBNet block list '{}': has {} blocks; give 22 block names joined by '-', "
                                "e.g. k3_e1-k3_e6-skip-... (blocks: k3_e1, k3_e1_g2, k3_e3, k3_e6, k5_e1, "
                                "k5_e1_g2, k5_e3, k5_e6, skip)",
                                blocks, count));
  FbnetArch arch;
  for (std::size_t i = 0; i < kFbnetLayers; ++i) {
    try {
      arch.blocks[i] = static_cast<std::uint8_t>(fbnet_block_index(names[i], fmt::format("blocks.{}", i)));
    } catch (const UserError& e) {
      throw UserError(fmt::format("FBNet block list '{}': {}", blocks, e.what()));
    }
  }
  return arch;
}

std::string format_fbnet_blocks(const FbnetArch& arch) {
  std::string text;
  for (std::size_t i = 0; i < kFbnetLayers; ++i) {
    if (i > 0) text += '-';
    text += kFbnetBlocks[arch.blocks[i]].name;
  }
  return text;
}

graph::ZooOptions fbnet_default_options() {
  graph::ZooOptions o;
  o.resolution = 32;
  o.classes = 100;
  return o;
}

FbnetSpace::FbnetSpace() {
  std::vector<std::string> choices;
  for (const FbnetBlock& b : kFbnetBlocks) choices.emplace_back(b.name);
  for (std::size_t i = 0; i < kFbnetLayers; ++i) genes_.push_back({fmt::format("blocks.{}", i), choices});
}

FbnetArch FbnetSpace::architecture(const Genome& genome) const {
  check(genome);
  FbnetArch arch;
  for (std::size_t i = 0; i < kFbnetLayers; ++i) arch.blocks[i] = static_cast<std::uint8_t>(genome.genes[i]);
  return arch;
}

Genome FbnetSpace::genome(const FbnetArch& arch) {
  Genome g;
  for (std::uint8_t b : arch.blocks) g.genes.push_back(b);
  return g;
}

graph::Graph FbnetSpace::decode(const Genome& genome) const { return fbnet_network(architecture(genome), options_); }

std::string FbnetSpace::arch(const Genome& genome) const { return format_fbnet_blocks(architecture(genome)); }

Genome FbnetSpace::parse_arch(std::string_view arch) const { return genome(parse_fbnet_blocks(arch)); }

std::unique_ptr<Space> make_fbnet_space() { return std::make_unique<FbnetSpace>(); }

}  // namespace hwnas::space
