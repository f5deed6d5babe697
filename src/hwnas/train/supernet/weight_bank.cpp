#include "hwnas/train/supernet/weight_bank.h"

#include <ATen/CPUGeneratorImpl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>

#include "hwnas/base/error.h"

namespace hwnas::train::supernet {
namespace {

std::string node_text(const graph::Graph& g, graph::NodeId id) {
  const std::string_view name = g.node_name(id);
  return name.empty() ? fmt::format("#{}", id) : std::string(name);
}

torch::MemoryFormat format_of(std::size_t rank) {
  return rank == 4 ? torch::MemoryFormat::ChannelsLast : torch::MemoryFormat::Contiguous;
}

// Whether `id` is a batch norm whose output feeds the Add of its own block: the last
// batch norm of a residual branch (the Add's other input is the block's input).
bool ends_residual_branch(const graph::Graph& g, graph::NodeId id) {
  if (!std::holds_alternative<graph::BatchNorm>(g.op(id)) || g.node(id).block == graph::kNoBlock) return false;
  for (graph::NodeId user = id + 1; user < g.size(); ++user)
    if (std::holds_alternative<graph::Add>(g.op(user)) && g.node(user).block == g.node(id).block)
      for (const graph::NodeId in : g.inputs(user))
        if (in == id) return true;
  return false;
}

// The role and sizes (as NetworkImpl creates them) of each tensor of node `id`; none for
// an op without parameters or a batch norm without affine.
std::vector<std::pair<std::string, BankShape>> node_tensors(const graph::Graph& g, graph::NodeId id) {
  std::vector<std::pair<std::string, BankShape>> out;
  const graph::Op& op = g.op(id);
  const auto inputs = g.inputs(id);
  if (const auto* c = std::get_if<graph::Conv2d>(&op)) {
    const std::int64_t in = g.shape(inputs[0]).c;
    out.push_back({"weight", {{c->out_channels, in / c->groups, c->kernel_h, c->kernel_w}, TensorRole::conv_weight}});
    if (c->bias) out.push_back({"bias", {{c->out_channels}, TensorRole::bias}});
  } else if (const auto* l = std::get_if<graph::Linear>(&op)) {
    out.push_back({"weight", {{l->out_features, g.shape(inputs[0]).c}, TensorRole::linear_weight}});
    if (l->bias) out.push_back({"bias", {{l->out_features}, TensorRole::bias}});
  } else if (const auto* b = std::get_if<graph::BatchNorm>(&op); b && b->affine) {
    out.push_back({"weight", {{g.shape(id).c}, TensorRole::norm_weight, ends_residual_branch(g, id)}});
    out.push_back({"bias", {{g.shape(id).c}, TensorRole::bias}});
  }
  return out;
}

}  // namespace

std::string bank_key(const graph::Graph& g, graph::NodeId node, std::string_view tensor) {
  const graph::BlockId block = g.node(node).block;
  const std::string_view kind = block == graph::kNoBlock ? "none" : graph::block_kind_name(g.block(block).kind);
  return fmt::format("{}:{}.{}", kind, node_text(g, node), tensor);
}

std::map<std::string, BankShape> bank_shapes(const std::vector<graph::Graph>& graphs) {
  std::map<std::string, BankShape> shapes;
  for (const graph::Graph& g : graphs)
    for (graph::NodeId id = 0; id < g.size(); ++id)
      for (auto& [tensor, shape] : node_tensors(g, id)) {
        const std::string key = bank_key(g, id, tensor);
        const auto [it, fresh] = shapes.emplace(key, shape);
        if (fresh) continue;
        BankShape& have = it->second;
        have.residual_end = have.residual_end && shape.residual_end;
        if (have.role != shape.role || have.sizes.size() != shape.sizes.size())
          throw UserError(fmt::format("space '{}': node '{}' has tensor {} of rank {} in one network and {} in "
                                      "another; a supernet shares a name's weights, so give such layers distinct "
                                      "names",
                                      g.name(), node_text(g, id), key, have.sizes.size(), shape.sizes.size()));
        for (std::size_t d = 0; d < shape.sizes.size(); ++d) {
          if (d >= 2 && (have.sizes[d] - shape.sizes[d]) % 2 != 0)
            throw UserError(fmt::format("space '{}': node '{}' has kernels {} and {} (dim {} of {}); a supernet "
                                        "crops the centre of its largest kernel, so the sizes must differ by an "
                                        "even count (e.g. 3, 5, 7)",
                                        g.name(), node_text(g, id), have.sizes[d], shape.sizes[d], d, key));
          have.sizes[d] = std::max(have.sizes[d], shape.sizes[d]);
        }
      }
  return shapes;
}

WeightBankImpl::WeightBankImpl(const std::map<std::string, BankShape>& shapes, std::uint64_t seed) {
  const auto generator = at::make_generator<at::CPUGeneratorImpl>(seed);
  const torch::NoGradGuard no_grad;
  for (const auto& [key, shape] : shapes) {
    torch::Tensor t;
    switch (shape.role) {
      case TensorRole::conv_weight: {
        const std::int64_t fan_out = shape.sizes[0] * shape.sizes[2] * shape.sizes[3];
        t = torch::empty(shape.sizes).normal_(0.0, std::sqrt(2.0 / static_cast<double>(fan_out)), generator);
        break;
      }
      case TensorRole::linear_weight: t = torch::empty(shape.sizes).normal_(0.0, 0.01, generator); break;
      case TensorRole::norm_weight:
        t = shape.residual_end ? torch::zeros(shape.sizes) : torch::ones(shape.sizes);
        break;
      case TensorRole::bias: t = torch::zeros(shape.sizes); break;
    }
    add(key, t);
  }
}

WeightBankImpl::WeightBankImpl(const NamedTensors& tensors) {
  const torch::NoGradGuard no_grad;
  for (const auto& [key, tensor] : tensors) add(key, tensor.to(torch::kFloat32).clone());
}

void WeightBankImpl::add(const std::string& key, torch::Tensor tensor) {
  // Laid out as the networks' own weights (channels-last for 4-D), spelt out: see network.cpp.
  torch::Tensor laid = torch::empty(tensor.sizes(), torch::TensorOptions().memory_format(format_of(tensor.dim())));
  laid.copy_(tensor);
  index_.emplace(key, tensors_.size());
  tensors_.emplace_back(key, register_parameter(fmt::format("t{}", tensors_.size()), laid));
}

torch::Tensor WeightBankImpl::view(const graph::Graph& g, graph::NodeId node, std::string_view tensor,
                                   c10::IntArrayRef sizes) const {
  const std::string key = bank_key(g, node, tensor);
  const auto it = index_.find(key);
  if (it == index_.end())
    throw UserError(fmt::format("model '{}': node '{}' has no tensor '{}' in the supernet; the model is not of the "
                                "supernet's space (give a model of that space, e.g. from hwnas space sample)",
                                g.name(), node_text(g, node), key));
  const torch::Tensor& bank = tensors_[it->second].second;
  bool fits = bank.dim() == static_cast<std::int64_t>(sizes.size());
  for (std::size_t d = 0; fits && d < sizes.size(); ++d)
    fits = sizes[d] <= bank.size(static_cast<std::int64_t>(d)) &&
           (d < 2 || (bank.size(static_cast<std::int64_t>(d)) - sizes[d]) % 2 == 0);
  if (!fits)
    throw UserError(fmt::format("model '{}': node '{}' needs {} of {}, the supernet's is {}; the model is not of "
                                "the supernet's space (give a model of that space, e.g. from hwnas space sample)",
                                g.name(), node_text(g, node), key, fmt::join(sizes, "x"),
                                fmt::join(bank.sizes(), "x")));
  torch::Tensor v = bank;
  for (std::size_t d = 0; d < sizes.size(); ++d) {
    const auto dim = static_cast<std::int64_t>(d);
    const std::int64_t start = d < 2 ? 0 : (bank.size(dim) - sizes[d]) / 2;
    v = v.narrow(dim, start, sizes[d]);
  }
  return v;
}

Network WeightBankImpl::subnet(graph::Graph graph) const {
  return Network(std::move(graph), [this](const graph::Graph& g, graph::NodeId node, std::string_view tensor,
                                          c10::IntArrayRef sizes) { return view(g, node, tensor, sizes); });
}

void WeightBankImpl::load(const NamedTensors& tensors, std::string_view source) {
  if (tensors.size() != tensors_.size())
    throw UserError(fmt::format("{}: {} supernet tensors, this supernet has {}; these are another supernet's", source,
                                tensors.size(), tensors_.size()));
  for (const auto& [key, tensor] : tensors) {
    const auto it = index_.find(key);
    if (it == index_.end())
      throw UserError(fmt::format("{}: tensor '{}' is not in this supernet; these are another supernet's", source, key));
    if (tensors_[it->second].second.sizes() != tensor.sizes())
      throw UserError(fmt::format("{}: tensor '{}' is {}, this supernet's is {}; these are another supernet's", source,
                                  key, fmt::join(tensor.sizes(), "x"), fmt::join(tensors_[it->second].second.sizes(), "x")));
  }
  const torch::NoGradGuard no_grad;
  for (const auto& [key, tensor] : tensors) tensors_[index_.find(key)->second].second.copy_(tensor);
}

}  // namespace hwnas::train::supernet
