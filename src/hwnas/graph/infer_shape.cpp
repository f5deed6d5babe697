#include "hwnas/graph/infer_shape.h"

#include <fmt/format.h>

#include "hwnas/base/checked.h"
#include "hwnas/base/error.h"
#include "hwnas/graph/overloaded.h"

namespace hwnas::graph {
namespace {

class ShapeContext {
 public:
  ShapeContext(const Op& op, std::span<const Shape> inputs, std::string_view node)
      : op_(op), inputs_(inputs), node_(node) {}

  template <class... Args>
  [[noreturn]] void fail(fmt::format_string<Args...> format, Args&&... args) const {
    throw UserError(fmt::format("node '{}' ({}): {}", node_, op_name(op_),
                                fmt::format(format, std::forward<Args>(args)...)));
  }

  void expect_inputs(std::size_t count) const {
    if (inputs_.size() != count)
      fail("takes {} input{}, got {}", count, count == 1 ? "" : "s", inputs_.size());
  }
  void expect_at_least(std::size_t count) const {
    if (inputs_.size() < count) fail("takes at least {} inputs, got {}", count, inputs_.size());
  }
  void expect_positive(std::int32_t value, std::string_view what) const {
    if (value <= 0) fail("{} must be positive, got {}", what, value);
  }
  void expect_non_negative(std::int32_t value, std::string_view what) const {
    if (value < 0) fail("{} must not be negative, got {}", what, value);
  }
  const Shape& in(std::size_t i = 0) const { return inputs_[i]; }
  std::span<const Shape> all() const { return inputs_; }

  // One axis of a convolution or pooling window; `ceil_mode` only for pooling.
  std::int32_t window(std::int32_t in, std::int32_t kernel, std::int32_t stride,
                      std::int32_t pad, std::int32_t dilation, bool ceil_mode,
                      std::string_view axis) const {
    const std::int64_t out = window_output_size(in, kernel, stride, pad, dilation, ceil_mode);
    if (out >= 1 && fits_int32(out)) return static_cast<std::int32_t>(out);
    const std::string dilated =
        std::holds_alternative<Conv2d>(op_) ? fmt::format(", dilation {}", dilation) : "";
    if (out <= 0)
      fail("{} {} is too small for kernel {} (padding {}{}); use a larger input or a smaller "
           "kernel",
           axis, in, kernel, pad, dilated);
    fail("output {} {} is more than {}, the largest dimension hwnas represents (input {}, "
         "kernel {}, stride {}, padding {}{}); use a smaller padding",
         axis, out, INT32_MAX, in, kernel, stride, pad, dilated);
  }

  // A dimension computed in int64 (a sum of channels, a scaled height) as an int32.
  std::int32_t dimension(std::int64_t value, std::string_view what) const {
    if (!fits_int32(value))
      fail("{} {} is more than {}, the largest dimension hwnas represents", what, value,
           INT32_MAX);
    return static_cast<std::int32_t>(value);
  }

