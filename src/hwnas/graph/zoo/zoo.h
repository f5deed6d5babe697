// The reference model zoo and MODEL specs ("mobilenet_v2:width=0.5,res=160").
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "hwnas/graph/graph.h"

namespace hwnas::graph {

/// Options every zoo builder receives; each model declares which of them it accepts.
struct ZooOptions {
  double width = 1.0;          // width multiplier
  std::int32_t resolution = 224;
  std::int32_t in_channels = 3;
  std::int32_t classes = 1000;
  std::string arch;    // nb201: the NAS-Bench-201 architecture string
  std::string blocks;  // fbnet: 22 block names joined by '-'
};

struct ZooOptionInfo {
  std::string_view key;  // as written in a spec: width, res, in_ch, classes, arch, blocks
  std::string_view default_value;
  std::string_view help;
};

struct ZooModel {
  std::string_view name;
  std::string_view description;
  std::vector<ZooOptionInfo> options;
  Graph (*build)(const ZooOptions&);
};

/// All zoo models, in the order `hwnas zoo` lists them.
const std::vector<ZooModel>& zoo_models();

/// Builds a model from "name[:key=value,...]". Throws UserError for unknown names or
/// options and bad values, naming the spec and listing what is allowed.
Graph build_zoo_model(std::string_view spec);

/// A zoo spec, or a path to a model file (.yaml, .yml, .json).
Graph load_model(std::string_view spec);

}  // namespace hwnas::graph
