// Bilinear resampling with half-pixel centres (PyTorch's interpolate, mode bilinear,
// align_corners=False, no antialiasing), shared by batches and the scene generator.
#pragma once

#include <cstdint>
#include <vector>

namespace hwnas::train {

/// One axis of a resize from `source` to `output` pixels: for each output coordinate o the
/// two source pixels interpolated (lo, hi) and the weight of hi, from the source position
/// max(0, (o + 0.5) · source / output − 0.5); and `nearest`, the source pixel under o's
/// centre, floor((o + 0.5) · source / output), for label maps.
struct AxisMap {
  std::vector<std::int32_t> lo, hi, nearest;
  std::vector<float> weight;
};

AxisMap axis_map(std::int32_t source, std::int32_t output);

/// A source_h × source_w byte image resized to output_h × output_w, values in 0–255 (not rounded).
std::vector<float> resize_bilinear(const std::uint8_t* image, std::int32_t source_h, std::int32_t source_w,
                                   std::int32_t output_h, std::int32_t output_w);

}  // namespace hwnas::train
