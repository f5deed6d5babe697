// The layer ops of model files: one function per op name (internal to graph, and the
// context that ModelLayerOps builders of other modules receive).
#pragma once

#include <string>
#include <vector>

#include "hwnas/graph/graph.h"
#include "hwnas/graph/model_file.h"
#include "hwnas/graph/model_reader.h"

namespace hwnas::graph::detail {

struct LayerContext {
  Graph& graph;
  LayerReader& reader;
  std::string name;
  std::vector<NodeId> inputs;
  BlockId block = kNoBlock;  // primitive ops only
};

/// The layer's one input; fails naming the layer when it has another number of inputs.
NodeId single_input(LayerContext& c);

/// True for ops that map to one node (they accept a `block:` tag); false for block ops.
bool is_primitive_op(const std::string& op);
/// graph's ops and `extra`'s.
bool is_known_op(const std::string& op, const ModelLayerOps& extra);
std::string known_ops(const ModelLayerOps& extra);

/// Emits the layer's nodes and returns the node whose output the layer's name refers to.
NodeId build_layer(const std::string& op, LayerContext& ctx, const ModelLayerOps& extra);

}  // namespace hwnas::graph::detail
