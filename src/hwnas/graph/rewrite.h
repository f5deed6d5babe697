// Substitution for pure passes Graph -> Graph: copy a graph node by node into a new one,
// replacing node ranges (blocks) by freshly emitted nodes and remapping the inputs of the
// nodes after them. Shapes are re-inferred as the new graph is built (Graph::add), so a
// replacement that does not fit fails with the usual one-line shape error.
//
//   // rewrite IBN into fused IBN at block b
//   const ConsumerIndex readers(g);
//   const BlockSite site = block_site(g, readers, b);
//   if (!site.why_not.empty()) return g;                 // not eligible: the reason
//   GraphRewriter r(g);
//   r.copy_until(site.begin);
//   const NodeId y = fused_ibn(r.target(), r.mapped(site.inputs[0]), spec, name).output;
//   r.replace(site.begin, site.end, {{site.outputs[0], y}});
//   return r.finish();
#pragma once

#include <functional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "hwnas/graph/consumers.h"
#include "hwnas/graph/graph.h"

namespace hwnas::graph {

/// Builds a new graph from `source` (which must outlive the rewriter): copied nodes keep
/// their name, op and block (the block keeps its kind, name and spec); blocks are opened
/// in the order their first node is copied, and a block with no node in `source` keeps
/// its place among them, so copying everything gives an identical graph.
class GraphRewriter {
 public:
  explicit GraphRewriter(const Graph& source);

  const Graph& source() const { return source_; }
  /// The graph being built: emit replacement nodes here (e.g. with the builders of blocks.h).
  Graph& target() { return target_; }

  /// Copies the source nodes from the first not yet copied or replaced one up to `end`
  /// (exclusive). InternalError when a copied node reads a value that a replacement
  /// removed without giving a new one.
  void copy_until(NodeId end);
  /// Drops the source nodes [begin, end) (begin must be the next node to copy) and makes
  /// each `new_values` pair's target node stand for the value of its source node (one of
  /// the dropped nodes, e.g. the block's output) in every later node.
  void replace(NodeId begin, NodeId end, std::span<const std::pair<NodeId, NodeId>> new_values);
  void replace(NodeId begin, NodeId end, std::initializer_list<std::pair<NodeId, NodeId>> new_values) {
    replace(begin, end, std::span<const std::pair<NodeId, NodeId>>(new_values.begin(), new_values.size()));
  }
  /// The target node that holds source node `id`'s value; InternalError when it is not
  /// copied yet or was dropped without a new value.
  NodeId mapped(NodeId id) const;
  /// Copies the remaining nodes and returns the new graph (named as the source).
  Graph finish();

 private:
  BlockId map_block(BlockId block);

  const Graph& source_;
  Graph target_;
  NodeId next_ = 0;
  std::vector<NodeId> map_;             // source node -> target node; -1: none
  std::vector<BlockId> block_map_;      // source block -> target block; kNoBlock: not opened
  std::vector<bool> block_has_nodes_;   // of source blocks
  std::vector<NodeId> inputs_;          // scratch
};

/// Where a block sits in its graph, for replacing it.
struct BlockSite {
  BlockId block = kNoBlock;
  NodeId begin = 0, end = 0;     // its nodes: [begin, end)
  std::vector<NodeId> inputs;    // values from outside it that its nodes read, in first-read order
  std::vector<NodeId> outputs;   // its nodes whose value a node outside it reads, in graph order
  /// Empty when the block can be replaced as one value: its nodes are contiguous and
  /// exactly one of them is read outside it. Otherwise why not, e.g. "block 'features.3'
  /// (ibn): its node 'features.3.expand.act' is read outside the block too".
  std::string why_not;
};
BlockSite block_site(const Graph& graph, const ConsumerIndex& readers, BlockId block);

/// Makes a block's replacement in `target` from its inputs (mapped into `target`);
/// returns the node that stands for the block's output.
using BlockEmitter = std::function<NodeId(Graph& target, const BlockSite& site, std::span<const NodeId> inputs)>;
/// A copy of `graph` with each of `sites` (replaceable, in graph order, disjoint)
/// replaced by what `emit` makes of it.
Graph replace_blocks(const Graph& graph, std::span<const BlockSite> sites, const BlockEmitter& emit);

/// Whether rebuild_block can rebuild the block: empty, or why not ("block 'x' (ibn) has
/// no spec", or a spec that the block's module rebuilds: nb201, fbnet, LR-ASPP and SSDLite
/// prediction heads).
std::string why_not_rebuildable(const Graph& graph, BlockId block);
/// Emits block `block` of `source` anew into `target` from its kind, name and spec, on
/// `inputs` (its site's inputs, mapped); returns its output. InternalError when
/// why_not_rebuildable is not empty.
NodeId rebuild_block(Graph& target, const Graph& source, BlockId block, std::span<const NodeId> inputs);

}  // namespace hwnas::graph
