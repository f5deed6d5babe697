#include "hwnas/train/network.h"

#include <ATen/CPUGeneratorImpl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "hwnas/base/error.h"
#include "hwnas/graph/overloaded.h"

namespace hwnas::train {
namespace {

using graph::NodeId;

/// The name tensors of node `id` go under: its graph name, or "#ID" for an unnamed node.
std::string node_label(const graph::Graph& g, NodeId id) {
  const std::string_view name = g.node_name(id);
  return name.empty() ? fmt::format("#{}", id) : std::string(name);
}

/// A torch submodule name for `label`, unique among `taken`: '.' becomes '_'.
std::string submodule_name(std::string label, NodeId id, std::set<std::string>& taken) {
  for (char& c : label)
    if (c == '.') c = '_';
  if (!taken.insert(label).second) {
    label += fmt::format("_{}", id);
    taken.insert(label);
  }
  return label;
}

/// How an op's output is flat ([N, F] for the user): made by linear and flatten, kept by
/// elementwise ops and concats whose inputs are all flat.
enum class Flat : std::uint8_t { no, keeps, makes };

/// What the module builder needs to know of an op. Every op is listed, so a new op must
/// say whether it has parameters.
struct OpTraits {
  bool has_state = false;     // parameters or buffers (conv, batch norm, linear)
  Flat flat = Flat::no;
  bool overwritable = false;  // no autograd node needs its output for backward (conv,
                              // batch norm and linear save their input; add saves nothing),
                              // so a sole consumer may overwrite it
};

OpTraits traits_of(const graph::Op& op) {
  constexpr OpTraits keeps_flat{.flat = Flat::keeps};
  constexpr OpTraits plain{};
  return std::visit(
      Overloaded{
          // {has_state, flat, overwritable}
          [](const graph::Conv2d&) { return OpTraits{true, Flat::no, true}; },
          [](const graph::BatchNorm&) { return OpTraits{true, Flat::keeps, true}; },
          [](const graph::Linear&) { return OpTraits{true, Flat::makes, true}; },
          [](const graph::Add&) { return OpTraits{false, Flat::keeps, true}; },
          [](const graph::Flatten&) { return OpTraits{false, Flat::makes, false}; },
          [&](const graph::Activation&) { return keeps_flat; },
          [&](const graph::Mul&) { return keeps_flat; },
          [&](const graph::Concat&) { return keeps_flat; },
          [&](const graph::Zero&) { return keeps_flat; },
          [&](const graph::Dropout&) { return keeps_flat; },
          [&](const graph::Output&) { return keeps_flat; },
          [&](const graph::Input&) { return plain; },
          [&](const graph::Pool&) { return plain; },
          [&](const graph::GlobalPool&) { return plain; },
          [&](const graph::Upsample&) { return plain; },
          [&](const graph::ChannelShuffle&) { return plain; },
      },
      op);
}

/// Refuses, naming the node, an attribute value that run_node has no PyTorch call for.
void check_trainable(const graph::Graph& g, NodeId id) {
  const graph::Op& op = g.op(id);
  const auto refuse = [&](const std::string& what) {
    throw UserError(fmt::format("network '{}': node '{}' ({}): {}", g.name(), node_label(g, id),
                                graph::op_name(op), what));
  };
  if (const auto* pool = std::get_if<graph::Pool>(&op); pool && !pool->symmetric()) {
    if (pool->ceil_mode)
      refuse("training does not run asymmetric padding with ceil_mode; set ceil_mode false or "
             "pad symmetrically");
    if (pool->kind == graph::PoolKind::avg && !pool->count_include_pad)
      refuse("training does not run asymmetric padding with count_include_pad false; set it "
             "true or pad symmetrically");
  }
  if (const auto* up = std::get_if<graph::Upsample>(&op)) {
    const graph::Shape& out = g.shape(id);
    using graph::ResizeCoordinates;
    const bool runs =
        up->mode == graph::UpsampleMode::nearest
            ? up->coordinates == ResizeCoordinates::asymmetric &&
                  up->rounding == graph::NearestRounding::floor
            : up->coordinates == ResizeCoordinates::pytorch_half_pixel ||
                  up->coordinates == ResizeCoordinates::align_corners ||
                  (up->coordinates == ResizeCoordinates::half_pixel && out.h > 1 && out.w > 1);
    if (!runs)
      refuse(fmt::format("training runs nearest with coordinates asymmetric and rounding floor, "
                         "and bilinear with coordinates pytorch_half_pixel, align_corners or "
                         "half_pixel (output larger than 1x1); got {} with coordinates {}{}",
                         graph::upsample_name(up->mode), graph::coordinates_name(up->coordinates),
                         up->mode == graph::UpsampleMode::nearest
                             ? fmt::format(" and rounding {}", graph::rounding_name(up->rounding))
                             : ""));
  }
}

}  // namespace

NetworkImpl::NetworkImpl(graph::Graph graph, std::uint64_t seed, torch::MemoryFormat memory_format)
    : graph_(std::move(graph)), memory_format_(memory_format), layers_(static_cast<std::size_t>(graph_.size())) {
  build(seed, nullptr);
}

NetworkImpl::NetworkImpl(graph::Graph graph, const WeightSource& source, torch::MemoryFormat memory_format)
    : graph_(std::move(graph)), memory_format_(memory_format), layers_(static_cast<std::size_t>(graph_.size())) {
  build(0, &source);
}

void NetworkImpl::build(std::uint64_t seed, const WeightSource* source) {
  HWNAS_CHECK(memory_format_ == torch::MemoryFormat::ChannelsLast || memory_format_ == torch::MemoryFormat::Contiguous);
  const std::vector<NodeId> inputs = graph_.input_nodes();
  if (inputs.size() != 1)
    throw UserError(fmt::format(
        "network '{}' has {} input nodes{}; training takes a network with exactly one input",
        graph_.name(), inputs.size(),
        inputs.size() > 1 ? fmt::format(" ('{}' and '{}', ...)", node_label(graph_, inputs[0]),
                                        node_label(graph_, inputs[1]))
                          : ""));
  if (graph_.output_nodes().empty())
    throw UserError(fmt::format("network '{}' has no output node; add an 'output' node after the "
                                "layer whose result the training should use",
                                graph_.name()));

  std::vector<std::int32_t> consumers(layers_.size(), 0);
  for (NodeId id = 0; id < graph_.size(); ++id)
    for (const NodeId in : graph_.inputs(id)) {
      ++consumers[static_cast<std::size_t>(in)];
      layers_[static_cast<std::size_t>(in)].last_use = id;
    }

  const auto generator = at::make_generator<at::CPUGeneratorImpl>(seed);
  const bool borrow_with_grad = torch::GradMode::is_enabled();
  const torch::NoGradGuard no_grad;
  std::set<std::string> labels, submodules;
  for (NodeId id = 0; id < graph_.size(); ++id) {
    Layer& layer = layers_[static_cast<std::size_t>(id)];
    const graph::Op& op = graph_.op(id);
    check_trainable(graph_, id);
    const std::span<const NodeId> in = graph_.inputs(id);
    const OpTraits traits = traits_of(op);
    const bool inputs_flat = !in.empty() && std::all_of(in.begin(), in.end(), [&](NodeId i) {
      return layers_[static_cast<std::size_t>(i)].flat;
    });
    layer.flat = traits.flat == Flat::makes || (traits.flat == Flat::keeps && inputs_flat);
    if (std::holds_alternative<graph::Activation>(op)) {
      const auto producer = static_cast<std::size_t>(in[0]);
      layer.in_place = consumers[producer] == 1 && traits_of(graph_.op(in[0])).overwritable;
    }
    if (!traits.has_state) continue;
    const std::string label = node_label(graph_, id);
    if (!labels.insert(label).second)
      throw UserError(fmt::format("network '{}': two nodes with parameters are named '{}'; their "
                                  "weights would share one name: rename one",
                                  graph_.name(), label));
    auto holder = register_module(submodule_name(label, id, submodules),
                                  std::make_shared<torch::nn::Module>());
    const std::int64_t in_channels = graph_.shape(in[0]).c;
    const auto borrow = [&](const char* tensor, c10::IntArrayRef sizes) {
      const torch::AutoGradMode mode(borrow_with_grad);
      return (*source)(graph_, id, tensor, sizes);
    };
    std::visit(
        Overloaded{
            [&](const graph::Conv2d& p) {
              const std::int64_t fan_out = std::int64_t{p.out_channels} * p.kernel_h * p.kernel_w;
              const std::vector<std::int64_t> sizes = {p.out_channels, in_channels / p.groups, p.kernel_h,
                                                       p.kernel_w};
              if (source) {
                layer.weight = borrow("weight", sizes);
                if (p.bias) layer.bias = borrow("bias", {p.out_channels});
                return;
              }
              // Drawn in NCHW order (the same values in either layout), then copied into a tensor
              // with the layout's strides spelt out: .contiguous(ChannelsLast) keeps NCHW strides
              // when C = 1 (a stem on grey images, a depthwise weight), and a convolution given
              // such a weight picks NCHW for its output, so every later layer ran in mixed layouts
              // (mobilenet_v2 trained 2x slower than PyTorch's channels_last).
              const torch::Tensor drawn =
                  torch::empty(sizes).normal_(0.0, std::sqrt(2.0 / static_cast<double>(fan_out)), generator);
              layer.weight = holder->register_parameter(
                  "weight", torch::empty(sizes, torch::TensorOptions().memory_format(memory_format_)).copy_(drawn));
              if (p.bias) layer.bias = holder->register_parameter("bias", torch::zeros({p.out_channels}));
            },
            [&](const graph::BatchNorm& p) {
              const std::int64_t c = graph_.shape(id).c;
              if (p.affine && source) {
                layer.weight = borrow("weight", {c});
                layer.bias = borrow("bias", {c});
              } else if (p.affine) {
                layer.weight = holder->register_parameter("weight", torch::ones({c}));
                layer.bias = holder->register_parameter("bias", torch::zeros({c}));
              }
              layer.running_mean = holder->register_buffer("running_mean", torch::zeros({c}));
              layer.running_var = holder->register_buffer("running_var", torch::ones({c}));
              layer.num_batches_tracked =
                  holder->register_buffer("num_batches_tracked", torch::zeros({}, torch::kLong));
            },
            [&](const graph::Linear& p) {
              if (source) {
                layer.weight = borrow("weight", {p.out_features, in_channels});
                if (p.bias) layer.bias = borrow("bias", {p.out_features});
                return;
              }
              layer.weight = holder->register_parameter(
                  "weight", torch::empty({p.out_features, in_channels}).normal_(0.0, 0.01, generator));
              if (p.bias) layer.bias = holder->register_parameter("bias", torch::zeros({p.out_features}));
            },
            // No parameters or buffers (traits_of: has_state false).
            [](const graph::Input&) {}, [](const graph::Activation&) {}, [](const graph::Add&) {},
            [](const graph::Mul&) {}, [](const graph::Concat&) {}, [](const graph::Pool&) {},
            [](const graph::GlobalPool&) {}, [](const graph::Upsample&) {}, [](const graph::Flatten&) {},
            [](const graph::ChannelShuffle&) {}, [](const graph::Zero&) {}, [](const graph::Dropout&) {},
            [](const graph::Output&) {},
        },
        op);
  }
}

NamedTensors NetworkImpl::named_state() {
  NamedTensors state;
  for (NodeId id = 0; id < graph_.size(); ++id) {
    const Layer& layer = layers_[static_cast<std::size_t>(id)];
    const std::string label = node_label(graph_, id);
    const std::pair<const char*, const torch::Tensor*> tensors[] = {
        {"weight", &layer.weight},
        {"bias", &layer.bias},
        {"running_mean", &layer.running_mean},
        {"running_var", &layer.running_var},
        {"num_batches_tracked", &layer.num_batches_tracked}};
    for (const auto& [suffix, tensor] : tensors)
      if (tensor->defined()) state.emplace_back(label + "." + suffix, *tensor);
  }
  return state;
}

NamedTensors NetworkImpl::graph_parameters() {
  NamedTensors parameters;
  for (NodeId id = 0; id < graph_.size(); ++id) {
    const Layer& layer = layers_[static_cast<std::size_t>(id)];
    const std::string label = node_label(graph_, id);
    if (layer.weight.defined()) parameters.emplace_back(label + ".weight", layer.weight);
    if (layer.bias.defined()) parameters.emplace_back(label + ".bias", layer.bias);
  }
  return parameters;
}

void NetworkImpl::load_state(const NamedTensors& state, std::string_view source) {
  const std::string where = fmt::format("weights '{}' for network '{}'", source, graph_.name());
  std::map<std::string_view, const torch::Tensor*> given;
  for (const auto& [name, tensor] : state)
    if (!given.emplace(name, &tensor).second)
      throw UserError(fmt::format("{}: tensor '{}' is given twice", where, name));
  const NamedTensors own = named_state();
  for (const auto& [name, tensor] : own) {
    const auto it = given.find(name);
    if (it == given.end())
      throw UserError(fmt::format("{}: tensor '{}' is missing ({} tensors given, the network has "
                                  "{}); these weights are for another model",
                                  where, name, state.size(), own.size()));
    if (it->second->sizes() != tensor.sizes())
      throw UserError(fmt::format("{}: tensor '{}' is {}, the network's is {}; these weights are "
                                  "for another model",
                                  where, name, fmt::join(it->second->sizes(), "x"),
                                  fmt::join(tensor.sizes(), "x")));
  }
  std::set<std::string_view> known;
  for (const auto& entry : own) known.insert(entry.first);
  for (const auto& entry : state)
    if (!known.contains(entry.first))
      throw UserError(fmt::format("{}: tensor '{}' is not in the network; these weights are for "
                                  "another model",
                                  where, entry.first));
  const torch::NoGradGuard no_grad;
  for (auto& [name, tensor] : own) tensor.copy_(*given.at(name));
}

}  // namespace hwnas::train
