#include "hwnas/graph/infer_shape.h"

#include <fmt/format.h>

#include "hwnas/base/checked.h"
#include "hwnas/base/error.h"
#include "hwnas/graph/op_description.h"

namespace hwnas::graph {
namespace detail {

void ShapeContext::fail_text(const std::string& message) const {
  throw UserError(fmt::format("node '{}' ({}): {}", node_, op_name(op_), message));
}

std::int32_t ShapeContext::window(std::int32_t in, std::int32_t kernel, std::int32_t stride,
                                  std::int32_t pad_begin, std::int32_t pad_end,
                                  std::int32_t dilation, bool ceil_mode,
                                  std::string_view axis) const {
  const std::int64_t out =
      window_output_size(in, kernel, stride, pad_begin, pad_end, dilation, ceil_mode);
  if (out >= 1 && fits_int32(out)) return static_cast<std::int32_t>(out);
  const std::string dilated =
      std::holds_alternative<Conv2d>(op_) ? fmt::format(", dilation {}", dilation) : "";
  const std::string pad = pad_begin == pad_end ? fmt::format("{}", pad_begin)
                                               : fmt::format("{}+{}", pad_begin, pad_end);
  if (out <= 0)
    fail("{} {} is too small for kernel {} (padding {}{}); use a larger input or a smaller "
         "kernel",
         axis, in, kernel, pad, dilated);
  fail("output {} {} is more than {}, the largest dimension hwnas represents (input {}, "
       "kernel {}, stride {}, padding {}{}); use a smaller padding",
       axis, out, INT32_MAX, in, kernel, stride, pad, dilated);
}

std::int32_t ShapeContext::dimension(std::int64_t value, std::string_view what) const {
  if (!fits_int32(value))
    fail("{} {} is more than {}, the largest dimension hwnas represents", what, value, INT32_MAX);
  return static_cast<std::int32_t>(value);
}

}  // namespace detail

std::int64_t window_output_size(std::int32_t in, std::int32_t kernel, std::int32_t stride,
                                std::int32_t pad_begin, std::int32_t pad_end,
                                std::int32_t dilation, bool ceil_mode) {
  HWNAS_CHECK(stride > 0);
  // In int64 every term of int32 arguments stays below 2^63 / 2: nothing overflows.
  const std::int64_t span = std::int64_t{in} + std::int64_t{pad_begin} + pad_end -
                            std::int64_t{dilation} * (std::int64_t{kernel} - 1) - 1 +
                            (ceil_mode ? stride - 1 : 0);
  const std::int64_t floor_div = span / stride - (span % stride < 0 ? 1 : 0);
  std::int64_t out = floor_div + 1;
  // PyTorch drops a last window that would start inside the right padding.
  if (ceil_mode && (out - 1) * stride >= std::int64_t{in} + pad_begin) --out;
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
  const detail::ShapeContext ctx(op, inputs, node_name);
  const OpSchema& schema = op_schema(op);
  const std::size_t n = inputs.size();
  if (n < schema.min_inputs || n > schema.max_inputs) {
    if (schema.min_inputs == schema.max_inputs)
      ctx.fail("takes {} input{}, got {}", schema.min_inputs, schema.min_inputs == 1 ? "" : "s", n);
    if (schema.max_inputs == kAnyInputs) ctx.fail("takes at least {} inputs, got {}", schema.min_inputs, n);
    ctx.fail("takes {} to {} inputs, got {}", schema.min_inputs, schema.max_inputs, n);
  }
  const Shape out = std::visit(
      [&](const auto& p) { return detail::describe<std::decay_t<decltype(p)>>().shape(p, ctx); }, op);
  // Shape::elements() and every byte count derived from it rely on this bound.
  if (!checked_product({out.c, out.h, out.w}))
    ctx.fail("output {} has more than 2^63 - 1 elements", to_string(out));
  return out;
}

}  // namespace hwnas::graph
