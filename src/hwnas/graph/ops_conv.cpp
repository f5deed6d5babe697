// Descriptions (op_description.h) of the windowed and weighted ops: conv2d, pooling,
// global pooling, linear. Shapes follow PyTorch (infer_shape.h), counts analysis.h.
#include "hwnas/base/checked.h"
#include "hwnas/graph/infer_shape.h"
#include "hwnas/graph/op_description.h"

namespace hwnas::graph::detail {
namespace {

constexpr double kPositive = 1;

namespace conv {
constexpr std::string_view names[] = {"conv2d"};
constexpr AttrSpec out{.key = "out", .required = true, .min = kPositive, .written_always = true,
                       .onnx = "W dims[0]", .meaning = "output channels"};
constexpr AttrSpec kernel{.key = "kernel", .type = AttrType::pair, .fallback = 1, .min = kPositive,
                          .written_always = true, .onnx = "kernel_shape", .meaning = "window size"};
constexpr AttrSpec stride{.key = "stride", .type = AttrType::pair, .fallback = 1, .min = kPositive,
                          .written_always = true, .onnx = "strides"};
constexpr AttrSpec padding{.key = "padding", .type = AttrType::padding,
                           .fallback_words = "same: dilation·(kernel − 1) / 2",
                           .written_always = true, .onnx = "pads",
                           .meaning = "zeros added: p, [h, w] or [top, left, bottom, right]"};
constexpr AttrSpec dilation{.key = "dilation", .type = AttrType::pair, .fallback = 1,
                            .min = kPositive, .written_always = true, .onnx = "dilations"};
constexpr AttrSpec groups{.key = "groups", .fallback = 1, .min = kPositive,
                          .written_always = true, .onnx = "group",
                          .meaning = "depthwise: groups = input channels = out"};
constexpr AttrSpec bias{.key = "bias", .type = AttrType::boolean, .written_always = true,
                        .onnx = "input B"};
constexpr AttrSpec all[] = {out, kernel, stride, padding, dilation, groups, bias};
}  // namespace conv

// Padding words for errors: "1", or "1+0" (before+after) when asymmetric.
std::string pad_words(std::int32_t begin, std::int32_t end) {
  return begin == end ? fmt::format("{}", begin) : fmt::format("{}+{}", begin, end);
}

Shape conv_shape(const Conv2d& p, const ShapeContext& ctx) {
  ctx.expect_positive(p.out_channels, "out_channels");
  ctx.expect_positive(p.kernel_h, "kernel height");
  ctx.expect_positive(p.kernel_w, "kernel width");
  ctx.expect_positive(p.stride_h, "stride");
  ctx.expect_positive(p.stride_w, "stride");
  ctx.expect_positive(p.dilation_h, "dilation");
  ctx.expect_positive(p.dilation_w, "dilation");
  ctx.expect_positive(p.groups, "groups");
  for (const std::int32_t pad : {p.pad_h, p.pad_w, p.pad_bottom, p.pad_right})
    ctx.expect_non_negative(pad, "padding");
  const Shape& x = ctx.in();
  if (x.c % p.groups != 0)
    ctx.fail("input has {} channels, not divisible by groups {}", x.c, p.groups);
  if (p.out_channels % p.groups != 0)
    ctx.fail("out_channels {} is not divisible by groups {}", p.out_channels, p.groups);
  const Shape out{
      p.out_channels,
      ctx.window(x.h, p.kernel_h, p.stride_h, p.pad_h, p.pad_bottom, p.dilation_h, false, "height"),
      ctx.window(x.w, p.kernel_w, p.stride_w, p.pad_w, p.pad_right, p.dilation_w, false, "width")};
  // The counts below rely on these fitting in int64.
  const auto weights = checked_product({x.c / p.groups, p.kernel_h, p.kernel_w, p.out_channels});
  if (!weights || !checked_add(*weights, p.out_channels))
    ctx.fail("its parameters (out_channels {} x {} input channels per group x kernel {}x{}) do "
             "not fit in 64 bits; use a smaller kernel or fewer channels",
             p.out_channels, x.c / p.groups, p.kernel_h, p.kernel_w);
  if (!checked_product({out.c, out.h, out.w, x.c / p.groups, p.kernel_h, p.kernel_w}))
    ctx.fail("its MACs (output {} x {} input channels per group x kernel {}x{}) do not fit in "
             "64 bits; use a smaller kernel, input or padding",
             to_string(out), x.c / p.groups, p.kernel_h, p.kernel_w);
  return out;
}

namespace pool {
constexpr std::string_view names[] = {"avg_pool", "max_pool"};
constexpr AttrSpec kernel{.key = "kernel", .type = AttrType::pair, .fallback = 2, .min = kPositive,
                          .written_always = true, .onnx = "kernel_shape"};
constexpr AttrSpec stride{.key = "stride", .type = AttrType::pair, .fallback_words = "the kernel",
                          .min = kPositive, .written_always = true, .onnx = "strides"};
constexpr AttrSpec padding{.key = "padding", .type = AttrType::padding, .written_always = true,
                           .onnx = "pads",
                           .meaning = "p, [h, w] or [top, left, bottom, right]; each at most half "
                                      "the kernel"};
constexpr AttrSpec count_include_pad{.key = "count_include_pad", .type = AttrType::boolean,
                                     .fallback = 1, .onnx = "count_include_pad",
                                     .meaning = "avg_pool: padded zeros count in the mean"};
constexpr AttrSpec ceil_mode{.key = "ceil_mode", .type = AttrType::boolean, .onnx = "ceil_mode"};
constexpr AttrSpec all[] = {kernel, stride, padding, count_include_pad, ceil_mode};
}  // namespace pool

Shape pool_shape(const Pool& p, const ShapeContext& ctx) {
  ctx.expect_positive(p.kernel_h, "kernel height");
  ctx.expect_positive(p.kernel_w, "kernel width");
  ctx.expect_positive(p.stride_h, "stride");
  ctx.expect_positive(p.stride_w, "stride");
  for (const std::int32_t pad : {p.pad_h, p.pad_w, p.pad_bottom, p.pad_right})
    ctx.expect_non_negative(pad, "padding");
  if (std::max(p.pad_h, p.pad_bottom) > p.kernel_h / 2 ||
      std::max(p.pad_w, p.pad_right) > p.kernel_w / 2)
    ctx.fail("padding {}x{} must be at most half the kernel {}x{} (PyTorch's rule)",
             pad_words(p.pad_h, p.pad_bottom), pad_words(p.pad_w, p.pad_right), p.kernel_h,
             p.kernel_w);
  const Shape& x = ctx.in();
  return {x.c,
          ctx.window(x.h, p.kernel_h, p.stride_h, p.pad_h, p.pad_bottom, 1, p.ceil_mode, "height"),
          ctx.window(x.w, p.kernel_w, p.stride_w, p.pad_w, p.pad_right, 1, p.ceil_mode, "width")};
}

namespace global_pool {
constexpr std::string_view names[] = {"global_avg_pool", "global_max_pool", "global_pool"};
constexpr std::string_view kinds[] = {"avg", "max"};
constexpr AttrSpec kind{.key = "kind", .type = AttrType::choice, .fallback_words = "avg",
                        .choices = kinds, .onnx = "GlobalAveragePool / GlobalMaxPool",
                        .meaning = "op global_pool only (written as its global_*_pool name)"};
constexpr AttrSpec all[] = {kind};
}  // namespace global_pool

namespace linear {
constexpr std::string_view names[] = {"linear"};
constexpr AttrSpec out{.key = "out", .required = true, .min = kPositive, .written_always = true,
                       .onnx = "B dims[1] (Gemm, transB)", .meaning = "output features"};
constexpr AttrSpec bias{.key = "bias", .type = AttrType::boolean, .fallback = 1,
                        .written_always = true, .onnx = "input C"};
constexpr AttrSpec all[] = {out, bias};
}  // namespace linear

}  // namespace

template <>
const Description<Conv2d>& describe<Conv2d>() {
  static const Description<Conv2d> d{
      .schema = {.names = conv::names, .attributes = conv::all, .onnx = "Conv",
                 .summary = "2-D convolution, grouped or depthwise"},
      .name = [](const Conv2d&) { return conv::names[0]; },
      .read = [](std::string_view, AttrReader& r) {
        const auto [kh, kw] = r.pair(conv::kernel);
        const auto [sh, sw] = r.pair(conv::stride);
        const auto [dh, dw] = r.pair(conv::dilation);
        const auto pads = r.padding(conv::padding, {-1, -1, -1, -1});
        Conv2d c{.out_channels = r.integer(conv::out), .kernel_h = kh, .kernel_w = kw,
                 .stride_h = sh, .stride_w = sw, .dilation_h = dh, .dilation_w = dw,
                 .groups = r.integer(conv::groups), .bias = r.boolean(conv::bias)};
        const bool same = pads[0] < 0;
        c.pad_h = c.pad_bottom = same ? same_padding(kh, dh, r.node()) : pads[0];
        c.pad_w = c.pad_right = same ? same_padding(kw, dw, r.node()) : pads[1];
        if (!same) c.pad_bottom = pads[2], c.pad_right = pads[3];
        return c;
      },
      .write = [](const Conv2d& p, AttrWriter& w) {
        w.integer(conv::out, p.out_channels);
        w.pair(conv::kernel, p.kernel_h, p.kernel_w);
        w.pair(conv::stride, p.stride_h, p.stride_w);
        w.padding(conv::padding, p.pad_h, p.pad_w, p.pad_bottom, p.pad_right);
        w.pair(conv::dilation, p.dilation_h, p.dilation_w);
        w.integer(conv::groups, p.groups);
        w.boolean(conv::bias, p.bias);
      },
      .shape = conv_shape,
      .macs = [](const Conv2d& p, std::span<const Shape> in, const Shape& out) {
        return out.elements() * (in[0].c / p.groups) * p.kernel_h * p.kernel_w;
      },
      .params = [](const Conv2d& p, std::span<const Shape> in, const Shape&) {
        return std::int64_t{p.out_channels} * (in[0].c / p.groups) * p.kernel_h * p.kernel_w +
               (p.bias ? p.out_channels : 0);
      }};
  return d;
}

template <>
const Description<Pool>& describe<Pool>() {
  static const Description<Pool> d{
      .schema = {.names = pool::names, .attributes = pool::all,
                 .onnx = "AveragePool / MaxPool", .summary = "max or average pooling"},
      .name = [](const Pool& p) { return pool::names[p.kind == PoolKind::avg ? 0 : 1]; },
      .read = [](std::string_view name, AttrReader& r) {
        const auto [kh, kw] = r.pair(pool::kernel);
        const auto [sh, sw] = r.has(pool::stride) ? r.pair(pool::stride) : std::pair{kh, kw};
        const auto pads = r.padding(pool::padding, {0, 0, 0, 0});
        return Pool{.kind = name == pool::names[0] ? PoolKind::avg : PoolKind::max,
                    .kernel_h = kh, .kernel_w = kw, .stride_h = sh, .stride_w = sw,
                    .pad_h = pads[0], .pad_w = pads[1],
                    .count_include_pad = r.boolean(pool::count_include_pad),
                    .ceil_mode = r.boolean(pool::ceil_mode),
                    .pad_bottom = pads[2], .pad_right = pads[3]};
      },
      .write = [](const Pool& p, AttrWriter& w) {
        w.pair(pool::kernel, p.kernel_h, p.kernel_w);
        w.pair(pool::stride, p.stride_h, p.stride_w);
        w.padding(pool::padding, p.pad_h, p.pad_w, p.pad_bottom, p.pad_right);
        w.boolean(pool::count_include_pad, p.count_include_pad);
        w.boolean(pool::ceil_mode, p.ceil_mode);
      },
      .shape = pool_shape};
  return d;
}

template <>
const Description<GlobalPool>& describe<GlobalPool>() {
  static const Description<GlobalPool> d{
      .schema = {.names = global_pool::names, .attributes = global_pool::all,
                 .onnx = "GlobalAveragePool / GlobalMaxPool",
                 .summary = "pooling of the whole plane to [C,1,1]"},
      .name = [](const GlobalPool& p) {
        return global_pool::names[p.kind == PoolKind::avg ? 0 : 1];
      },
      .read = [](std::string_view name, AttrReader& r) {
        if (name == global_pool::names[2])
          return GlobalPool{r.choice(global_pool::kind, 0) == 0 ? PoolKind::avg : PoolKind::max};
        return GlobalPool{name == global_pool::names[0] ? PoolKind::avg : PoolKind::max};
      },
      .write = [](const GlobalPool&, AttrWriter&) {},  // the kind is in the op name
      .shape = [](const GlobalPool&, const ShapeContext& ctx) -> Shape {
        return {ctx.in().c, 1, 1};
      }};
  return d;
}

template <>
const Description<Linear>& describe<Linear>() {
  static const Description<Linear> d{
      .schema = {.names = linear::names, .attributes = linear::all, .onnx = "Gemm",
                 .summary = "fully connected layer on a flat [C,1,1] input"},
      .name = [](const Linear&) { return linear::names[0]; },
      .read = [](std::string_view, AttrReader& r) {
        return Linear{r.integer(linear::out), r.boolean(linear::bias)};
      },
      .write = [](const Linear& p, AttrWriter& w) {
        w.integer(linear::out, p.out_features);
        w.boolean(linear::bias, p.bias);
      },
      .shape = [](const Linear& p, const ShapeContext& ctx) -> Shape {
        ctx.expect_positive(p.out_features, "out_features");
        if (ctx.in().h != 1 || ctx.in().w != 1)
          ctx.fail("input is {}, linear needs a flat [C,1,1] input; add flatten or "
                   "global_pool before it",
                   to_string(ctx.in()));
        return {p.out_features, 1, 1};
      },
      .macs = [](const Linear& p, std::span<const Shape> in, const Shape&) {
        return std::int64_t{in[0].c} * p.out_features;
      },
      .params = [](const Linear& p, std::span<const Shape> in, const Shape&) {
        return std::int64_t{in[0].c} * p.out_features + (p.bias ? p.out_features : 0);
      }};
  return d;
}

}  // namespace hwnas::graph::detail
