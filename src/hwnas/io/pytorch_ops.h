// Internal to the PyTorch export (pytorch_export.h): what one node becomes in Python.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hwnas/graph/graph.h"

namespace hwnas::io::detail {

/// A value of forward(): its Python variable and rank (4: [N, C, H, W], 2: [N, F]).
struct PyValue {
  std::string var;
  int rank = 4;
};

/// One node in Python.
struct PyNode {
  std::string module;  // the module's constructor (nn.Conv2d(...)) for a node with one, else ""
  std::string expr;    // the value's expression in forward; "" when it is input 0's value (an alias)
  int rank = 4;
  std::vector<std::string_view> helpers;  // helper functions `expr` calls (python_helper)
};

/// Node `id` of `g`, whose inputs are `inputs` and whose module (if any) is `self.<attribute>`.
PyNode python_node(const graph::Graph& g, graph::NodeId id, std::span<const PyValue> inputs,
                   const std::string& attribute);

/// The source of helper function `name` (one of PyNode::helpers), ending in a blank line.
std::string_view python_helper(std::string_view name);

}  // namespace hwnas::io::detail
