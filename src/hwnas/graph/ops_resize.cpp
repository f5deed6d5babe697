// Description (op_description.h) of upsample, ONNX Resize: mode, scale or size, and the
// coordinate transformation and nearest rounding (ops.h, docs/model-format.md).
#include "hwnas/graph/op_description.h"

namespace hwnas::graph::detail {
namespace {

constexpr double kPositive = 1;

namespace upsample {
constexpr std::string_view names[] = {"upsample"};
constexpr std::string_view modes[] = {"nearest", "bilinear"};  // UpsampleMode's order
constexpr std::string_view transforms[] = {"asymmetric", "half_pixel", "pytorch_half_pixel",
                                           "align_corners"};  // ResizeCoordinates's order
constexpr std::string_view roundings[] = {"floor", "ceil", "round_prefer_floor",
                                          "round_prefer_ceil"};  // NearestRounding's order
constexpr AttrSpec mode{.key = "mode", .type = AttrType::choice, .fallback_words = "nearest",
                        .choices = modes, .written_always = true,
                        .onnx = "mode (bilinear: linear)"};
constexpr AttrSpec scale{.key = "scale", .fallback = 2, .min = kPositive, .written_always = true,
                         .onnx = "scales input", .meaning = "integer factor; not with size"};
constexpr AttrSpec size{.key = "size", .type = AttrType::ints, .fallback_words = "none",
                        .count = 2, .onnx = "sizes input",
                        .meaning = "[height, width] of the output; not with scale"};
constexpr AttrSpec coordinates{
    .key = "coordinates", .type = AttrType::choice,
    .fallback_words = "PyTorch's: asymmetric for nearest, pytorch_half_pixel for bilinear",
    .choices = transforms, .onnx = "coordinate_transformation_mode"};
constexpr AttrSpec rounding{.key = "rounding", .type = AttrType::choice,
                            .fallback_words = "floor (PyTorch's)", .choices = roundings,
                            .onnx = "nearest_mode", .meaning = "mode nearest only"};
constexpr AttrSpec all[] = {mode, scale, size, coordinates, rounding};
}  // namespace upsample

}  // namespace

template <>
const Description<Upsample>& describe<Upsample>() {
  static const Description<Upsample> d{
      .schema = {.names = upsample::names, .attributes = upsample::all, .onnx = "Resize",
                 .summary = "resize by an integer factor or to a size"},
      .name = [](const Upsample&) { return upsample::names[0]; },
      .read = [](std::string_view, AttrReader& r) {
        Upsample u;
        u.mode = static_cast<UpsampleMode>(r.choice(upsample::mode, 0));
        if (r.has(upsample::size)) {
          if (r.has(upsample::scale)) r.fail("give scale or size, not both");
          const auto s = r.ints(upsample::size);
          u.scale = 0, u.out_h = s[0], u.out_w = s[1];
        } else {
          u.scale = r.integer(upsample::scale);
        }
        u.coordinates = static_cast<ResizeCoordinates>(r.choice(
            upsample::coordinates, static_cast<std::size_t>(default_coordinates(u.mode))));
        if (u.mode != UpsampleMode::nearest && r.has(upsample::rounding))
          r.fail("rounding applies to mode nearest only");
        u.rounding = static_cast<NearestRounding>(r.choice(upsample::rounding, 0));
        return u;
      },
      .write = [](const Upsample& p, AttrWriter& w) {
        w.choice(upsample::mode, static_cast<std::size_t>(p.mode), 0);
        if (p.scale > 0) w.integer(upsample::scale, p.scale);
        else w.ints(upsample::size, std::array{p.out_h, p.out_w});
        w.choice(upsample::coordinates, static_cast<std::size_t>(p.coordinates),
                 static_cast<std::size_t>(default_coordinates(p.mode)));
        w.choice(upsample::rounding, static_cast<std::size_t>(p.rounding), 0);
      },
      .shape = [](const Upsample& p, const ShapeContext& ctx) -> Shape {
        ctx.expect_non_negative(p.scale, "scale");
        if (p.mode != UpsampleMode::nearest && p.rounding != NearestRounding::floor)
          ctx.fail("rounding {} applies to mode nearest only", rounding_name(p.rounding));
        if (p.scale > 0)
          return {ctx.in().c, ctx.dimension(std::int64_t{ctx.in().h} * p.scale, "output height"),
                  ctx.dimension(std::int64_t{ctx.in().w} * p.scale, "output width")};
        if (p.out_h <= 0 || p.out_w <= 0) ctx.fail("give a positive scale or a positive output size");
        return {ctx.in().c, p.out_h, p.out_w};
      }};
  return d;
}

}  // namespace hwnas::graph::detail

namespace hwnas::graph {

std::string_view upsample_name(UpsampleMode mode) {
  return detail::upsample::modes[static_cast<std::size_t>(mode)];
}
std::string_view coordinates_name(ResizeCoordinates coordinates) {
  return detail::upsample::transforms[static_cast<std::size_t>(coordinates)];
}
std::string_view rounding_name(NearestRounding rounding) {
  return detail::upsample::roundings[static_cast<std::size_t>(rounding)];
}

}  // namespace hwnas::graph
