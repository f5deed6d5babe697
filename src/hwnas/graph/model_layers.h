// The layer ops of model files (internal): one function per op name.
#pragma once

#include <string>
#include <vector>

#include "hwnas/graph/graph.h"
#include "hwnas/graph/model_reader.h"

namespace hwnas::graph::detail {

struct LayerContext {
  Graph& graph;
  LayerReader& reader;
  std::string name;
  std::vector<NodeId> inputs;
  BlockId block = kNoBlock;  // primitive ops only
};

/// True for ops that map to one node (they accept a `block:` tag); false for block ops.
bool is_primitive_op(const std::string& op);
bool is_known_op(const std::string& op);
std::string known_ops();

/// Emits the layer's nodes and returns the node whose output the layer's name refers to.
NodeId build_layer(const std::string& op, LayerContext& ctx);

}  // namespace hwnas::graph::detail
