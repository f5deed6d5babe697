#include <cmath>

#include "hwnas/graph/blocks.h"
#include "hwnas/graph/zoo/builders.h"

namespace hwnas::graph::zoo {

std::int32_t make_divisible(double value, std::int32_t divisor) {
  auto rounded = static_cast<std::int32_t>(value + divisor / 2.0) / divisor * divisor;
  rounded = std::max(divisor, rounded);
  if (rounded < 0.9 * value) rounded += divisor;
  return rounded;
}

NodeId add_input(Graph& g, const ZooOptions& o) {
  return g.add("input", Input{o.in_channels, o.resolution, o.resolution}, {});
}

void classifier_head(Graph& g, NodeId x, std::int32_t classes, std::int32_t dropout_percent) {
  const NodeId y = classifier(g, x, {.classes = classes, .dropout_percent = dropout_percent}, "classifier");
  g.add("output", Output{}, {y});
}

}  // namespace hwnas::graph::zoo
