// The reference model zoo and MODEL specs ("mobilenet_v2:width=0.5,res=160").
//
// graph's zoo holds the generic networks; modules above graph add theirs through
// ModelExtensions (the search spaces' networks, nb201 and fbnet: space/models.h).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "hwnas/graph/graph.h"
#include "hwnas/graph/model_file.h"

namespace hwnas::graph {

/// Options every zoo builder receives; each model declares which of them it accepts.
struct ZooOptions {
  double width = 1.0;          // width multiplier
  std::int32_t resolution = 224;
  std::int32_t in_channels = 3;
  std::int32_t classes = 1000;
  /// A model's text options by key, as written (e.g. nb201's "arch"): every declared key
  /// other than width, res, in_ch and classes.
  std::map<std::string, std::string, std::less<>> text;
};

struct ZooOptionInfo {
  std::string_view key;  // as written in a spec: width, res, in_ch, classes, or a text option
  std::string_view default_value;
  std::string_view help;
};

struct ZooModel {
  std::string_view name;
  std::string_view description;
  std::vector<ZooOptionInfo> options;
  std::function<Graph(const ZooOptions&)> build;  // throws UserError for bad options
};

/// What modules above graph add to MODEL specs and model files.
struct ModelExtensions {
  std::vector<ZooModel> zoo;  // listed after graph's own models
  ModelLayerOps layer_ops;    // block layer ops of model files
};

/// The options of an image model: width, res, in_ch, classes (with these defaults).
std::vector<ZooOptionInfo> image_options(std::string_view res, std::string_view classes);

/// graph's zoo models, then `extensions.zoo`, in the order `hwnas zoo` lists them.
std::vector<ZooModel> zoo_models(const ModelExtensions& extensions);
/// graph's own zoo models.
const std::vector<ZooModel>& zoo_models();

/// Builds a model from "name[:key=value,...]". Throws UserError for unknown names or
/// options and bad values, naming the spec and listing what is allowed.
Graph build_zoo_model(std::string_view spec, const ModelExtensions& extensions = {});

/// A zoo spec, or a path to a model file (.yaml, .yml, .json).
Graph load_model(std::string_view spec, const ModelExtensions& extensions = {});

}  // namespace hwnas::graph
