#include "hwnas/hw/description_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <utility>

#include "hwnas/base/error.h"
#include "hwnas/base/printable.h"
#include "hwnas/base/suggest.h"
#include "hwnas/base/yaml_input.h"

namespace hwnas::hw {
namespace {

const char* sign_word(DescriptionReader::Sign sign) {
  return sign == DescriptionReader::Sign::positive ? "positive" : "non-negative";
}

/// "int8", "int8 or fp16", "int8, fp16 or fp32".
std::string alternatives(std::initializer_list<graph::Precision> allowed) {
  std::string out;
  for (const graph::Precision* p = allowed.begin(); p != allowed.end(); ++p) {
    if (p != allowed.begin()) out += p + 1 == allowed.end() ? " or " : ", ";
    out += graph::precision_name(*p);
  }
  return out;
}

}  // namespace

DescriptionReader::DescriptionReader(YAML::Node node, std::string source,
                                     std::string missing_hint)
    : node_(std::move(node)), source_(std::move(source)), missing_hint_(std::move(missing_hint)) {}

void DescriptionReader::check_mapping_and_keys(std::span<const std::string_view> keys,
                                               std::string_view not_a_mapping,
                                               std::string_view unknown_key_hint) const {
  if (!node_.IsMap())
    throw UserError(fmt::format("{}: {}, got {}", source_, not_a_mapping, value_words(node_)));
  for (const auto& entry : node_)
    if (std::find(keys.begin(), keys.end(), entry.first.Scalar()) == keys.end())
      throw UserError(fmt::format("{}:{}: unknown key '{}'{}; {}", source_, entry.first.Mark().line + 1,
                                  printable(entry.first.Scalar()), did_you_mean(entry.first.Scalar(), keys),
                                  unknown_key_hint));
  // Every kind takes 'description', free text that no getter reads: it must still be text.
  if (const YAML::Node about = node_["description"]; about && !about.IsScalar())
    fail("description", fmt::format("must be a string (free text about the target), got {}", value_words(about)));
}

void DescriptionReader::fail(const std::string& key, const std::string& message, const YAML::Node& item) const {
  const YAML::Node at = !item.Mark().is_null() ? item : node_[key];
  const std::string where =
      at && !at.Mark().is_null() ? fmt::format("{}:{}", source_, at.Mark().line + 1) : source_;
  throw UserError(fmt::format("{}: key '{}': {}", where, key, message));
}

YAML::Node DescriptionReader::get(const std::string& key) const { return node_[key]; }

YAML::Node DescriptionReader::required(const std::string& key, std::string_view hint) const {
  const YAML::Node v = node_[key];
  if (!v) fail(key, fmt::format("missing; {}", hint.empty() ? missing_hint_ : hint));
  return v;
}

std::string DescriptionReader::value_text(const YAML::Node& value) { return value_words(value); }

void DescriptionReader::fail_number(const std::string& key, const YAML::Node& value, NumberProblem problem,
                                    std::string_view lo, std::string_view hi) const {
  const std::string where =
      value.Mark().is_null() ? source_ : fmt::format("{}:{}", source_, value.Mark().line + 1);
  throw UserError(fmt::format("{}: {} = {} {}", where, key, value.Scalar(),
                              number_problem_words(problem, value.Scalar(), lo, hi)));
}

double DescriptionReader::number(const std::string& key, Sign sign, double lo, double hi,
                                 std::optional<double> fallback, std::string_view noun) const {
  const YAML::Node v = fallback ? get(key) : required(key);
  if (!v) return *fallback;
  double out = 0;
  const NumberProblem problem = read_real(v, -HUGE_VAL, HUGE_VAL, out);
  if (problem == NumberProblem::leading_zero) fail_number(key, v, problem, "", "");
  if (problem == NumberProblem::quoted)
    fail(key, fmt::format("must be a {} {}, {}", sign_word(sign), noun, number_problem_words(problem, v.Scalar(), "", "")));
  if (problem != NumberProblem::none || (sign == Sign::positive ? out <= 0 : out < 0))
    fail(key, fmt::format("must be a {} {}, got {}", sign_word(sign), noun, value_text(v)));
  if (out < lo || out > hi)
    fail_number(key, v, out < lo ? NumberProblem::too_small : NumberProblem::too_large, fmt::format("{}", lo),
                fmt::format("{}", hi));
  return out;
}

std::int32_t DescriptionReader::integer(const std::string& key, Sign sign, std::int64_t max,
                                        std::optional<std::int32_t> fallback,
                                        std::string_view noun) const {
  HWNAS_CHECK(max <= INT32_MAX);
  const YAML::Node v = fallback ? get(key) : required(key);
  if (!v) return *fallback;
  std::int64_t out = 0;
  const NumberProblem problem = read_integer(v, sign == Sign::positive ? 1 : 0, max, out);
  if (problem == NumberProblem::leading_zero || problem == NumberProblem::too_large)
    fail_number(key, v, problem, "", std::to_string(max));
  if (problem == NumberProblem::quoted)
    fail(key, fmt::format("must be a {} {}, {}", sign_word(sign), noun, number_problem_words(problem, v.Scalar(), "", "")));
  if (problem != NumberProblem::none)
    fail(key, fmt::format("must be a {} {}, got {}", sign_word(sign), noun, value_text(v)));
  return static_cast<std::int32_t>(out);
}

std::string DescriptionReader::text(const std::string& key,
                                    std::optional<std::string_view> fallback,
                                    std::string_view help) const {
  const YAML::Node v = fallback ? get(key) : required(key, help);
  if (!v) return std::string(*fallback);
  if (!v.IsScalar() || v.Scalar().empty())
    fail(key, fmt::format("must be a non-empty string, got {}{}", v.IsScalar() ? "an empty one" : value_text(v),
                          help.empty() ? "" : fmt::format("; {}", help)));
  // Names become target identities, which estimator files (JSON, UTF-8 only) record.
  if (!is_valid_utf8(v.Scalar()))
    fail(key, fmt::format("'{}' is not UTF-8 text; write it in UTF-8", v.Scalar()));
  return v.Scalar();
}

graph::Precision DescriptionReader::precision(const std::string& key,
                                              std::initializer_list<graph::Precision> allowed,
                                              std::optional<graph::Precision> fallback) const {
  const YAML::Node v = fallback ? get(key) : required(key);
  if (!v) return *fallback;
  graph::Precision out{};
  if (!v.IsScalar() || !graph::parse_precision(v.Scalar(), out) ||
      std::find(allowed.begin(), allowed.end(), out) == allowed.end())
    fail(key, fmt::format("must be {}, got {}", alternatives(allowed), value_text(v)));
  return out;
}

FusionRules DescriptionReader::fusion_rules(const std::string& key) const {
  const YAML::Node list = required(key);
  if (!list.IsSequence())
    fail(key, fmt::format("must be a list of fusion patterns from: {}; got {}", fusion_names(), value_text(list)));
  FusionRules rules;
  for (const YAML::Node& item : list) {
    FusionPattern p{};
    if (!item.IsScalar() || !parse_fusion(item.Scalar(), p))
      fail(key, fmt::format("unknown fusion {}; use names from: {}", value_text(item), fusion_names()), item);
    if (rules.has(p)) fail(key, fmt::format("'{}' is listed twice; list each fusion once", item.Scalar()), item);
    rules.patterns.push_back(p);
  }
  return rules;
}

void DescriptionReader::kind(std::string_view expected, std::string_view purpose,
                             bool quote_value) const {
  const YAML::Node v = node_["kind"];
  if (!v || (v.IsScalar() && v.Scalar() == expected)) return;
  const std::string must = fmt::format("must be {} {}", expected, purpose);
  fail("kind", quote_value ? fmt::format("{}, got {}", must, value_text(v)) : must);
}

}  // namespace hwnas::hw
