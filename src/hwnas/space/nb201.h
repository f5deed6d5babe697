// NAS-Bench-201 (Dong & Yang, ICLR 2020; ../shared/data/README.md): the cell's operations,
// its architecture string, the network, and the search space over its six edges. This is
// the only place that knows them; estimate, search and the CLI ask here.
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

/// An edge's operation, in NAS-Bench-201's order (the order of kNb201OpNames and of the
/// space's choices).
enum class Nb201Op : std::uint8_t { none, skip_connect, nor_conv_1x1, nor_conv_3x3, avg_pool_3x3 };
inline constexpr std::array<std::string_view, 5> kNb201OpNames = {"none", "skip_connect", "nor_conv_1x1",
                                                                  "nor_conv_3x3", "avg_pool_3x3"};

/// A cell: the operation of each edge, in the architecture string's order
/// 1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2 (node j sums its edges from nodes 0..j-1; node 0 is
/// the cell's input, node 3 its output).
struct Nb201Cell {
  std::array<Nb201Op, 6> edges{};
  bool operator==(const Nb201Cell&) const = default;
};
inline constexpr std::size_t kNb201Edges = 6;
/// Source and destination node of each edge.
inline constexpr std::array<std::pair<int, int>, kNb201Edges> kNb201EdgeNodes = {
    {{0, 1}, {0, 2}, {1, 2}, {0, 3}, {1, 3}, {2, 3}}};

/// The strict parser of "|op~0|+|op~0|op~1|+|op~0|op~1|op~2|": exactly three '+'-separated
/// nodes of 1, 2 and 3 edges, sources 0..j-1 in order, known ops, nothing else. Throws
/// UserError "NAS-Bench-201 architecture 'TEXT': WHY; expected '|op~0|+...' with op one of
/// none, ...".
Nb201Cell parse_nb201_arch(std::string_view arch);
/// The architecture string; parse_nb201_arch(format_nb201_arch(c)) == c.
std::string format_nb201_arch(const Nb201Cell& cell);

/// Of each edge: whether it lies on a path from the cell's input to its output through
/// edges that are not `none`. `connected`: whether any such path exists.
struct Nb201LiveEdges {
  std::array<bool, kNb201Edges> live{};
  bool connected = false;
};
Nb201LiveEdges nb201_live_edges(const Nb201Cell& cell);

/// One cell on `x` (channels kept), tagged BlockKind::nb201_cell. Edges are ReLU-conv-BN
/// (nor_conv_*), 3x3 average pooling (padding not counted), identity, or Zero.
graph::NodeId nb201_cell(graph::Graph& g, graph::NodeId x, const Nb201Cell& cell, const std::string& name);
/// NAS-Bench-201's residual reduction block: ReLU-conv3x3(s2)-BN, ReLU-conv3x3-BN,
/// shortcut avgpool2x2 + conv1x1 (no BN); tagged BlockKind::nb201_reduction.
graph::NodeId nb201_reduction(graph::Graph& g, graph::NodeId x, std::int32_t out, const std::string& name);

/// What an nb201 network keeps of NAS-Bench-201's shape (the defaults): N cells per stage,
/// the first `stages` of its three stages, and the stem. TE-NAS's thin copy
/// (train/proxies/te_nas_linear_regions.h; TENAS prune_tenas.py, model_config_thin: C 1,
/// N 1, depth 1, use_stem False) is {1, 1, false} at C = 1: one cell on the input.
struct Nb201Shape {
  std::int32_t cells = 5;   // N, cells per stage: 1…kNb201MaxCells
  std::int32_t stages = 3;  // 1…3
  bool stem = true;         // without it the first cell takes the input, whose channels must be C
  bool operator==(const Nb201Shape&) const = default;
};
inline constexpr std::int32_t kNb201MaxCells = 64;

/// The shape given by `options`' text options cells (N), stages and stem (1 or 0), each
/// defaulting to NAS-Bench-201's. Throws a one-line UserError naming the key, its range and
/// the benchmark's value for a value out of range or not an integer, and for stem=0 with
/// in_ch other than C = max(1, round(16 · width)) (naming both fixes).
Nb201Shape nb201_shape(const graph::ZooOptions& options);

/// The CIFAR network named "nb201": stem conv3x3 + BN; three stages of N = 5 cells with C,
/// 2C, 4C channels (C = 16 · width rounded, at least 1) joined by reduction blocks (each
/// halves H and W, rounding up); BN-ReLU, global average pool, linear. Uses width,
/// resolution, in_channels and classes of `options`, and `shape` (its contract above;
/// HWNAS_CHECK for one nb201_shape would refuse).
graph::Graph nb201_network(const Nb201Cell& cell, const graph::ZooOptions& options, const Nb201Shape& shape = {});

/// The zoo options of nb201 (res 32, classes 10).
graph::ZooOptions nb201_default_options();

/// The search space "nb201": genes "edge 1<-0", ..., "edge 3<-2" (in the string's edge
/// order), each choosing one of kNb201OpNames; 5^6 = 15,625 architectures, all distinct.
/// arch() is the cell string, parse_arch() the strict parser, decode() the network of
/// `nb201:arch=ARCH` (nb201_default_options()).
class Nb201Space : public Space {
 public:
  Nb201Space();
  const std::string& name() const override { return name_; }
  const std::vector<Gene>& genes() const override { return genes_; }
  graph::Graph decode(const Genome& genome) const override;
  std::string arch(const Genome& genome) const override;
  Genome parse_arch(std::string_view arch) const override;
  std::vector<double> live_choice_counts(const Genome& genome) const override;

  /// The cell a genome chooses (check()ed).
  Nb201Cell cell(const Genome& genome) const;
  static Genome genome(const Nb201Cell& cell);

 private:
  std::string name_ = "nb201";
  std::vector<Gene> genes_;
  graph::ZooOptions options_ = nb201_default_options();
};

std::unique_ptr<Space> make_nb201_space();

}  // namespace hwnas::space
