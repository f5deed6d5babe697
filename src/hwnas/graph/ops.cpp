#include "hwnas/graph/ops.h"

#include <bit>
#include <concepts>
#include <type_traits>

#include "hwnas/base/hash.h"

namespace hwnas::graph {

std::string_view pool_name(PoolKind kind) { return kind == PoolKind::avg ? "avg" : "max"; }

namespace {

// A field's value as hash input: integers and enums by value, floating point by its bits.
template <class T>
std::uint64_t field_bits(const T& field) {
  if constexpr (std::is_floating_point_v<T>)
    return std::bit_cast<std::uint64_t>(static_cast<double>(field));
  else
    return static_cast<std::uint64_t>(field);
}

// Ops with attributes added after hashes were first recorded.
template <class T>
concept HasAddedFields = requires(const T& op) {
  op.added_fields();
  { op.added_are_default() } -> std::same_as<bool>;
};

}  // namespace

std::uint64_t hash_op(const Op& op) {
  std::uint64_t h = hash_mix(0, op.index());
  const auto mix = [&h](const auto&... field) { ((h = hash_mix(h, field_bits(field))), ...); };
  std::visit(
      [&](const auto& params) {
        std::apply(mix, params.fields());
        if constexpr (HasAddedFields<std::decay_t<decltype(params)>>)
          if (!params.added_are_default()) std::apply(mix, params.added_fields());
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
