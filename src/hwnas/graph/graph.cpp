#include "hwnas/graph/graph.h"

#include <array>
#include <fmt/format.h>

#include "hwnas/base/error.h"
#include "hwnas/base/hash.h"
#include "hwnas/graph/infer_shape.h"

namespace hwnas::graph {
namespace {

constexpr std::array<std::string_view, 10> kBlockKindNames = {
    "conv_bn_act", "ibn",         "fused_ibn", "squeeze_excite",    "nb201_cell",
    "nb201_reduction", "fbnet", "resnet_basic", "resnet_bottleneck", "head"};

}  // namespace

std::string to_string(const Shape& shape) {
  return fmt::format("[{},{},{}]", shape.c, shape.h, shape.w);
}

std::string_view block_kind_name(BlockKind kind) {
  return kBlockKindNames[static_cast<std::size_t>(kind)];
}

bool parse_block_kind(std::string_view name, BlockKind& kind) {
  for (std::size_t i = 0; i < kBlockKindNames.size(); ++i)
    if (kBlockKindNames[i] == name) {
      kind = static_cast<BlockKind>(i);
      return true;
    }
  return false;
}

std::uint32_t Graph::intern(std::string_view text) {
  const auto begin = static_cast<std::uint32_t>(names_.size());
  names_.append(text);
  return begin;
}

void Graph::reserve(std::int32_t nodes, std::int32_t edges, std::int32_t blocks, std::size_t name_bytes) {
  nodes_.reserve(static_cast<std::size_t>(nodes));
  edges_.reserve(static_cast<std::size_t>(edges));
  blocks_.reserve(static_cast<std::size_t>(blocks));
  names_.reserve(name_bytes);
}

NodeId Graph::add(std::string_view name, Op op, std::span<const NodeId> inputs, BlockId block) {
  const NodeId id = size();
  const std::string unnamed = name.empty() ? fmt::format("#{}", id) : std::string();
  const std::string_view display = name.empty() ? std::string_view(unnamed) : name;  // no copy: add is hot
  if (block != kNoBlock && (block < 0 || block >= num_blocks()))
    throw InternalError(fmt::format("node '{}': block {} does not exist", display, block));
  // Shapes of at most a few inputs live on the stack; concat may have more.
  std::array<Shape, 4> small;
  std::vector<Shape> large;
  std::span<Shape> shapes;
  if (inputs.size() <= small.size()) {
    shapes = std::span<Shape>(small.data(), inputs.size());
  } else {
    large.resize(inputs.size());
    shapes = large;
  }
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i] < 0 || inputs[i] >= id)
      throw UserError(fmt::format("node '{}' ({}): input {} refers to node {}, which does not "
                                  "precede it",
                                  display, op_name(op), i, inputs[i]));
    shapes[i] = shape(inputs[i]);
  }
  Node node{std::move(op), {}, static_cast<std::int32_t>(edges_.size()),
            static_cast<std::int32_t>(inputs.size()), block, 0, 0};
  node.shape = infer_shape(node.op, shapes, display);
  node.name_begin = intern(name);
  node.name_size = static_cast<std::uint32_t>(name.size());
  edges_.insert(edges_.end(), inputs.begin(), inputs.end());
  nodes_.push_back(std::move(node));
  return id;
}

BlockId Graph::add_block(BlockKind kind, std::string_view name, BlockSpec spec) {
  if (!spec_fits(kind, spec))
    throw InternalError(fmt::format("block '{}' ({}): a {} spec does not fit the kind", name,
                                    block_kind_name(kind), block_spec_name(spec)));
  blocks_.push_back(Block{kind, intern(name), static_cast<std::uint32_t>(name.size()), std::move(spec)});
  return num_blocks() - 1;
}

std::string_view Graph::node_name(NodeId id) const {
  const Node& n = node(id);
  return std::string_view(names_).substr(n.name_begin, n.name_size);
}

std::string_view Graph::block_name(BlockId id) const {
  const Block& b = block(id);
  return std::string_view(names_).substr(b.name_begin, b.name_size);
}

std::span<const NodeId> Graph::inputs(NodeId id) const {
  const Node& n = node(id);
  return std::span<const NodeId>(edges_).subspan(static_cast<std::size_t>(n.first_input),
                                                 static_cast<std::size_t>(n.num_inputs));
}

std::vector<NodeId> Graph::input_nodes() const {
  std::vector<NodeId> ids;
  for (NodeId id = 0; id < size(); ++id)
    if (std::holds_alternative<Input>(op(id))) ids.push_back(id);
  return ids;
}

std::vector<NodeId> Graph::output_nodes() const {
  std::vector<NodeId> ids;
  for (NodeId id = 0; id < size(); ++id)
    if (std::holds_alternative<Output>(op(id))) ids.push_back(id);
  return ids;
}

NodeId Graph::find(std::string_view name) const {
  for (NodeId id = 0; id < size(); ++id)
    if (node_name(id) == name) return id;
  return -1;
}

std::uint64_t Graph::hash() const {
  std::uint64_t h = hash_mix(nodes_.size(), blocks_.size());
  for (const Node& n : nodes_) {
    h = hash_mix(h, hash_op(n.op));
    h = hash_mix(h, (std::uint64_t(std::uint32_t(n.block)) << 32) | std::uint32_t(n.num_inputs));
    if (n.block != kNoBlock) h = hash_mix(h, static_cast<std::uint64_t>(block(n.block).kind));
  }
  for (NodeId e : edges_) h = hash_mix(h, static_cast<std::uint64_t>(e));
  return h;
}

bool Graph::operator==(const Graph& other) const {
  if (nodes_.size() != other.nodes_.size() || edges_ != other.edges_ ||
      blocks_.size() != other.blocks_.size())
    return false;
  for (std::size_t i = 0; i < blocks_.size(); ++i)
    if (blocks_[i].kind != other.blocks_[i].kind) return false;
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    const Node &a = nodes_[i], &b = other.nodes_[i];
    if (a.num_inputs != b.num_inputs || a.block != b.block || !(a.shape == b.shape) ||
        !(a.op == b.op))
      return false;
  }
  return true;
}

bool Graph::identical(const Graph& other) const {
  if (!(*this == other) || name_ != other.name_) return false;
  for (NodeId id = 0; id < size(); ++id)
    if (node_name(id) != other.node_name(id)) return false;
  for (BlockId id = 0; id < num_blocks(); ++id)
    if (block_name(id) != other.block_name(id) || block(id).spec != other.block(id).spec) return false;
  return true;
}

}  // namespace hwnas::graph
