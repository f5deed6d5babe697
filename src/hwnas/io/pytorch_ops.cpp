// Each op of the IR as the PyTorch call it stands for (pytorch_export.h, graph/ops.h).
#include "hwnas/io/pytorch_ops.h"

#include <fmt/format.h>

#include <algorithm>

#include "hwnas/base/error.h"
#include "hwnas/graph/overloaded.h"

namespace hwnas::io::detail {
namespace {

using graph::ResizeCoordinates;

std::string pair(std::int32_t h, std::int32_t w) { return h == w ? fmt::format("{}", h) : fmt::format("({}, {})", h, w); }

/// `v` at rank `rank`: a flat value used where a map is needed gets two unit axes.
std::string at_rank(const PyValue& v, int rank) { return v.rank >= rank ? v.var : v.var + "[:, :, None, None]"; }

int max_rank(std::span<const PyValue> inputs) {
  int r = 2;
  for (const PyValue& v : inputs) r = std::max(r, v.rank);
  return r;
}

std::string joined(std::span<const PyValue> inputs, int rank, std::string_view separator) {
  std::string out;
  for (const PyValue& v : inputs) out += (out.empty() ? "" : std::string(separator)) + at_rank(v, rank);
  return out;
}

std::string pool(const graph::Pool& p, const graph::Shape& in, const graph::Shape& out, const std::string& x,
                 PyNode& n) {
  const bool max = p.kind == graph::PoolKind::max;
  const std::string kernel = pair(p.kernel_h, p.kernel_w), stride = pair(p.stride_h, p.stride_w);
  if (p.symmetric() && 2 * p.pad_h <= p.kernel_h && 2 * p.pad_w <= p.kernel_w) {  // PyTorch's own padding
    std::string args = fmt::format("{}, {}, stride={}", x, kernel, stride);
    if (p.pad_h != 0 || p.pad_w != 0) args += ", padding=" + pair(p.pad_h, p.pad_w);
    if (p.ceil_mode) args += ", ceil_mode=True";
    if (!max && !p.count_include_pad) args += ", count_include_pad=False";
    return fmt::format("F.{}_pool2d({})", max ? "max" : "avg", args);
  }
  // Padded first; the rows and columns past the padding that ceil_mode's last windows reach
  // are padded too, so that a floor-mode pool gives shape inference's size.
  const auto extra = [](std::int32_t in_len, std::int32_t out_len, std::int32_t k, std::int32_t s, std::int32_t padded) {
    return std::max<std::int64_t>(0, std::int64_t{out_len - 1} * s + k - (std::int64_t{in_len} + padded));
  };
  const std::int64_t right = extra(in.w, out.w, p.kernel_w, p.stride_w, p.pad_w + p.pad_right);
  const std::int64_t bottom = extra(in.h, out.h, p.kernel_h, p.stride_h, p.pad_h + p.pad_bottom);
  if (max)
    return fmt::format("F.max_pool2d(F.pad({}, ({}, {}, {}, {}), value=float(\"-inf\")), {}, stride={})", x, p.pad_w,
                       p.pad_right + right, p.pad_h, p.pad_bottom + bottom, kernel, stride);
  n.helpers.push_back("_avg_pool_padded");
  return fmt::format("_avg_pool_padded({}, {}, {}, ({}, {}, {}, {}), ({}, {}), {})", x, kernel, stride, p.pad_w,
                     p.pad_right, p.pad_h, p.pad_bottom, right, bottom, p.count_include_pad ? "True" : "False");
}

// Sizes are literals (the helpers read no shapes), so traced and scripted modules compute the same.
std::string upsample(const graph::Upsample& u, const graph::Shape& in, const graph::Shape& out, const std::string& x,
                     PyNode& n) {
  const std::string size = u.scale > 0 ? fmt::format("scale_factor={}", u.scale)
                                       : fmt::format("size=({}, {})", u.out_h, u.out_w);
  const std::string coordinates(graph::coordinates_name(u.coordinates));
  if (u.mode == graph::UpsampleMode::nearest) {
    if (u.coordinates == ResizeCoordinates::asymmetric && u.rounding == graph::NearestRounding::floor)
      return fmt::format("F.interpolate({}, {}, mode=\"nearest\")", x, size);
    // floor((x_out + 0.5)·scale): half_pixel rounded half up.
    if (u.coordinates == ResizeCoordinates::half_pixel && u.rounding == graph::NearestRounding::round_prefer_ceil)
      return fmt::format("F.interpolate({}, {}, mode=\"nearest-exact\")", x, size);
    n.helpers.insert(n.helpers.end(), {"_source_coordinates", "_resize_nearest"});
    return fmt::format("_resize_nearest({}, ({}, {}), ({}, {}), \"{}\", \"{}\")", x, in.h, in.w, out.h, out.w,
                       coordinates, graph::rounding_name(u.rounding));
  }
  // PyTorch's align_corners=False is half_pixel; ONNX's pytorch_half_pixel differs from it
  // for an output length of 1 (coordinate 0, not in_len / 2 - 0.5).
  if (u.coordinates == ResizeCoordinates::half_pixel ||
      (u.coordinates == ResizeCoordinates::pytorch_half_pixel && out.h > 1 && out.w > 1))
    return fmt::format("F.interpolate({}, {}, mode=\"bilinear\", align_corners=False)", x, size);
  if (u.coordinates == ResizeCoordinates::align_corners)
    return fmt::format("F.interpolate({}, {}, mode=\"bilinear\", align_corners=True)", x, size);
  n.helpers.insert(n.helpers.end(), {"_source_coordinates", "_resize_bilinear"});
  return fmt::format("_resize_bilinear({}, ({}, {}), ({}, {}), \"{}\")", x, in.h, in.w, out.h, out.w, coordinates);
}

std::string activation(graph::ActKind kind, const std::string& x) {
  switch (kind) {
    case graph::ActKind::relu: return fmt::format("F.relu({})", x);
    case graph::ActKind::relu6: return fmt::format("F.relu6({})", x);
    case graph::ActKind::hardswish: return fmt::format("F.hardswish({})", x);
    case graph::ActKind::hardsigmoid: return fmt::format("F.hardsigmoid({})", x);
    case graph::ActKind::sigmoid: return fmt::format("torch.sigmoid({})", x);
    case graph::ActKind::silu: return fmt::format("F.silu({})", x);
    case graph::ActKind::identity: return "";
  }
  throw InternalError("unknown activation kind");
}

}  // namespace

PyNode python_node(const graph::Graph& g, graph::NodeId id, std::span<const PyValue> inputs,
                   const std::string& attribute) {
  PyNode n;
  const graph::Shape& out = g.shape(id);
  const auto map = [&](std::size_t i) { return at_rank(inputs[i], 4); };
  const auto keep_rank = [&] { n.rank = inputs[0].rank; };
  const auto in_shape = [&] { return g.shape(g.inputs(id)[0]); };
  std::visit(
      Overloaded{
          [&](const graph::Input&) {},   // forward's parameters (pytorch_export.cpp)
          [&](const graph::Output&) {},  // forward's return values (pytorch_export.cpp)
          [&](const graph::Conv2d& c) {
            std::string args = fmt::format("{}, {}, kernel_size={}", in_shape().c, c.out_channels, pair(c.kernel_h, c.kernel_w));
            if (c.stride_h != 1 || c.stride_w != 1) args += ", stride=" + pair(c.stride_h, c.stride_w);
            if (c.symmetric() && (c.pad_h != 0 || c.pad_w != 0)) args += ", padding=" + pair(c.pad_h, c.pad_w);
            if (c.dilation_h != 1 || c.dilation_w != 1) args += ", dilation=" + pair(c.dilation_h, c.dilation_w);
            if (c.groups != 1) args += fmt::format(", groups={}", c.groups);
            if (!c.bias) args += ", bias=False";
            n.module = fmt::format("nn.Conv2d({})", args);
            const std::string x = c.symmetric() ? map(0)
                                                : fmt::format("F.pad({}, ({}, {}, {}, {}))", map(0), c.pad_w,
                                                              c.pad_right, c.pad_h, c.pad_bottom);
            n.expr = fmt::format("self.{}({})", attribute, x);
          },
          [&](const graph::BatchNorm& b) {
            keep_rank();
            std::string args = fmt::format("{}", out.c);
            if (b.epsilon != graph::kDefaultBatchNormEpsilon) args += fmt::format(", eps={}", b.epsilon);
            if (!b.affine) args += ", affine=False";
            n.module = fmt::format("nn.BatchNorm{}d({})", n.rank == 4 ? 2 : 1, args);
            n.expr = fmt::format("self.{}({})", attribute, inputs[0].var);
          },
          [&](const graph::Activation& a) {
            keep_rank();
            n.expr = activation(a.kind, inputs[0].var);
          },
          [&](const graph::Add&) {
            n.rank = max_rank(inputs);
            n.expr = joined(inputs, n.rank, " + ");
          },
          [&](const graph::Mul&) {
            n.rank = max_rank(inputs);
            n.expr = joined(inputs, n.rank, " * ");
          },
          [&](const graph::Concat&) {
            n.rank = max_rank(inputs);
            n.expr = fmt::format("torch.cat([{}], 1)", joined(inputs, n.rank, ", "));
          },
          [&](const graph::Pool& p) { n.expr = pool(p, in_shape(), out, map(0), n); },
          [&](const graph::GlobalPool& p) {
            n.expr = fmt::format("F.adaptive_{}_pool2d({}, 1)", p.kind == graph::PoolKind::max ? "max" : "avg", map(0));
          },
          [&](const graph::Upsample& u) { n.expr = upsample(u, in_shape(), out, map(0), n); },
          [&](const graph::Linear& l) {
            n.rank = 2;
            n.module = fmt::format("nn.Linear({}, {}{})", in_shape().elements(), l.out_features, l.bias ? "" : ", bias=False");
            n.expr = fmt::format("self.{}({})", attribute,
                                 inputs[0].rank == 2 ? inputs[0].var : fmt::format("{}.flatten(1)", inputs[0].var));
          },
          [&](const graph::Flatten&) {
            n.rank = 2;
            if (inputs[0].rank == 4) n.expr = fmt::format("torch.flatten({}, 1)", inputs[0].var);
          },
          [&](const graph::ChannelShuffle& c) {
            n.expr = fmt::format("{}.reshape(-1, {}, {}, {}, {}).transpose(1, 2).reshape(-1, {}, {}, {})", map(0), c.groups,
                                 out.c / c.groups, out.h, out.w, out.c, out.h, out.w);
          },
          [&](const graph::Zero&) {
            keep_rank();
            n.expr = fmt::format("torch.zeros_like({})", inputs[0].var);
          },
          [&](const graph::Dropout& d) {
            keep_rank();
            n.expr = fmt::format("F.dropout({}, {}, self.training)", inputs[0].var, d.rate_percent / 100.0);
          },
      },
      g.op(id));
  return n;
}

std::string_view python_helper(std::string_view name) {
  // Indices and weights are computed in Python floats (float64) from literal sizes and
  // made tensors by x.new_tensor, so torch.jit.trace and torch.fx see constants.
  if (name == "_source_coordinates") return R"py(def _source_coordinates(in_len, out_len, coordinates):
    """The input coordinate of each output pixel along one axis, as ONNX Resize's
    coordinate_transformation_mode computes it (scale = out_len / in_len, divided by)."""
    scale = out_len / in_len
    if coordinates == "asymmetric":
        return [o / scale for o in range(out_len)]
    if coordinates == "align_corners":
        return [o * (in_len - 1) / (out_len - 1) if out_len > 1 else 0.0 for o in range(out_len)]
    if coordinates == "pytorch_half_pixel" and out_len == 1:
        return [0.0]
    return [(o + 0.5) / scale - 0.5 for o in range(out_len)]  # half_pixel, pytorch_half_pixel


)py";
  if (name == "_resize_nearest") return R"py(def _resize_nearest(x, in_size, size, coordinates, rounding):
    """ONNX Resize, mode nearest, for the coordinates and roundings F.interpolate lacks:
    each output pixel copies the input pixel its coordinate rounds to (clamped)."""
    for axis, in_len, out_len in ((2, in_size[0], size[0]), (3, in_size[1], size[1])):
        index = []
        for at in _source_coordinates(in_len, out_len, coordinates):
            if rounding == "floor":
                i = at // 1
            elif rounding == "ceil":
                i = -(-at // 1)
            elif rounding == "round_prefer_floor":
                i = -(-(at - 0.5) // 1)
            else:  # round_prefer_ceil
                i = (at + 0.5) // 1
            index.append(min(max(int(i), 0), in_len - 1))
        x = x.index_select(axis, x.new_tensor(index, dtype=torch.long))
    return x


)py";
  if (name == "_resize_bilinear") return R"py(def _resize_bilinear(x, in_size, size, coordinates):
    """ONNX Resize, mode linear, for the coordinates F.interpolate lacks: along each axis,
    the two input pixels around the coordinate (clamped to the input), weighted by distance."""
    for axis, in_len, out_len in ((2, in_size[0], size[0]), (3, in_size[1], size[1])):
        low, high, weight = [], [], []
        for at in _source_coordinates(in_len, out_len, coordinates):
            at = min(max(at, 0.0), in_len - 1.0)
            low.append(int(at // 1))
            high.append(min(low[-1] + 1, in_len - 1))
            weight.append(at - low[-1])
        shape = [1, 1, 1, 1]
        shape[axis] = out_len
        w = x.new_tensor(weight).reshape(shape)
        x = (x.index_select(axis, x.new_tensor(low, dtype=torch.long)) * (1 - w) +
             x.index_select(axis, x.new_tensor(high, dtype=torch.long)) * w)
    return x


)py";
  if (name == "_avg_pool_padded") return R"py(def _avg_pool_padded(x, kernel, stride, pads, extra, count_include_pad):
    """F.avg_pool2d with padding (left, right, top, bottom) PyTorch does not take (asymmetric,
    or over half the kernel) and `extra` (right, bottom) columns and rows past it that only
    ceil_mode's last windows reach: each window's sum over the elements it counts (the
    input's, and the padding's when count_include_pad) divided by their number."""
    beyond = (0, extra[0], 0, extra[1])
    counted = F.pad(torch.ones_like(x[:1, :1]), pads, value=1.0 if count_include_pad else 0.0)
    total = F.avg_pool2d(F.pad(F.pad(x, pads), beyond), kernel, stride)
    return total / F.avg_pool2d(F.pad(counted, beyond), kernel, stride)


)py";
  throw InternalError(fmt::format("no Python helper '{}'", name));
}

}  // namespace hwnas::io::detail
