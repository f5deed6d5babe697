// Block recognition for imported networks (ONNX files not written by hwnas carry no
// blocks): conv-BN-act, IBN, fused IBN (each with or without squeeze-excite and residual),
// ResNet basic and bottleneck blocks and the classifier head are found and tagged with
// their kind and spec, so that rewrites and the advisor see the blocks the zoo's model has.
//
// A candidate block is accepted only when graph's own builder (blocks.h), given the spec
// read from the nodes, rebuilds exactly those nodes (ops, shapes, edges; an Add's inputs in
// either order) as consecutive nodes; anything else stays untagged.
#pragma once

#include "hwnas/graph/graph.h"

namespace hwnas::io {

/// `graph` with its blocks recognised: the same nodes in the same order (== holds but for
/// the block tags, and an Add's inputs put in the builder's order). A graph that has
/// blocks already is returned unchanged.
graph::Graph recognise_blocks(const graph::Graph& graph);

}  // namespace hwnas::io
