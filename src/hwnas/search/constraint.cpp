#include "hwnas/search/constraint.h"

#include <fmt/format.h>

#include <array>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <utility>

#include "hwnas/base/error.h"
#include "hwnas/base/units.h"

namespace hwnas::search {
namespace {

constexpr std::array<std::pair<Metric, std::string_view>, 5> kMetrics = {{
    {Metric::latency_ms, "latency_ms"},
    {Metric::peak_activation_bytes, "peak_activation_bytes"},
    {Metric::weight_bytes, "weight_bytes"},
    {Metric::params, "params"},
    {Metric::macs, "macs"},
}};

UnitKind unit_kind(Metric metric) {
  switch (metric) {
    case Metric::latency_ms: return UnitKind::milliseconds;
    case Metric::peak_activation_bytes:
    case Metric::weight_bytes: return UnitKind::bytes;
    case Metric::params:
    case Metric::macs: return UnitKind::count;
  }
  HWNAS_CHECK(!"unknown Metric");
  return UnitKind::count;
}

std::string unit_list(Metric metric) {
  const UnitKind kind = unit_kind(metric);
  const char* none = kind == UnitKind::milliseconds ? "none (ms)" : kind == UnitKind::bytes ? "none (bytes)" : "none";
  return fmt::format("{}, {}", none, unit_names(kind));
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) s.remove_suffix(1);
  return s;
}

/// Length of the decimal number at the start of `s` (digits, optional fraction, optional
/// exponent), 0 when there is none.
std::size_t number_length(std::string_view s) {
  std::size_t at = 0, digits = 0;
  while (at < s.size() && std::isdigit(static_cast<unsigned char>(s[at])) != 0) ++at, ++digits;
  if (at < s.size() && s[at] == '.') {
    ++at;
    while (at < s.size() && std::isdigit(static_cast<unsigned char>(s[at])) != 0) ++at, ++digits;
  }
  if (digits == 0) return 0;
  if (at < s.size() && (s[at] == 'e' || s[at] == 'E')) {
    std::size_t exp = at + 1;
    if (exp < s.size() && (s[exp] == '+' || s[exp] == '-')) ++exp;
    std::size_t n = 0;
    while (exp + n < s.size() && std::isdigit(static_cast<unsigned char>(s[exp + n])) != 0) ++n;
    if (n > 0) at = exp + n;
  }
  return at;
}

std::string format_value(Metric metric, double value) {
  if (metric == Metric::latency_ms) return fmt::format("{:g}", value);
  return fmt::format("{:.0f}", value);
}

}  // namespace

std::string_view metric_name(Metric metric) {
  for (const auto& [m, name] : kMetrics)
    if (m == metric) return name;
  return "?";
}

bool parse_metric(std::string_view name, Metric& metric) {
  for (const auto& [m, n] : kMetrics)
    if (n == name) {
      metric = m;
      return true;
    }
  return false;
}

std::string metric_names() {
  std::string out;
  for (const auto& [m, name] : kMetrics) out += fmt::format("{}{}", out.empty() ? "" : ", ", name);
  return out;
}

std::optional<double> metric_value(const Metrics& m, Metric metric) {
  switch (metric) {
    case Metric::latency_ms: return m.latency_ms;
    case Metric::peak_activation_bytes: return static_cast<double>(m.peak_activation_bytes);
    case Metric::weight_bytes: return static_cast<double>(m.weight_bytes);
    case Metric::params: return static_cast<double>(m.params);
    case Metric::macs: return static_cast<double>(m.macs);
  }
  return std::nullopt;
}

bool is_cheap(Metric metric) { return metric != Metric::latency_ms; }

double Constraint::excess(double value) const {
  if (holds(value)) return 0;
  return (at_most ? value - limit : limit - value) / limit;
}

std::string Constraint::reason(double value) const {
  const std::string limit_value = format_value(metric, limit);
  const std::string shown = limit_text == limit_value ? limit_text : fmt::format("{} ({})", limit_text, limit_value);
  return fmt::format("{} {} {} {}", metric_name(metric), format_value(metric, value), at_most ? ">" : "<", shown);
}

Constraint parse_constraint(std::string_view text, std::string_view where) {
  const auto fail = [&](const std::string& why) {
    throw UserError(fmt::format("{}: '{}': {}; write e.g. 'latency_ms <= 4' or 'peak_activation_bytes <= 512KiB'",
                                where, text, why));
  };
  std::string_view rest = trim(text);
  std::size_t name_end = 0;
  while (name_end < rest.size() && (std::isalnum(static_cast<unsigned char>(rest[name_end])) != 0 || rest[name_end] == '_'))
    ++name_end;
  const std::string_view name = rest.substr(0, name_end);
  Constraint c;
  if (name.empty()) fail("no metric; a constraint starts with one of " + metric_names());
  if (!parse_metric(name, c.metric))
    fail(fmt::format("unknown metric '{}'; constraints take {} (accuracy is what the search maximises)", name,
                     metric_names()));
  rest = trim(rest.substr(name_end));
  std::size_t op_end = 0;
  while (op_end < rest.size() && std::string_view("<>=!").find(rest[op_end]) != std::string_view::npos) ++op_end;
  const std::string_view op = rest.substr(0, op_end);
  if (op == "<=") {
    c.at_most = true;
  } else if (op == ">=") {
    c.at_most = false;
  } else {
    fail(op.empty() ? std::string("no operator after the metric; use <= or >=")
                    : fmt::format("operator '{}' is not taken; use <= (an upper limit) or >= (a lower one)", op));
  }
  rest = trim(rest.substr(op_end));
  const std::size_t number_end = number_length(rest);
  if (number_end == 0) fail("the limit is not a positive decimal number");
  const double number = std::strtod(std::string(rest.substr(0, number_end)).c_str(), nullptr);
  const std::string_view unit = trim(rest.substr(number_end));
  const std::optional<double> scale = unit.empty() ? 1.0 : unit_factor(unit_kind(c.metric), unit);
  if (!scale) fail(fmt::format("unit '{}' does not apply to {}; its units: {}", unit, name, unit_list(c.metric)));
  c.limit = number * *scale;
  if (!std::isfinite(c.limit) || c.limit <= 0) fail("the limit must be a finite number above 0");
  c.limit_text = std::string(trim(rest));
  return c;
}

}  // namespace hwnas::search
