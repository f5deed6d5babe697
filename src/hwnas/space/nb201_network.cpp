// The NAS-Bench-201 CIFAR network (../shared/data/README.md): stem conv3x3 + BN; three
// stages of N = 5 cells with C, 2C, 4C channels (C = 16 · width) joined by residual
// reduction blocks; BN-ReLU, global average pool, linear; and the smaller shapes of
// Nb201Shape (nb201.h), TE-NAS's thin copy among them.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <string_view>

#include "hwnas/base/error.h"
#include "hwnas/graph/blocks.h"
#include "hwnas/graph/zoo/builders.h"
#include "hwnas/space/nb201.h"

namespace hwnas::space {

using namespace graph;

namespace {

std::int32_t nb201_channels(const ZooOptions& o) { return std::max(1, static_cast<std::int32_t>(16 * o.width + 0.5)); }

// Text option `key` as an integer in [lo, hi]; `fallback` when not given.
std::int32_t integer_option(const ZooOptions& o, std::string_view key, std::int32_t lo, std::int32_t hi,
                            std::int32_t fallback, std::string_view meaning) {
  const auto it = o.text.find(key);
  if (it == o.text.end()) return fallback;
  const std::string& value = it->second;
  std::int32_t out = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
  if (value.empty() || ec != std::errc() || end != value.data() + value.size() || out < lo || out > hi)
    throw UserError(fmt::format("{} must be an integer in [{}, {}] ({}; NAS-Bench-201's is {}), got '{}'; give {}={}",
                                key, lo, hi, meaning, fallback, value, key, std::clamp(out, lo, hi)));
  return out;
}

}  // namespace

Nb201Shape nb201_shape(const ZooOptions& o) {
  const Nb201Shape benchmark;
  Nb201Shape shape;
  shape.cells = integer_option(o, "cells", 1, kNb201MaxCells, benchmark.cells, "cells per stage");
  shape.stages = integer_option(o, "stages", 1, 3, benchmark.stages, "stages kept, reductions between them");
  shape.stem = integer_option(o, "stem", 0, 1, 1, "1 keeps the stem conv3x3 + BN, 0 feeds the input to the first cell") == 1;
  const std::int32_t c = nb201_channels(o);
  if (!shape.stem && o.in_channels != c)
    throw UserError(fmt::format("stem=0 feeds the input to the first cell, whose channels are C = max(1, 16 * width) = "
                                "{}, but in_ch is {}; give in_ch={} or a width giving C = {} (width={} for in_ch {})",
                                c, o.in_channels, c, o.in_channels, o.in_channels / 16.0, o.in_channels));
  return shape;
}

Graph nb201_network(const Nb201Cell& cell, const ZooOptions& o, const Nb201Shape& shape) {
  const std::int32_t c = nb201_channels(o);
  HWNAS_CHECK(shape.cells >= 1 && shape.cells <= kNb201MaxCells && shape.stages >= 1 && shape.stages <= 3 &&
              (shape.stem || o.in_channels == c));
  Graph g("nb201");
  NodeId x = zoo::add_input(g, o);
  if (shape.stem) x = conv_bn_act(g, x, {.out = c, .kernel = 3, .act = std::nullopt}, "stem");
  int index = 0;
  for (int stage = 0; stage < shape.stages; ++stage) {
    if (stage > 0) x = nb201_reduction(g, x, c << stage, fmt::format("cells.{}", index++));
    for (int i = 0; i < shape.cells; ++i) x = nb201_cell(g, x, cell, fmt::format("cells.{}", index++));
  }
  x = bn_act(g, x, {ActKind::relu}, "lastact");
  zoo::classifier_head(g, x, o.classes, 0);
  return g;
}

}  // namespace hwnas::space