 private:
  const Op& op_;
  std::span<const Shape> inputs_;
  std::string_view node_;
};

Shape conv_shape(const Conv2d& p, const ShapeContext& ctx) {
  ctx.expect_inputs(1);
  ctx.expect_positive(p.out_channels, "out_channels");
  ctx.expect_positive(p.kernel_h, "kernel height");
  ctx.expect_positive(p.kernel_w, "kernel width");
  ctx.expect_positive(p.stride_h, "stride");
  ctx.expect_positive(p.stride_w, "stride");
  ctx.expect_positive(p.dilation_h, "dilation");
  ctx.expect_positive(p.dilation_w, "dilation");
  ctx.expect_positive(p.groups, "groups");
  ctx.expect_non_negative(p.pad_h, "padding");
  ctx.expect_non_negative(p.pad_w, "padding");
  const Shape& x = ctx.in();
  if (x.c % p.groups != 0)
    ctx.fail("input has {} channels, not divisible by groups {}", x.c, p.groups);
  if (p.out_channels % p.groups != 0)
    ctx.fail("out_channels {} is not divisible by groups {}", p.out_channels, p.groups);
  const Shape out{
      p.out_channels,
      ctx.window(x.h, p.kernel_h, p.stride_h, p.pad_h, p.dilation_h, false, "height"),
      ctx.window(x.w, p.kernel_w, p.stride_w, p.pad_w, p.dilation_w, false, "width")};
  // node_macs and node_params (analysis.cpp) rely on these fitting in int64.
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

Shape pool_shape(const Pool& p, const ShapeContext& ctx) {
  ctx.expect_inputs(1);
  ctx.expect_positive(p.kernel_h, "kernel height");
  ctx.expect_positive(p.kernel_w, "kernel width");
  ctx.expect_positive(p.stride_h, "stride");
  ctx.expect_positive(p.stride_w, "stride");
  ctx.expect_non_negative(p.pad_h, "padding");
  ctx.expect_non_negative(p.pad_w, "padding");
  if (p.pad_h > p.kernel_h / 2 || p.pad_w > p.kernel_w / 2)
    ctx.fail("padding {}x{} must be at most half the kernel {}x{} (PyTorch's rule)", p.pad_h,
             p.pad_w, p.kernel_h, p.kernel_w);
  const Shape& x = ctx.in();
  return {x.c, ctx.window(x.h, p.kernel_h, p.stride_h, p.pad_h, 1, p.ceil_mode, "height"),
          ctx.window(x.w, p.kernel_w, p.stride_w, p.pad_w, 1, p.ceil_mode, "width")};
}

Shape same_shape(const ShapeContext& ctx) {
  ctx.expect_inputs(1);
  return ctx.in();
}

}  // namespace

std::int64_t window_output_size(std::int32_t in, std::int32_t kernel, std::int32_t stride,
                                std::int32_t pad, std::int32_t dilation, bool ceil_mode) {
  HWNAS_CHECK(stride > 0);
  // In int64 every term of int32 arguments stays below 2^63 / 2: nothing overflows.
  const std::int64_t span = std::int64_t{in} + 2 * std::int64_t{pad} -
                            std::int64_t{dilation} * (std::int64_t{kernel} - 1) - 1 +
                            (ceil_mode ? stride - 1 : 0);
  const std::int64_t floor_div = span / stride - (span % stride < 0 ? 1 : 0);
  std::int64_t out = floor_div + 1;
  // PyTorch drops a last window that would start inside the right padding.
  if (ceil_mode && (out - 1) * stride >= std::int64_t{in} + pad) --out;
  return out;
}

std::int32_t same_padding(std::int32_t kernel, std::int32_t dilation, std::string_view node_name) {
  const std::int64_t pad = std::int64_t{dilation} * (std::int64_t{kernel} - 1) / 2;
  if (!fits_int32(pad))
    throw UserError(fmt::format("node '{}' (conv2d): dilation {} with kernel {} needs a 'same' "
                                "padding of {}, more than {}; use a smaller dilation or kernel",
                                node_name, dilation, kernel, pad, INT32_MAX));
  return static_cast<std::int32_t>(pad);
}

Shape infer_shape(const Op& op, std::span<const Shape> inputs, std::string_view node_name) {
  const ShapeContext ctx(op, inputs, node_name);
  const Shape out = std::visit(
      Overloaded{
          [&](const Input& p) -> Shape {
            ctx.expect_inputs(0);
            ctx.expect_positive(p.channels, "channels");
            ctx.expect_positive(p.height, "height");
            ctx.expect_positive(p.width, "width");
            return {p.channels, p.height, p.width};
          },
          [&](const Conv2d& p) { return conv_shape(p, ctx); },
          [&](const BatchNorm&) { return same_shape(ctx); },
          [&](const Activation&) { return same_shape(ctx); },
          [&](const Dropout& p) {
            if (p.rate_percent < 0 || p.rate_percent >= 100)
              ctx.fail("rate must be in [0, 1), got {}", p.rate_percent / 100.0);
            return same_shape(ctx);
          },
          [&](const Zero&) { return same_shape(ctx); },
          [&](const Output&) { return same_shape(ctx); },
          [&](const Add&) -> Shape {
            ctx.expect_at_least(2);
            for (std::size_t i = 1; i < ctx.all().size(); ++i)
              if (!(ctx.in(i) == ctx.in()))
                ctx.fail("input {} has shape {}, input 0 has {}; add needs equal shapes", i,
                         to_string(ctx.in(i)), to_string(ctx.in()));
            return ctx.in();
          },
          [&](const Mul&) -> Shape {
            ctx.expect_inputs(2);
            const Shape &a = ctx.in(0), &b = ctx.in(1);
            if (a == b || (b.c == a.c && b.h == 1 && b.w == 1)) return a;
            ctx.fail("input shapes {} and {} do not broadcast; the second must equal the first "
                     "or be [{},1,1]",
                     to_string(a), to_string(b), a.c);
          },
          [&](const Concat&) -> Shape {
            ctx.expect_at_least(2);
            const Shape& first = ctx.in();
            std::int64_t channels = first.c;  // at most 2^31 inputs of < 2^31: no overflow
            for (std::size_t i = 1; i < ctx.all().size(); ++i) {
              const Shape& s = ctx.in(i);
              if (s.h != first.h || s.w != first.w)
                ctx.fail("input {} is {}x{}, input 0 is {}x{}; concat needs equal height and "
                         "width",
                         i, s.h, s.w, first.h, first.w);
              channels += s.c;
            }
            return {ctx.dimension(channels, "output channels"), first.h, first.w};
          },
          [&](const Pool& p) { return pool_shape(p, ctx); },
          [&](const GlobalPool&) -> Shape {
            ctx.expect_inputs(1);
            return {ctx.in().c, 1, 1};
          },
          [&](const Upsample& p) -> Shape {
            ctx.expect_inputs(1);
            ctx.expect_non_negative(p.scale, "scale");
            if (p.scale > 0)
              return {ctx.in().c,
                      ctx.dimension(std::int64_t{ctx.in().h} * p.scale, "output height"),
                      ctx.dimension(std::int64_t{ctx.in().w} * p.scale, "output width")};
            if (p.out_h <= 0 || p.out_w <= 0)
              ctx.fail("give a positive scale or a positive output size");
            return {ctx.in().c, p.out_h, p.out_w};
          },
          [&](const Linear& p) -> Shape {
            ctx.expect_inputs(1);
            ctx.expect_positive(p.out_features, "out_features");
            if (ctx.in().h != 1 || ctx.in().w != 1)
              ctx.fail("input is {}, linear needs a flat [C,1,1] input; add flatten or "
                       "global_pool before it",
                       to_string(ctx.in()));
            return {p.out_features, 1, 1};
          },
          [&](const Flatten&) -> Shape {
            ctx.expect_inputs(1);
            return {ctx.dimension(ctx.in().elements(), "flattened size"), 1, 1};
          },
          [&](const ChannelShuffle& p) -> Shape {
            ctx.expect_inputs(1);
            ctx.expect_positive(p.groups, "groups");
            if (ctx.in().c % p.groups != 0)
              ctx.fail("input has {} channels, not divisible by groups {}", ctx.in().c, p.groups);
            return ctx.in();
          },
      },
      op);
  // Shape::elements() and every byte count derived from it rely on this bound.
  if (!checked_product({out.c, out.h, out.w}))
    ctx.fail("output {} has more than 2^63 - 1 elements", to_string(out));
  return out;
}

}  // namespace hwnas::graph
