#include "hwnas/space/filters.h"

#include <fmt/format.h>

#include <array>

#include "hwnas/base/error.h"
#include "hwnas/base/suggest.h"
#include "hwnas/base/units.h"
#include "hwnas/base/yaml_input.h"

namespace hwnas::space {
namespace {

struct Limit {
  std::string_view key;   // in the file: max_params
  std::string_view what;  // the quantity: params
  bool bytes;
  std::optional<std::int64_t> Filters::*field;
  std::int64_t (*value)(const graph::Analysis&);
};

constexpr std::array<Limit, 4> kLimits = {{
    {"max_params", "params", false, &Filters::max_params, [](const graph::Analysis& a) { return a.total.params; }},
    {"max_macs", "macs", false, &Filters::max_macs, [](const graph::Analysis& a) { return a.total.macs; }},
    {"max_weight_bytes", "weight_bytes", true, &Filters::max_weight_bytes,
     [](const graph::Analysis& a) { return a.total.weight_bytes; }},
    {"max_peak_activation_bytes", "peak_activation_bytes", true, &Filters::max_peak_activation_bytes,
     [](const graph::Analysis& a) { return a.peak_activation_bytes; }},
}};

}  // namespace

Filters read_filters(const YAML::Node& node, const std::string& source, const std::string& path) {
  const auto where = [&](const YAML::Node& n, const std::string& key) {
    const YAML::Mark mark = n.Mark();
    return (mark.is_null() ? source : fmt::format("{}:{}", source, mark.line + 1)) + ": key '" + key + "'";
  };
  std::vector<std::string_view> keys;
  for (const Limit& l : kLimits) keys.push_back(l.key);
  if (!node.IsMap())
    throw UserError(where(node, path) +
                    ": must be a mapping of max_params, max_macs, max_weight_bytes, "
                    "max_peak_activation_bytes, got " +
                    value_words(node));
  Filters filters;
  for (const auto& entry : node) {
    const std::string key = entry.first.Scalar();
    const std::string key_path = path + "." + key;
    const Limit* limit = nullptr;
    for (const Limit& l : kLimits)
      if (key == l.key) limit = &l;
    if (limit == nullptr)
      throw UserError(where(entry.first, key_path) + ": unknown filter" + did_you_mean(key, keys) +
                      " (filters: max_params, max_macs, max_weight_bytes, max_peak_activation_bytes)");
    const YAML::Node& v = entry.second;
    if (!v.IsScalar())
      throw UserError(where(v, key_path) + ": must be " +
                      (limit->bytes ? "a byte size such as 512KiB" : "a count such as 3.4M") + ", got " +
                      value_words(v));
    const std::int64_t value =
        limit->bytes ? parse_bytes(v.Scalar(), where(v, key_path)) : parse_count(v.Scalar(), where(v, key_path));
    if (value < 1) throw UserError(where(v, key_path) + ": must be at least 1, got '" + v.Scalar() + "'");
    filters.*(limit->field) = value;
  }
  return filters;
}

std::optional<std::string> filter_violation(const Filters& filters, const graph::Analysis& analysis) {
  for (const Limit& l : kLimits) {
    const std::optional<std::int64_t>& max = filters.*(l.field);
    const std::int64_t value = l.value(analysis);
    if (max && value > *max) return fmt::format("{} {} > {} {}", l.what, value, l.key, *max);
  }
  return std::nullopt;
}

std::optional<std::string> filter_violation(const Filters& filters, const graph::Graph& graph,
                                            graph::Precision precision) {
  if (filters.empty()) return std::nullopt;
  return filter_violation(filters, graph::analyze(graph, precision, 1, graph::MinOrder::skip));
}

std::string describe(const Filters& filters) {
  std::string out;
  for (const Limit& l : kLimits)
    if (const std::optional<std::int64_t>& max = filters.*(l.field))
      out += fmt::format("{}{} {}", out.empty() ? "" : ", ", l.key, *max);
  return out.empty() ? "none" : out;
}

}  // namespace hwnas::space
