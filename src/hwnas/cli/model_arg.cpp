#include "hwnas/cli/model_arg.h"

#include "hwnas/io/model_io.h"
#include "hwnas/space/models.h"

namespace hwnas::cli {

graph::Graph load_model_arg(std::string_view spec) {
  return io::load_model_spec(spec, [](std::string_view s) { return space::load_model(s); });
}

}  // namespace hwnas::cli
