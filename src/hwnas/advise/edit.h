// Helpers the passes share: labels for messages, rebuilding blocks from changed specs
// (with the blocks that read a changed block rebuilt too), copying a graph with edited ops
// or specs, and turning a new graph into a PassResult with its record.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "hwnas/advise/pass.h"
#include "hwnas/graph/graph.h"

namespace hwnas::advise {

/// "block 'features.2' (ibn)", the start of every why_not about a block.
std::string block_label(const graph::Graph& graph, graph::BlockId block);
/// "node 'Relu_12' (relu6)" for a layer site (the node's op name), block_label for a block.
std::string site_label(const graph::Graph& graph, const Site& site);

/// A graph with each block of `changes` emitted anew from its new kind and spec, and each
/// block of `rebuild` emitted anew from its own spec (e.g. the readers of a block whose
/// output channels changed). Every such block must be replaceable (block_site) and its
/// spec rebuildable (graph/rewrite.h); returns the reason in `why_not` otherwise. Shape
/// errors (UserError) propagate.
struct SpecChange {
  graph::BlockKind kind;
  graph::BlockSpec spec;
};
graph::Graph rebuild_blocks(const graph::Graph& graph, const std::map<graph::BlockId, SpecChange>& changes,
                            const std::vector<graph::BlockId>& rebuild, std::string& why_not);

/// A copy of `graph` (same node and block ids and names) where node n has op `op_of(n)`
/// and block b spec `spec_of(b)`; shapes are inferred again.
graph::Graph copy_editing(const graph::Graph& graph, const std::function<graph::Op(graph::NodeId)>& op_of,
                          const std::function<graph::BlockSpec(graph::BlockId)>& spec_of);

/// The blocks other than `block` that read a node of `block` (in graph order, each once);
/// nodes outside blocks that read it are reported in `loose` (their names).
std::vector<graph::BlockId> reader_blocks(const graph::Graph& graph, graph::BlockId block,
                                          std::vector<std::string>* loose = nullptr);

/// The PassResult of a successful application: the record's node lists and totals are
/// computed from the two graphs; `what` gains "; residual add now active: NAME" when an Add
/// node appears (a block rebuilt from its spec whose input and output come to match).
PassResult accepted(const graph::Graph& before, graph::Graph after, std::string_view rule, const Site& site,
                    std::string what);
PassResult refused(std::string why_not);

/// Integer parameter `key` of resolved params in [lo, hi]; UserError naming key and range.
std::int32_t int_param(const Params& params, std::string_view key, std::int32_t lo, std::int32_t hi);

}  // namespace hwnas::advise
