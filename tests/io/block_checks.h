// Comparing recognised blocks with the zoo's (block_recognition_test, onnx_torchvision_test).
#pragma once

#include <variant>

#include "hwnas/graph/graph.h"

namespace hwnas::testing {

/// Equal specs; or IBN specs equal but for `residual` where the block has no Add (the
/// channels or stride rule a residual out, so the flag is not in the nodes: mnasnet1_0's
/// layers.3 says false, mobilenet_v2's features.1 true).
inline bool same_spec(const graph::Graph& g, graph::BlockId b, const graph::BlockSpec& other) {
  if (g.block(b).spec == other) return true;
  const auto* a = std::get_if<graph::IbnSpec>(&g.block(b).spec);
  const auto* o = std::get_if<graph::IbnSpec>(&other);
  if (a == nullptr || o == nullptr) return false;
  graph::IbnSpec flipped = *a;
  flipped.residual = o->residual;
  for (graph::NodeId id = 0; id < g.size(); ++id)
    if (g.node(id).block == b && std::holds_alternative<graph::Add>(g.op(id))) return false;
  return flipped == *o;
}

}  // namespace hwnas::testing
