#include "hwnas/train/data/resize.h"

#include <algorithm>

namespace hwnas::train {

AxisMap axis_map(std::int32_t source, std::int32_t output) {
  AxisMap map;
  const double scale = static_cast<double>(source) / output;
  for (std::int32_t o = 0; o < output; ++o) {
    const double at = std::max(0.0, (o + 0.5) * scale - 0.5);
    const auto lo = std::min(static_cast<std::int32_t>(at), source - 1);
    map.lo.push_back(lo);
    map.hi.push_back(std::min(lo + 1, source - 1));
    map.weight.push_back(static_cast<float>(at - lo));
    map.nearest.push_back(std::min(static_cast<std::int32_t>((o + 0.5) * scale), source - 1));
  }
  return map;
}

std::vector<float> resize_bilinear(const std::uint8_t* image, std::int32_t source_h, std::int32_t source_w,
                                   std::int32_t output_h, std::int32_t output_w) {
  const AxisMap rows = axis_map(source_h, output_h), columns = axis_map(source_w, output_w);
  std::vector<float> out(static_cast<std::size_t>(output_h) * output_w);
  for (std::int32_t y = 0; y < output_h; ++y) {
    const std::uint8_t* top = image + std::size_t(rows.lo[y]) * source_w;
    const std::uint8_t* bottom = image + std::size_t(rows.hi[y]) * source_w;
    const float wy = rows.weight[y];
    for (std::int32_t x = 0; x < output_w; ++x) {
      const std::int32_t x0 = columns.lo[x], x1 = columns.hi[x];
      const float wx = columns.weight[x];
      const float upper = top[x0] + wx * (top[x1] - top[x0]);
      const float lower = bottom[x0] + wx * (bottom[x1] - bottom[x0]);
      out[std::size_t(y) * output_w + x] = upper + wy * (lower - upper);
    }
  }
  return out;
}

}  // namespace hwnas::train
