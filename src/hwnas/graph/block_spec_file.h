// Block specs as files write them (docs/model-format.md): a block entry's `spec` mapping,
// `{type: ibn, out: 24, expanded: 96, kernel: 3, ...}`. Model files (model_load.cpp,
// model_save.cpp) and ONNX files (io: the "hwnas.blocks" metadata) both use this form.
#pragma once

#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>
#include <string>

#include "hwnas/graph/consumers.h"
#include "hwnas/graph/graph.h"

namespace hwnas::graph {

/// The spec as a model file writes it: `type` (block_spec_name), then the fields that are
/// not at their defaults (the reader restores those). Null for no spec.
nlohmann::ordered_json block_spec_json(const BlockSpec& spec);

/// Reads a block's `spec` mapping. Throws UserError "FILE:LINE: block 'NAME' spec: ..." for
/// an unknown type, a type that does not fit `kind`, an unknown key or a bad value.
/// `source` names where the mapping is in errors (a model file's path; for ONNX, the file
/// and its "hwnas.blocks" metadata).
BlockSpec read_block_spec(const YAML::Node& spec, const std::string& source, const std::string& block, BlockKind kind);

namespace detail {

/// Empty when the block's nodes are what its spec builds (or it has no spec, or one that
/// graph cannot rebuild, or its nodes are not one replaceable site); else why not, naming
/// the first node that differs.
std::string spec_mismatch(const Graph& graph, const ConsumerIndex& readers, BlockId block);

}  // namespace detail
}  // namespace hwnas::graph
