// The registry over every alternative of `Op`: each entry point dispatches to the op's
// describe<T>() (ops_conv.cpp, ops_tensor.cpp, ops_resize.cpp).
#include "hwnas/graph/op_schema.h"

#include <algorithm>
#include <array>
#include <utility>
#include <variant>

#include "hwnas/graph/op_description.h"

namespace hwnas::graph {
namespace {

using detail::describe;

template <std::size_t... I>
constexpr auto schema_table(std::index_sequence<I...>) {
  return std::array<const OpSchema* (*)(), sizeof...(I)>{
      +[]() { return &describe<std::variant_alternative_t<I, Op>>().schema; }...};
}

const std::array kSchemas = schema_table(std::make_index_sequence<std::variant_size_v<Op>>());

template <class T>
using Alternative = std::decay_t<T>;

}  // namespace

const OpSchema& op_schema(std::size_t index) {
  HWNAS_CHECK(index < kSchemas.size());
  return *kSchemas[index]();
}

const OpSchema& op_schema(const Op& op) { return op_schema(op.index()); }

std::string_view op_name(const Op& op) {
  return std::visit([](const auto& p) { return describe<Alternative<decltype(p)>>().name(p); },
                    op);
}

std::optional<std::size_t> op_index_by_name(std::string_view name) {
  for (std::size_t i = 0; i < kSchemas.size(); ++i)
    for (std::string_view n : op_schema(i).names)
      if (n == name) return i;
  return std::nullopt;
}

std::vector<std::string_view> primitive_op_names() {
  std::vector<std::string_view> names;
  for (std::size_t i = 0; i < kSchemas.size(); ++i)
    for (std::string_view n : op_schema(i).names) names.push_back(n);
  std::sort(names.begin(), names.end());
  return names;
}

std::string attr_default_words(const AttrSpec& attr) {
  if (attr.required) return "required";
  if (!attr.fallback_words.empty()) return std::string(attr.fallback_words);
  if (attr.type == AttrType::boolean) return attr.fallback != 0 ? "true" : "false";
  if (attr.type == AttrType::real) return fmt::format("{}", attr.fallback);
  return fmt::format("{}", static_cast<std::int64_t>(attr.fallback));
}

namespace {

enum class Count : std::uint8_t { macs, params };

std::int64_t count(Count what, const Op& op, std::span<const Shape> inputs, const Shape& output) {
  return std::visit(
      [&](const auto& p) -> std::int64_t {
        const auto& d = describe<Alternative<decltype(p)>>();
        const auto fn = what == Count::macs ? d.macs : d.params;
        return fn ? fn(p, inputs, output) : 0;
      },
      op);
}

}  // namespace

std::int64_t op_macs(const Op& op, std::span<const Shape> inputs, const Shape& output) {
  return count(Count::macs, op, inputs, output);
}

std::int64_t op_params(const Op& op, std::span<const Shape> inputs, const Shape& output) {
  return count(Count::params, op, inputs, output);
}

namespace detail {

Op read_op(std::string_view name, LayerReader& reader, std::string_view node) {
  const std::optional<std::size_t> index = op_index_by_name(name);
  HWNAS_CHECK(index.has_value());
  AttrReader attrs(reader, node);
  // The alternative at `index`, read by its description.
  Op out;
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (void)((I == *index ? (out = describe<std::variant_alternative_t<I, Op>>().read(name, attrs),
                           true)
                        : false) ||
           ...);
  }(std::make_index_sequence<std::variant_size_v<Op>>());
  return out;
}

}  // namespace detail
}  // namespace hwnas::graph
