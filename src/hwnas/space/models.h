// MODEL specs and model files that include the search spaces' networks: graph's zoo and
// layer ops, plus the zoo models `nb201:arch=ARCH` and `fbnet:blocks=BLOCKS` and the
// model-file layers nb201_cell (arch), nb201_reduction (out) and fbnet (block, out,
// stride). Every command that takes a MODEL resolves it here (docs/cli.md).
#pragma once

#include <string_view>
#include <vector>

#include "hwnas/graph/zoo/zoo.h"
#include "hwnas/space/space.h"

namespace hwnas::space {

/// NB201's and FBNet's zoo models and layer ops, for graph's zoo and model loader.
const graph::ModelExtensions& model_extensions();

/// Every zoo model, in the order `hwnas zoo` lists them.
std::vector<graph::ZooModel> zoo_models();

/// graph::build_zoo_model and graph::load_model with model_extensions(). Errors as theirs;
/// a malformed architecture names the spec and the string (nb201.h, fbnet.h).
graph::Graph build_zoo_model(std::string_view spec);
graph::Graph load_model(std::string_view spec);

/// The column that names architectures (the space's arch() strings) in the benchmark
/// tables of ../shared/data (README.md there): "blocks" for fbnet, "arch" for the others.
std::string_view benchmark_key_column(const Space& space);

/// How a MODEL spec names one architecture of `space` alone: "nb201:arch=" and
/// "fbnet:blocks=" (followed by arch()); empty for a space without a zoo model.
std::string_view zoo_arch_prefix(const Space& space);

}  // namespace hwnas::space
