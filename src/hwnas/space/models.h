// MODEL specs and model files that include the search spaces' networks: graph's zoo and
// layer ops, plus the zoo models `nb201:arch=ARCH` and `fbnet:blocks=BLOCKS` and the
// model-file layers nb201_cell (arch), nb201_reduction (out) and fbnet (block, out,
// stride). Every command that takes a MODEL resolves it here (docs/cli.md).
#pragma once

#include <optional>
#include <string>
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

/// The architecture a MODEL spec names in its space's own string, for tables keyed by it
/// (hw/table/table_target.h): "nb201:arch=A,classes=100" -> {"nb201:arch=", "A", true}.
struct SpecArchitecture {
  std::string_view prefix;     // zoo_arch_prefix of its space
  std::string arch;            // the space's arch() string, as the spec writes it (unchecked)
  bool other_options = false;  // options follow the architecture (",classes=100")
};
/// nullopt when the spec starts with no zoo_arch_prefix. NB201 and FBNet architecture
/// strings hold no ',', so the first ',' starts the options.
std::optional<SpecArchitecture> spec_architecture(std::string_view spec);
/// How MODEL specs name architectures, for messages: "nb201:arch=KEY or fbnet:blocks=KEY".
std::string spec_architecture_forms();

}  // namespace hwnas::space
