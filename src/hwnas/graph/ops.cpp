#include "hwnas/graph/ops.h"

#include <bit>
#include <type_traits>

#include "hwnas/base/hash.h"
#include "hwnas/graph/overloaded.h"

namespace hwnas::graph {

std::string_view act_name(ActKind kind) {
  switch (kind) {
    case ActKind::relu: return "relu";
    case ActKind::relu6: return "relu6";
    case ActKind::hardswish: return "hardswish";
    case ActKind::hardsigmoid: return "hardsigmoid";
    case ActKind::sigmoid: return "sigmoid";
    case ActKind::silu: return "silu";
    case ActKind::identity: return "identity";
  }
  return "?";
}

std::string_view pool_name(PoolKind kind) { return kind == PoolKind::avg ? "avg" : "max"; }

std::string_view upsample_name(UpsampleMode mode) {
  return mode == UpsampleMode::nearest ? "nearest" : "bilinear";
}

std::string_view op_name(const Op& op) {
  return std::visit(
      Overloaded{
          [](const Input&) -> std::string_view { return "input"; },
          [](const Conv2d&) -> std::string_view { return "conv2d"; },
          [](const BatchNorm&) -> std::string_view { return "batch_norm"; },
          [](const Activation& a) { return act_name(a.kind); },
          [](const Add&) -> std::string_view { return "add"; },
          [](const Mul&) -> std::string_view { return "mul"; },
          [](const Concat&) -> std::string_view { return "concat"; },
          [](const Pool& p) -> std::string_view {
            return p.kind == PoolKind::avg ? "avg_pool" : "max_pool";
          },
          [](const GlobalPool& p) -> std::string_view {
            return p.kind == PoolKind::avg ? "global_avg_pool" : "global_max_pool";
          },
          [](const Upsample&) -> std::string_view { return "upsample"; },
          [](const Linear&) -> std::string_view { return "linear"; },
          [](const Flatten&) -> std::string_view { return "flatten"; },
          [](const ChannelShuffle&) -> std::string_view { return "channel_shuffle"; },
          [](const Zero&) -> std::string_view { return "zero"; },
          [](const Dropout&) -> std::string_view { return "dropout"; },
          [](const Output&) -> std::string_view { return "output"; },
      },
      op);
}

namespace {

// A field's value as hash input: integers and enums by value, floating point by its bits.
template <class T>
std::uint64_t field_bits(const T& field) {
  if constexpr (std::is_floating_point_v<T>)
    return std::bit_cast<std::uint64_t>(static_cast<double>(field));
  else
    return static_cast<std::uint64_t>(field);
}

}  // namespace

std::uint64_t hash_op(const Op& op) {
  std::uint64_t h = hash_mix(0, op.index());
  std::visit(
      [&h](const auto& params) {
        std::apply([&h](const auto&... field) { ((h = hash_mix(h, field_bits(field))), ...); },
                   params.fields());
      },
      op);
  return h;
}

bool is_depthwise(const Conv2d& conv, std::int32_t in_channels) {
  return conv.groups > 1 && conv.groups == in_channels && conv.groups == conv.out_channels;
}

bool is_alias(const Op& op) {
  if (const auto* act = std::get_if<Activation>(&op)) return act->kind == ActKind::identity;
  return std::holds_alternative<Output>(op) || std::holds_alternative<Dropout>(op) ||
         std::holds_alternative<Flatten>(op);
}

}  // namespace hwnas::graph
