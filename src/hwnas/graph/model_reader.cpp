#include "hwnas/graph/model_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include "hwnas/base/error.h"
#include "hwnas/base/yaml_input.h"

namespace hwnas::graph::detail {

std::string location(const std::string& source, const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  if (mark.is_null()) return source + ": ";
  return fmt::format("{}:{}: ", source, mark.line + 1);
}

std::string quoted(const YAML::Node& value) { return value_words(value); }

bool parse_act(const std::string& name, ActKind& kind) {
  for (ActKind k : {ActKind::relu, ActKind::relu6, ActKind::hardswish, ActKind::hardsigmoid,
                    ActKind::sigmoid, ActKind::silu, ActKind::identity})
    if (act_name(k) == name) {
      kind = k;
      return true;
    }
  return false;
}

void LayerReader::fail(const std::string& message) const { fail_at(layer_, message); }

void LayerReader::fail_at(const YAML::Node& node, const std::string& message) const {
  throw UserError(location(source_, node) + what_ + ": " + message);
}

YAML::Node LayerReader::get(const std::string& key) {
  if (std::find(asked_.begin(), asked_.end(), key) == asked_.end()) asked_.push_back(key);
  return layer_[key];
}

bool LayerReader::has(const std::string& key) { return get(key).IsDefined(); }

std::int32_t LayerReader::integer_at(const YAML::Node& v, const std::string& key, std::int64_t lo,
                                     const std::string& invalid) const {
  std::int64_t out = 0;
  const NumberProblem problem = read_integer(v, lo, INT32_MAX, out);
  if (problem == NumberProblem::none) return static_cast<std::int32_t>(out);
  if (problem == NumberProblem::quoted)
    fail_at(v, fmt::format("{} must be an integer, {}", key, number_problem_words(problem, v.Scalar(), "", "")));
  if (problem == NumberProblem::leading_zero || problem == NumberProblem::too_large)
    fail_at(v, fmt::format("{} = {} {}", key, v.Scalar(),
                           number_problem_words(problem, v.Scalar(), std::to_string(lo), std::to_string(INT32_MAX))));
  fail_at(v, invalid);
}

std::int32_t LayerReader::positive(const std::string& key, std::optional<std::int32_t> fallback) {
  const YAML::Node v = get(key);
  if (!v.IsDefined()) {
    if (!fallback) fail(fmt::format("missing key '{}' (a positive integer)", key));
    return *fallback;
  }
  return integer_at(v, key, 1, fmt::format("{} must be a positive integer, got {}", key, quoted(v)));
}

std::int32_t LayerReader::non_negative(const std::string& key, std::int32_t fallback) {
  const YAML::Node v = get(key);
  if (!v.IsDefined()) return fallback;
  return integer_at(v, key, 0, fmt::format("{} must be a non-negative integer, got {}", key, quoted(v)));
}

double LayerReader::number(const std::string& key, double fallback, double lo, double hi) {
  const YAML::Node v = get(key);
  if (!v.IsDefined()) return fallback;
  double out = 0;
  const NumberProblem problem = read_real(v, lo, hi, out);
  if (problem == NumberProblem::leading_zero)
    fail_at(v, fmt::format("{} = {} {}", key, v.Scalar(), number_problem_words(problem, v.Scalar(), "", "")));
  if (problem == NumberProblem::quoted)
    fail_at(v, fmt::format("{} must be an integer, {}", key, number_problem_words(problem, v.Scalar(), "", "")));
  if (problem != NumberProblem::none)
    fail_at(v, fmt::format("{} must be a number in [{}, {}], got {}", key, lo, hi, quoted(v)));
  return out;
}

bool LayerReader::boolean(const std::string& key, bool fallback) {
  const YAML::Node v = get(key);
  if (!v.IsDefined()) return fallback;
  // YAML 1.2's spellings only: YAML 1.1 also reads yes, no, on, off, y and n as booleans.
  const std::string text = is_plain_scalar(v) ? v.Scalar() : "";  // "false" is a string
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  fail_at(v, fmt::format("{} must be true or false, got {}", key, quoted(v)));
}

std::string LayerReader::text(const std::string& key, std::optional<std::string> fallback) {
  const YAML::Node v = get(key);
  if (!v.IsDefined()) {
    if (!fallback) fail(fmt::format("missing key '{}'", key));
    return *fallback;
  }
  if (!v.IsScalar()) fail_at(v, fmt::format("{} must be a string", key));
  return v.Scalar();
}

std::pair<std::int32_t, std::int32_t> LayerReader::pair(const std::string& key,
                                                        std::int32_t fallback, bool allow_zero) {
  const YAML::Node v = get(key);
  if (!v.IsDefined()) return {fallback, fallback};
  auto one = [&](const YAML::Node& n) {
    return integer_at(n, key, allow_zero ? 0 : 1,
                      fmt::format("{} must be a {} integer or a [height, width] pair, got {}", key,
                                  allow_zero ? "non-negative" : "positive", quoted(n)));
  };
  if (v.IsSequence()) {
    if (v.size() != 2) fail_at(v, fmt::format("{} must be an integer or a [height, width] pair", key));
    return {one(v[0]), one(v[1])};
  }
  const std::int32_t x = one(v);
  return {x, x};
}

std::optional<std::array<std::int32_t, 4>> LayerReader::padding(const std::string& key) {
  const YAML::Node v = get(key);
  if (!v.IsDefined()) return std::nullopt;
  const std::string forms = "a non-negative integer, a [height, width] pair or [top, left, bottom, right]";
  auto one = [&](const YAML::Node& n) {
    return integer_at(n, key, 0, fmt::format("{} must be {}, got {}", key, forms, quoted(n)));
  };
  if (v.IsScalar() && (v.Scalar() == "same" || v.Scalar() == "valid" || v.Scalar() == "SAME" || v.Scalar() == "VALID"))
    fail_at(v, fmt::format("{} must be {}, got '{}': write the pixels ('same' at stride 1 is dilation · (kernel − 1) "
                           "/ 2 on each side, e.g. 1 for kernel 3; 'valid' is 0)",
                           key, forms, v.Scalar()));
  if (!v.IsSequence()) {
    const std::int32_t p = one(v);
    return std::array{p, p, p, p};
  }
  if (v.size() == 2) {
    const std::int32_t h = one(v[0]), w = one(v[1]);
    return std::array{h, w, h, w};
  }
  if (v.size() == 4) return std::array{one(v[0]), one(v[1]), one(v[2]), one(v[3])};
  fail_at(v, fmt::format("{} must be {}; got a list of {}", key, forms, v.size()));
}

std::vector<std::int32_t> LayerReader::ints(const std::string& key, std::size_t n) {
  const YAML::Node v = get(key);
  if (!v.IsDefined()) fail(fmt::format("missing key '{}' (a list of {} positive integers)", key, n));
  if (!v.IsSequence() || v.size() != n)
    fail_at(v, fmt::format("{} must be a list of {} positive integers", key, n));
  std::vector<std::int32_t> out;
  for (const YAML::Node& item : v)
    out.push_back(integer_at(item, key, 1,
                             fmt::format("{} must be a list of {} positive integers, got {}", key, n, quoted(item))));
  return out;
}

std::optional<ActKind> LayerReader::activation(const std::string& key,
                                               std::optional<ActKind> fallback) {
  const YAML::Node v = get(key);
  if (!v.IsDefined()) return fallback;
  ActKind kind{};
  if (v.IsScalar() && v.Scalar() == "none") return std::nullopt;
  if (!v.IsScalar() || !parse_act(v.Scalar(), kind))
    fail_at(v, fmt::format("{} must be one of relu, relu6, hardswish, hardsigmoid, sigmoid, "
                           "silu, identity, none; got {}",
                           key, quoted(v)));
  return kind;
}

void LayerReader::finish() const {
  for (const auto& entry : layer_) {
    const std::string key = entry.first.Scalar();
    if (std::find(asked_.begin(), asked_.end(), key) != asked_.end()) continue;
    std::string allowed;
    for (const std::string& k : asked_) allowed += (allowed.empty() ? "" : ", ") + k;
    fail_at(entry.first, fmt::format("unknown key '{}'; this op takes: {}", key, allowed));
  }
}

}  // namespace hwnas::graph::detail
