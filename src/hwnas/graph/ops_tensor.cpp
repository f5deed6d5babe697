// Descriptions (op_description.h) of the ops without weights or windows: input, batch
// norm, activations, elementwise and channel ops, flatten, dropout, output.
#include "hwnas/graph/op_description.h"

#include <cmath>

namespace hwnas::graph::detail {
namespace {

constexpr double kPositive = 1;

Shape same_shape(const ShapeContext& ctx) { return ctx.in(); }

namespace input {
constexpr std::string_view names[] = {"input"};
constexpr AttrSpec shape{.key = "shape", .type = AttrType::ints, .required = true, .count = 3,
                         .onnx = "graph input dims [N, C, H, W]",
                         .meaning = "[channels, height, width] of one sample"};
constexpr AttrSpec all[] = {shape};
}  // namespace input

namespace batch_norm {
constexpr std::string_view names[] = {"batch_norm"};
constexpr AttrSpec affine{.key = "affine", .type = AttrType::boolean, .fallback = 1,
                          .onnx = "scale and B inputs", .meaning = "learnt weight and bias"};
constexpr AttrSpec epsilon{.key = "epsilon", .type = AttrType::real,
                           .fallback = kDefaultBatchNormEpsilon, .min = 0, .max = 1,
                           .onnx = "epsilon", .meaning = "added to the variance"};
constexpr AttrSpec all[] = {affine, epsilon};
}  // namespace batch_norm

namespace activation {
// In ActKind's order.
constexpr std::string_view names[] = {"relu",    "relu6", "hardswish", "hardsigmoid",
                                      "sigmoid", "silu",  "identity"};
}  // namespace activation

namespace channel_shuffle {
constexpr std::string_view names[] = {"channel_shuffle"};
constexpr AttrSpec groups{.key = "groups", .required = true, .min = kPositive,
                          .written_always = true, .onnx = "Reshape-Transpose-Reshape"};
constexpr AttrSpec all[] = {groups};
}  // namespace channel_shuffle

namespace dropout {
constexpr std::string_view names[] = {"dropout"};
constexpr AttrSpec rate{.key = "rate", .type = AttrType::real, .min = 0, .max = 0.99,
                        .written_always = true, .onnx = "ratio",
                        .meaning = "training only; kept in whole percent"};
constexpr AttrSpec all[] = {rate};
}  // namespace dropout

// An op without attributes: names, arity, ONNX operator, summary and shape function.
template <class T>
Description<T> plain(std::span<const std::string_view> names, std::size_t min_inputs,
                     std::size_t max_inputs, std::string_view onnx, std::string_view summary,
                     Shape (*shape)(const T&, const ShapeContext&)) {
  return {.schema = {.names = names, .min_inputs = min_inputs, .max_inputs = max_inputs,
                     .onnx = onnx, .summary = summary},
          .name = [](const T&) { return op_schema(Op(T{})).names[0]; },
          .read = [](std::string_view, AttrReader&) { return T{}; },
          .write = [](const T&, AttrWriter&) {},
          .shape = shape};
}

constexpr std::string_view add_names[] = {"add"};
constexpr std::string_view mul_names[] = {"mul"};
constexpr std::string_view concat_names[] = {"concat"};
constexpr std::string_view flatten_names[] = {"flatten"};
constexpr std::string_view zero_names[] = {"zero"};
constexpr std::string_view output_names[] = {"output"};

}  // namespace

template <>
const Description<Input>& describe<Input>() {
  static const Description<Input> d{
      .schema = {.names = input::names, .min_inputs = 0, .max_inputs = 0,
                 .attributes = input::all, .onnx = "graph input", .summary = "a network input"},
      .name = [](const Input&) { return input::names[0]; },
      .read = [](std::string_view, AttrReader& r) {
        const auto s = r.ints(input::shape);
        return Input{s[0], s[1], s[2]};
      },
      .write = [](const Input& p, AttrWriter& w) {
        const std::int32_t s[] = {p.channels, p.height, p.width};
        w.ints(input::shape, s);
      },
      .shape = [](const Input& p, const ShapeContext& ctx) -> Shape {
        ctx.expect_positive(p.channels, "channels");
        ctx.expect_positive(p.height, "height");
        ctx.expect_positive(p.width, "width");
        return {p.channels, p.height, p.width};
      }};
  return d;
}

template <>
const Description<BatchNorm>& describe<BatchNorm>() {
  static const Description<BatchNorm> d{
      .schema = {.names = batch_norm::names, .attributes = batch_norm::all,
                 .onnx = "BatchNormalization", .summary = "batch normalisation over channels"},
      .name = [](const BatchNorm&) { return batch_norm::names[0]; },
      .read = [](std::string_view, AttrReader& r) {
        return BatchNorm{r.boolean(batch_norm::affine), r.real(batch_norm::epsilon)};
      },
      .write = [](const BatchNorm& p, AttrWriter& w) {
        w.boolean(batch_norm::affine, p.affine);
        w.real(batch_norm::epsilon, p.epsilon);
      },
      .shape = [](const BatchNorm&, const ShapeContext& ctx) { return same_shape(ctx); },
      .params = [](const BatchNorm& p, std::span<const Shape>, const Shape& out) {
        return p.affine ? 2 * std::int64_t{out.c} : 0;
      }};
  return d;
}

template <>
const Description<Activation>& describe<Activation>() {
  static const Description<Activation> d{
      .schema = {.names = activation::names,
                 .onnx = "Relu, Clip(0, 6), HardSwish, HardSigmoid, Sigmoid, x·Sigmoid(x), "
                         "Identity",
                 .summary = "elementwise activation, one op name per kind"},
      .name = [](const Activation& p) { return act_name(p.kind); },
      .read = [](std::string_view name, AttrReader&) {
        std::size_t i = 0;
        while (activation::names[i] != name) ++i;
        return Activation{static_cast<ActKind>(i)};
      },
      .write = [](const Activation&, AttrWriter&) {},
      .shape = [](const Activation&, const ShapeContext& ctx) { return same_shape(ctx); }};
  return d;
}

template <>
const Description<ChannelShuffle>& describe<ChannelShuffle>() {
  static const Description<ChannelShuffle> d{
      .schema = {.names = channel_shuffle::names, .attributes = channel_shuffle::all,
                 .onnx = "Reshape, Transpose, Reshape", .summary = "ShuffleNet's channel shuffle"},
      .name = [](const ChannelShuffle&) { return channel_shuffle::names[0]; },
      .read = [](std::string_view, AttrReader& r) {
        return ChannelShuffle{r.integer(channel_shuffle::groups)};
      },
      .write = [](const ChannelShuffle& p, AttrWriter& w) {
        w.integer(channel_shuffle::groups, p.groups);
      },
      .shape = [](const ChannelShuffle& p, const ShapeContext& ctx) -> Shape {
        ctx.expect_positive(p.groups, "groups");
        if (ctx.in().c % p.groups != 0)
          ctx.fail("input has {} channels, not divisible by groups {}", ctx.in().c, p.groups);
        return ctx.in();
      }};
  return d;
}

template <>
const Description<Dropout>& describe<Dropout>() {
  static const Description<Dropout> d{
      .schema = {.names = dropout::names, .attributes = dropout::all, .onnx = "Dropout",
                 .summary = "training-time dropout; inference no-op"},
      .name = [](const Dropout&) { return dropout::names[0]; },
      .read = [](std::string_view, AttrReader& r) {
        return Dropout{static_cast<std::int32_t>(std::lround(r.real(dropout::rate) * 100))};
      },
      .write = [](const Dropout& p, AttrWriter& w) { w.real(dropout::rate, p.rate_percent / 100.0); },
      .shape = [](const Dropout& p, const ShapeContext& ctx) {
        if (p.rate_percent < 0 || p.rate_percent >= 100)
          ctx.fail("rate must be in [0, 1), got {}", p.rate_percent / 100.0);
        return same_shape(ctx);
      }};
  return d;
}

template <>
const Description<Add>& describe<Add>() {
  static const Description<Add> d = plain<Add>(
      add_names, 2, kAnyInputs, "Add (chained)", "elementwise sum of equal shapes",
      [](const Add&, const ShapeContext& ctx) {
        for (std::size_t i = 1; i < ctx.all().size(); ++i)
          if (!(ctx.in(i) == ctx.in()))
            ctx.fail("input {} has shape {}, input 0 has {}; add needs equal shapes", i,
                     to_string(ctx.in(i)), to_string(ctx.in()));
        return ctx.in();
      });
  return d;
}

template <>
const Description<Mul>& describe<Mul>() {
  static const Description<Mul> d = plain<Mul>(
      mul_names, 2, 2, "Mul", "elementwise product; the second may be [C,1,1]",
      [](const Mul&, const ShapeContext& ctx) -> Shape {
        const Shape &a = ctx.in(0), &b = ctx.in(1);
        if (a == b || (b.c == a.c && b.h == 1 && b.w == 1)) return a;
        ctx.fail("input shapes {} and {} do not broadcast; the second must equal the first or "
                 "be [{},1,1]",
                 to_string(a), to_string(b), a.c);
      });
  return d;
}

template <>
const Description<Concat>& describe<Concat>() {
  static const Description<Concat> d = plain<Concat>(
      concat_names, 2, kAnyInputs, "Concat (axis 1)", "concatenation along channels",
      [](const Concat&, const ShapeContext& ctx) -> Shape {
        const Shape& first = ctx.in();
        std::int64_t channels = first.c;  // at most 2^31 inputs of < 2^31: no overflow
        for (std::size_t i = 1; i < ctx.all().size(); ++i) {
          const Shape& s = ctx.in(i);
          if (s.h != first.h || s.w != first.w)
            ctx.fail("input {} is {}x{}, input 0 is {}x{}; concat needs equal height and width",
                     i, s.h, s.w, first.h, first.w);
          channels += s.c;
        }
        return {ctx.dimension(channels, "output channels"), first.h, first.w};
      });
  return d;
}

template <>
const Description<Flatten>& describe<Flatten>() {
  static const Description<Flatten> d = plain<Flatten>(
      flatten_names, 1, 1, "Flatten", "[C,H,W] -> [C·H·W,1,1], a view",
      [](const Flatten&, const ShapeContext& ctx) -> Shape {
        return {ctx.dimension(ctx.in().elements(), "flattened size"), 1, 1};
      });
  return d;
}

template <>
const Description<Zero>& describe<Zero>() {
  static const Description<Zero> d =
      plain<Zero>(zero_names, 1, 1, "Mul by 0", "zeros shaped like the input (NAS-Bench-201's none)",
                  [](const Zero&, const ShapeContext& ctx) { return same_shape(ctx); });
  return d;
}

template <>
const Description<Output>& describe<Output>() {
  static const Description<Output> d =
      plain<Output>(output_names, 1, 1, "graph output", "marks a network output",
                    [](const Output&, const ShapeContext& ctx) { return same_shape(ctx); });
  return d;
}

}  // namespace hwnas::graph::detail

namespace hwnas::graph {

std::string_view act_name(ActKind kind) {
  return detail::activation::names[static_cast<std::size_t>(kind)];
}

}  // namespace hwnas::graph
