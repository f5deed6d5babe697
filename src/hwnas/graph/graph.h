// The hwnas network IR.
//
// A Graph stores nodes by value in one vector and refers to them by integer id; a node's
// inputs live in one flat edge vector and all names in one string arena. A node's id is
// also the id of the single tensor (value) it produces, and nodes are kept in a
// topological order by construction (inputs must exist before use), so a Graph can never
// hold a cycle or a dangling edge. Copying a graph copies four flat vectors; hashing and
// equality are structural (ops, edges, shapes, block kinds; never names or block specs).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hwnas/graph/block_spec.h"
#include "hwnas/graph/ops.h"

namespace hwnas::graph {

using NodeId = std::int32_t;
using BlockId = std::int32_t;
inline constexpr BlockId kNoBlock = -1;

/// Shape of one sample's tensor, channels × height × width. Flat tensors are [C,1,1].
struct Shape {
  std::int32_t c = 0, h = 0, w = 0;
  std::int64_t elements() const { return std::int64_t{c} * h * w; }
  bool operator==(const Shape&) const = default;
};

std::string to_string(const Shape& shape);

std::string_view block_kind_name(BlockKind kind);
/// Inverse of block_kind_name; false when `name` is not a block kind.
bool parse_block_kind(std::string_view name, BlockKind& kind);

struct Block {
  BlockKind kind;
  std::uint32_t name_begin = 0, name_size = 0;
  /// What the block was built from (block_spec.h); std::monostate when unknown.
  BlockSpec spec;
};

struct Node {
  Op op;
  Shape shape;
  std::int32_t first_input = 0, num_inputs = 0;
  BlockId block = kNoBlock;
  std::uint32_t name_begin = 0, name_size = 0;
};

class Graph {
 public:
  Graph() = default;
  explicit Graph(std::string name) : name_(std::move(name)) {}

  /// Appends a node, infers its shape, and returns its id.
  /// Throws UserError naming the node when the inputs do not fit the op.
  NodeId add(std::string_view name, Op op, std::span<const NodeId> inputs,
             BlockId block = kNoBlock);
  NodeId add(std::string_view name, Op op, std::initializer_list<NodeId> inputs,
             BlockId block = kNoBlock) {
    return add(name, std::move(op), std::span<const NodeId>(inputs.begin(), inputs.size()),
               block);
  }

  /// Room for `nodes` nodes, `edges` input edges, `blocks` blocks and `name_bytes` bytes of
  /// names, so that a builder that knows its size (a search space's decoder) adds without
  /// reallocating.
  void reserve(std::int32_t nodes, std::int32_t edges, std::int32_t blocks, std::size_t name_bytes);
  std::int32_t num_edges() const { return static_cast<std::int32_t>(edges_.size()); }
  std::size_t name_bytes() const { return names_.size(); }

  /// Opens a new block tag; nodes added with the returned id belong to it. `spec` must fit
  /// the kind (spec_fits; InternalError otherwise).
  BlockId add_block(BlockKind kind, std::string_view name, BlockSpec spec = {});

  std::int32_t size() const { return static_cast<std::int32_t>(nodes_.size()); }
  const Node& node(NodeId id) const { return nodes_[static_cast<std::size_t>(id)]; }
  const Op& op(NodeId id) const { return node(id).op; }
  const Shape& shape(NodeId id) const { return node(id).shape; }
  std::string_view node_name(NodeId id) const;
  std::span<const NodeId> inputs(NodeId id) const;

  std::int32_t num_blocks() const { return static_cast<std::int32_t>(blocks_.size()); }
  const Block& block(BlockId id) const { return blocks_[static_cast<std::size_t>(id)]; }
  std::string_view block_name(BlockId id) const;

  const std::string& name() const { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }

  /// Ids of the Input and Output nodes, in graph order; O(nodes).
  std::vector<NodeId> input_nodes() const;
  std::vector<NodeId> output_nodes() const;
  /// The node called `name`, or -1. A linear scan, O(nodes): for a tool or a test; code
  /// that resolves many names keeps a map from name to id (model files: model_load.cpp).
  NodeId find(std::string_view name) const;

  /// Structural hash: ops, edges, shapes and block kinds; independent of all names and of
  /// block specs (which the nodes imply; block_spec.h).
  std::uint64_t hash() const;
  /// Structural equality, consistent with hash().
  bool operator==(const Graph& other) const;
  /// Structural equality plus equal graph, node and block names and equal block specs.
  bool identical(const Graph& other) const;

 private:
  std::uint32_t intern(std::string_view text);

  std::string name_;
  std::vector<Node> nodes_;
  std::vector<NodeId> edges_;
  std::vector<Block> blocks_;
  std::string names_;
};

}  // namespace hwnas::graph
