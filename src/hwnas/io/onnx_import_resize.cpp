// Resize (opset 11+) and Upsample (opset 7-9) to the IR's Upsample (ops.h).
#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "hwnas/io/onnx_importer.h"

namespace hwnas::io::detail {

void Importer::resize(const onnx::NodeProto& node) {
  const bool upsample = node.op_type() == "Upsample";
  const Attributes a = attributes(node);
  if (upsample) a.check_known({"mode", "scales"});
  else
    a.check_known({"coordinate_transformation_mode", "cubic_coeff_a", "exclude_outside", "extrapolation_value",
                   "mode", "nearest_mode"});
  const Value& x = tensor_input(node, 0);
  const graph::Shape& s = g_.shape(x.id);
  graph::Upsample u;
  const std::string mode = a.text("mode", "nearest");
  if (mode == "nearest") u.mode = graph::UpsampleMode::nearest;
  else if (mode == "linear" || mode == "bilinear") u.mode = graph::UpsampleMode::bilinear;
  else fail(fmt::format("mode '{}' is not supported; nearest or linear", mode));
  if (a.integer("exclude_outside", 0) != 0) fail("exclude_outside 1 is not supported");
  using C = graph::ResizeCoordinates;
  const std::string coordinates = a.text("coordinate_transformation_mode", upsample ? "asymmetric" : "half_pixel");
  if (coordinates == "asymmetric") u.coordinates = C::asymmetric;
  else if (coordinates == "half_pixel") u.coordinates = C::half_pixel;
  else if (coordinates == "pytorch_half_pixel") u.coordinates = C::pytorch_half_pixel;
  else if (coordinates == "align_corners") u.coordinates = C::align_corners;
  else
    fail(fmt::format("coordinate_transformation_mode '{}' is not supported; asymmetric, half_pixel, "
                     "pytorch_half_pixel or align_corners", coordinates));
  using R = graph::NearestRounding;
  const std::string rounding = a.text("nearest_mode", "round_prefer_floor");
  if (u.mode == graph::UpsampleMode::nearest) {
    if (rounding == "floor") u.rounding = R::floor;
    else if (rounding == "ceil") u.rounding = R::ceil;
    else if (rounding == "round_prefer_floor") u.rounding = R::round_prefer_floor;
    else if (rounding == "round_prefer_ceil") u.rounding = R::round_prefer_ceil;
    else fail(fmt::format("nearest_mode '{}' is not one of floor, ceil, round_prefer_floor, round_prefer_ceil", rounding));
  }
  std::vector<double> scales, sizes;
  if (upsample) {
    if (a.has("scales")) fail("Upsample's scales attribute (opset 7) is not supported; re-export at opset 11 or later");
    scales = constant_values(node, 1);
  } else {
    const int scales_input = node.input_size() == 2 ? 1 : 2;  // opset 10 Resize: X, scales
    if (has_input(node, scales_input) && constant_input(node, scales_input).elements() > 0)
      scales = constant_values(node, scales_input);
    if (has_input(node, 3)) sizes = constant_values(node, 3);
  }
  const auto dim = [&](double v, std::string_view what) {
    if (!(v >= 1 && v <= std::numeric_limits<std::int32_t>::max())) fail(fmt::format("{} {} is out of range", what, v));
    return static_cast<std::int32_t>(v);
  };
  if (!sizes.empty()) {
    if (sizes.size() != 4 || sizes[1] != s.c) fail("sizes must be [N, C, H, W] with the input's C");
    u.scale = 0;
    u.out_h = dim(sizes[2], "output height");
    u.out_w = dim(sizes[3], "output width");
  } else {
    if (scales.size() != 4 || scales[0] != 1 || scales[1] != 1)
      fail("scales (or sizes) must be 4 constants [1, 1, sH, sW]");
    if (scales[2] == scales[3] && scales[2] >= 1 && scales[2] <= (1 << 20) && scales[2] == std::floor(scales[2])) {
      u.scale = static_cast<std::int32_t>(scales[2]);
    } else {  // ONNX: output = floor(input · scale)
      u.scale = 0;
      u.out_h = dim(std::floor(s.h * scales[2]), "output height");
      u.out_w = dim(std::floor(s.w * scales[3]), "output width");
    }
  }
  const graph::NodeId in[] = {x.id};
  emit(node, u, in, 4);
}

}  // namespace hwnas::io::detail
