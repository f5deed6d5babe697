// The FBNet space of HW-NAS-Bench (Wu et al., CVPR 2019; Li et al., ICLR 2021;
// ../shared/data/README.md): its nine blocks, the block list that names an architecture,
// the CIFAR-100 network and the search space over its 22 layers. The only place that
// knows them; estimate, search and the CLI ask here.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "hwnas/graph/graph.h"
#include "hwnas/graph/zoo/zoo.h"
#include "hwnas/space/space.h"

namespace hwnas::space {

/// One of the nine choices of a layer: an IBN with `kernel`×`kernel` depthwise conv,
/// expansion `expansion` and `groups` groups in its 1x1 convs (a channel shuffle after the
/// expand conv when grouped), or `skip` (expansion 0).
struct FbnetBlock {
  std::string_view name;
  std::int32_t kernel, expansion, groups;
};
inline constexpr std::array<FbnetBlock, 9> kFbnetBlocks = {{{"k3_e1", 3, 1, 1},
                                                            {"k3_e1_g2", 3, 1, 2},
                                                            {"k3_e3", 3, 3, 1},
                                                            {"k3_e6", 3, 6, 1},
                                                            {"k5_e1", 5, 1, 1},
                                                            {"k5_e1_g2", 5, 1, 2},
                                                            {"k5_e3", 5, 3, 1},
                                                            {"k5_e6", 5, 6, 1},
                                                            {"skip", 0, 0, 1}}};
inline constexpr std::size_t kFbnetLayers = 22;

/// An architecture: per layer, an index into kFbnetBlocks.
struct FbnetArch {
  std::array<std::uint8_t, kFbnetLayers> blocks{};
  bool operator==(const FbnetArch&) const = default;
};

/// The index of the block named `name` in kFbnetBlocks. Throws UserError "FBNet block
/// 'NAME' (WHERE): unknown; use one of k3_e1, ...".
std::size_t fbnet_block_index(std::string_view name, std::string_view where);

/// The strict parser of the block list: 22 names of kFbnetBlocks joined by '-'. Throws
/// UserError naming the list: "FBNet block list 'TEXT': has N blocks; give 22 block names
/// joined by '-' ...", or an unknown block named with its layer ("blocks.I").
FbnetArch parse_fbnet_blocks(std::string_view blocks);
/// The block list; parse_fbnet_blocks(format_fbnet_blocks(a)) == a.
std::string format_fbnet_blocks(const FbnetArch& arch);

/// One block on `x` with `out` channels and `stride`, tagged BlockKind::fbnet; `skip` with
/// the same shape emits nothing and returns `x`, otherwise a conv-BN-ReLU.
graph::NodeId fbnet_block(graph::Graph& g, graph::NodeId x, const FbnetBlock& block, std::int32_t out,
                          std::int32_t stride, const std::string& name);

/// The CIFAR-100 network named "fbnet": stem conv3x3 + BN + ReLU, the 22 blocks in stages
/// of [1,4,4,4,4,4,1] with [16,24,32,64,112,184,352] channels (× width, rounded to
/// multiples of 8) and first strides [1,1,2,2,1,2,1], head conv1x1 to 1504 + BN + ReLU,
/// global average pool, linear. Uses width, resolution, in_channels and classes.
graph::Graph fbnet_network(const FbnetArch& arch, const graph::ZooOptions& options);

/// The zoo options of fbnet (res 32, classes 100).
graph::ZooOptions fbnet_default_options();

/// The search space "fbnet": genes "blocks.0" ... "blocks.21", each choosing one of
/// kFbnetBlocks' names; 9^22 architectures. arch() is the block list, parse_arch() the
/// strict parser, decode() the network of `fbnet:blocks=ARCH` (fbnet_default_options()).
class FbnetSpace : public Space {
 public:
  FbnetSpace();
  const std::string& name() const override { return name_; }
  const std::vector<Gene>& genes() const override { return genes_; }
  graph::Graph decode(const Genome& genome) const override;
  std::string arch(const Genome& genome) const override;
  Genome parse_arch(std::string_view arch) const override;

  /// The architecture a genome chooses (check()ed).
  FbnetArch architecture(const Genome& genome) const;
  static Genome genome(const FbnetArch& arch);

 private:
  std::string name_ = "fbnet";
  std::vector<Gene> genes_;
  graph::ZooOptions options_ = fbnet_default_options();
};

std::unique_ptr<Space> make_fbnet_space();

}  // namespace hwnas::space
