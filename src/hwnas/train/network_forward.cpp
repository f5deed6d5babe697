// NetworkImpl::forward: each IR op as the PyTorch call torchvision makes for it.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <limits>

#include "hwnas/base/error.h"
#include "hwnas/graph/overloaded.h"
#include "hwnas/train/network.h"

namespace hwnas::train {
namespace {

namespace F = torch::nn::functional;
using graph::NodeId;

/// `twice_differentiable`: hardsigmoid and hardswish composed of ops whose backward has a
/// derivative (NetworkImpl::set_twice_differentiable).
torch::Tensor activation(graph::ActKind kind, torch::Tensor x, bool in_place, bool twice_differentiable) {
  if (twice_differentiable && (kind == graph::ActKind::hardsigmoid || kind == graph::ActKind::hardswish)) {
    const torch::Tensor gate = torch::hardtanh(x + 3.0, 0.0, 6.0) / 6.0;  // hardsigmoid(x)
    return kind == graph::ActKind::hardsigmoid ? gate : x * gate;
  }
  switch (kind) {
    case graph::ActKind::relu: return in_place ? torch::relu_(x) : torch::relu(x);
    case graph::ActKind::relu6: return in_place ? torch::hardtanh_(x, 0.0, 6.0) : torch::hardtanh(x, 0.0, 6.0);
    case graph::ActKind::hardswish: return in_place ? torch::hardswish_(x) : torch::hardswish(x);
    case graph::ActKind::hardsigmoid: return in_place ? torch::hardsigmoid_(x) : torch::hardsigmoid(x);
    case graph::ActKind::sigmoid: return in_place ? torch::sigmoid_(x) : torch::sigmoid(x);
    case graph::ActKind::silu: return in_place ? torch::silu_(x) : torch::silu(x);
    case graph::ActKind::identity: return x;
  }
  throw InternalError("unknown activation kind");
}

std::string shape_text(torch::IntArrayRef sizes) { return fmt::format("[{}]", fmt::join(sizes, ",")); }

}  // namespace

torch::Tensor NetworkImpl::run_node(NodeId id, const std::vector<torch::Tensor>& values,
                                    const torch::Tensor& input) {
  const Layer& layer = layers_[static_cast<std::size_t>(id)];
  const std::span<const NodeId> in = graph_.inputs(id);
  const auto arg = [&](std::size_t i) -> const torch::Tensor& {
    return values[static_cast<std::size_t>(in[i])];
  };
  const graph::Shape& out = graph_.shape(id);
  return std::visit(
      Overloaded{
          [&](const graph::Input&) { return input.contiguous(memory_format_); },
          [&](const graph::Conv2d& p) {
            if (p.symmetric())
              return torch::conv2d(arg(0), layer.weight, layer.bias, {p.stride_h, p.stride_w},
                                   {p.pad_h, p.pad_w}, {p.dilation_h, p.dilation_w}, p.groups);
            // Asymmetric (ONNX pads): zeros added before the convolution, as ONNX Runtime does.
            return torch::conv2d(torch::constant_pad_nd(arg(0), {p.pad_w, p.pad_right, p.pad_h, p.pad_bottom}),
                                 layer.weight, layer.bias, {p.stride_h, p.stride_w}, std::vector<std::int64_t>{0, 0},
                                 {p.dilation_h, p.dilation_w}, p.groups);
          },
          [&](const graph::BatchNorm& p) {
            if (is_training()) layer.num_batches_tracked.add_(1);
            const double momentum =
                batch_norm_momentum_ ? *batch_norm_momentum_
                                     : 1.0 / static_cast<double>(std::max<std::int64_t>(
                                                 layer.num_batches_tracked.item<std::int64_t>(), 1));
            return torch::batch_norm(arg(0), layer.weight, layer.bias, layer.running_mean,
                                     layer.running_var, is_training(), momentum, p.epsilon, true);
          },
          [&](const graph::Activation& p) { return activation(p.kind, arg(0), layer.in_place, twice_differentiable_); },
          [&](const graph::Add&) {
            torch::Tensor sum = arg(0) + arg(1);
            for (std::size_t i = 2; i < in.size(); ++i) sum.add_(arg(i));
            return sum;
          },
          [&](const graph::Mul&) { return arg(0) * arg(1); },
          [&](const graph::Concat&) {
            std::vector<torch::Tensor> parts;
            for (std::size_t i = 0; i < in.size(); ++i) parts.push_back(arg(i));
            return torch::cat(parts, 1);
          },
          [&](const graph::Pool& p) {
            // Asymmetric padding (check_trainable: without ceil_mode, and counted in an
            // average) is added before the pool: -inf for max, zeros for average.
            const bool pre_pad = !p.symmetric();
            const bool max = p.kind == graph::PoolKind::max;
            const torch::Tensor x =
                pre_pad ? torch::constant_pad_nd(arg(0), {p.pad_w, p.pad_right, p.pad_h, p.pad_bottom},
                                                 max ? -std::numeric_limits<double>::infinity() : 0.0)
                        : arg(0);
            const std::vector<std::int64_t> pad =
                pre_pad ? std::vector<std::int64_t>{0, 0} : std::vector<std::int64_t>{p.pad_h, p.pad_w};
            if (max)
              return torch::max_pool2d(x, {p.kernel_h, p.kernel_w}, {p.stride_h, p.stride_w}, pad,
                                       {1, 1}, p.ceil_mode);
            return torch::avg_pool2d(x, {p.kernel_h, p.kernel_w}, {p.stride_h, p.stride_w}, pad,
                                     p.ceil_mode, p.count_include_pad);
          },
          [&](const graph::GlobalPool& p) {
            if (p.kind == graph::PoolKind::max)
              return std::get<0>(torch::adaptive_max_pool2d(arg(0), {1, 1}));
            return torch::adaptive_avg_pool2d(arg(0), {1, 1});
          },
          [&](const graph::Upsample& p) {
            auto options = F::InterpolateFuncOptions().size(std::vector<std::int64_t>{out.h, out.w});
            // check_trainable refused the coordinates and roundings not run here.
            if (p.mode == graph::UpsampleMode::nearest) return F::interpolate(arg(0), options.mode(torch::kNearest));
            return F::interpolate(arg(0), options.mode(torch::kBilinear)
                                              .align_corners(p.coordinates == graph::ResizeCoordinates::align_corners));
          },
          [&](const graph::Linear&) {
            const torch::Tensor& x = arg(0);
            return torch::linear(x.flatten(1), layer.weight, layer.bias).view({x.size(0), out.c, 1, 1});
          },
          [&](const graph::Flatten&) { return arg(0).reshape({arg(0).size(0), out.c, 1, 1}); },
          [&](const graph::ChannelShuffle& p) {
            const torch::Tensor& x = arg(0);
            return x.reshape({x.size(0), p.groups, out.c / p.groups, out.h, out.w})
                .transpose(1, 2)
                .reshape({x.size(0), out.c, out.h, out.w});
          },
          [&](const graph::Zero&) { return torch::zeros_like(arg(0)); },
          [&](const graph::Dropout& p) { return torch::dropout(arg(0), p.rate_percent / 100.0, is_training()); },
          [&](const graph::Output&) { return arg(0); },
      },
      graph_.op(id));
}

std::vector<torch::Tensor> NetworkImpl::forward(const torch::Tensor& input) {
  const NodeId input_node = graph_.input_nodes().front();
  const graph::Shape& expected = graph_.shape(input_node);
  // float32, or float64 after to(torch::kDouble) (the synflow proxy's double precision).
  const std::vector<torch::Tensor> params = parameters();
  const torch::ScalarType dtype = params.empty() ? torch::kFloat : params.front().scalar_type();
  if (input.dim() != 4 || input.size(1) != expected.c || input.size(2) != expected.h ||
      input.size(3) != expected.w || input.scalar_type() != dtype)
    throw UserError(fmt::format(
        "network '{}' takes {} input [N,{},{},{}] (its node '{}'), got {} {}; build the "
        "model at the resolution and input channels of the data",
        graph_.name(), dtype == torch::kDouble ? "float64" : "float32", expected.c, expected.h, expected.w,
        graph_.node_name(input_node), torch::toString(input.scalar_type()), shape_text(input.sizes())));

  std::vector<torch::Tensor> values(layers_.size());
  std::vector<torch::Tensor> outputs;
  for (NodeId id = 0; id < graph_.size(); ++id) {
    torch::Tensor value = run_node(id, values, input);
    const graph::Shape& s = graph_.shape(id);
    if (value.dim() != 4 || value.size(1) != s.c || value.size(2) != s.h || value.size(3) != s.w)
      throw InternalError(fmt::format("network '{}': node '{}' ({}) computed {}, shape inference "
                                      "says [N,{},{},{}]",
                                      graph_.name(), graph_.node_name(id), graph::op_name(graph_.op(id)),
                                      shape_text(value.sizes()), s.c, s.h, s.w));
    if (std::holds_alternative<graph::Output>(graph_.op(id)))
      outputs.push_back(layers_[static_cast<std::size_t>(id)].flat ? value.flatten(1) : value.contiguous());
    values[static_cast<std::size_t>(id)] = std::move(value);
    for (const NodeId in : graph_.inputs(id))  // free what no later node reads
      if (layers_[static_cast<std::size_t>(in)].last_use == id) values[static_cast<std::size_t>(in)] = torch::Tensor();
  }
  return outputs;
}

}  // namespace hwnas::train
