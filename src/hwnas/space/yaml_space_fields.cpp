#include "hwnas/space/yaml_space_fields.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <vector>

#include "hwnas/base/error.h"
#include "hwnas/base/suggest.h"
#include "hwnas/base/yaml_input.h"

namespace hwnas::space {
namespace {

constexpr std::size_t kMaxChoices = 65536;  // genes index choices with 16 bits

std::string join(std::initializer_list<std::string_view> words) {
  std::string out;
  for (const std::string_view w : words) out += (out.empty() ? "" : ", ") + std::string(w);
  return out;
}

}  // namespace

void SpaceFields::fail(const YAML::Node& node, const std::string& path, const std::string& message) const {
  const YAML::Mark mark = node.IsDefined() ? node.Mark() : YAML::Mark::null_mark();
  const std::string where = mark.is_null() ? source_ : fmt::format("{}:{}", source_, mark.line + 1);
  throw UserError(where + ": key '" + path + "': " + message);
}

void SpaceFields::check_mapping(const YAML::Node& node, const std::string& path,
                                std::initializer_list<std::string_view> keys,
                                std::initializer_list<std::string_view> required) const {
  if (!node.IsMap()) fail(node, path, "must be a mapping of " + join(keys) + ", got " + value_words(node));
  const std::vector<std::string_view> known(keys);
  for (const auto& entry : node) {
    const std::string key = entry.first.Scalar();
    if (std::find(known.begin(), known.end(), key) == known.end())
      fail(entry.first, path.empty() ? key : path + "." + key,
           "unknown key" + did_you_mean(key, known) + " (keys here: " + join(keys) + ")");
  }
  for (const std::string_view key : required)
    if (!node[std::string(key)])
      fail(node, path.empty() ? std::string(key) : path + "." + std::string(key), "is missing; see docs/spaces.md");
}

std::int64_t SpaceFields::integer(const YAML::Node& v, const std::string& path, std::int64_t lo,
                                  std::int64_t hi) const {
  std::int64_t out = 0;
  const NumberProblem problem = read_integer(v, lo, hi, out);
  if (problem == NumberProblem::none) return out;
  if (problem == NumberProblem::malformed) fail(v, path, "must be an integer, got " + value_words(v));
  if (problem == NumberProblem::quoted)
    fail(v, path, "must be an integer, " + number_problem_words(problem, v.Scalar(), "", ""));
  fail(v, path, v.Scalar() + " " + number_problem_words(problem, v.Scalar(), std::to_string(lo), std::to_string(hi)));
}

std::int32_t SpaceFields::integer_or_p(const YAML::Node& v, const std::string& path, std::int32_t lo,
                                       std::int32_t hi) const {
  if (!v.IsScalar() || !is_plain_scalar(v) || v.Scalar() != "P")
    return static_cast<std::int32_t>(integer(v, path, lo, hi));
  if (!options_.parallelism_factor) {
    if (options_.parallelism_source.empty())
      fail(v, path,
           "P is the target's parallelism factor, but no target was given; give a target with one "
           "(an npu description, e.g. --target npu-p16) or an estimator that detected lanes");
    fail(v, path,
         "P is the target's parallelism factor, but " + options_.parallelism_source +
             " has none; use an npu target, or write a number instead of P");
  }
  const std::int32_t p = *options_.parallelism_factor;
  if (p < lo || p > hi)
    fail(v, path, fmt::format("P = {} (from {}) is outside [{}, {}]", p, options_.parallelism_source, lo, hi));
  return p;
}

double SpaceFields::real(const YAML::Node& v, const std::string& path, double lo, double hi) const {
  double out = 0;
  const NumberProblem problem = read_real(v, lo, hi, out);
  if (problem == NumberProblem::none) return out;
  if (problem == NumberProblem::malformed) fail(v, path, "must be a number, got " + value_words(v));
  if (problem == NumberProblem::quoted)
    fail(v, path, "must be a number, " + number_problem_words(problem, v.Scalar(), "", ""));
  fail(v, path,
       v.Scalar() + " " + number_problem_words(problem, v.Scalar(), fmt::format("{}", lo), fmt::format("{}", hi)));
}

bool SpaceFields::boolean(const YAML::Node& v, const std::string& path) const {
  if (v.IsScalar() && is_plain_scalar(v) && (v.Scalar() == "true" || v.Scalar() == "false"))
    return v.Scalar() == "true";
  fail(v, path, "must be true or false, got " + value_words(v));
}

std::string SpaceFields::text(const YAML::Node& v, const std::string& path) const {
  if (!v.IsScalar()) fail(v, path, "must be text, got " + value_words(v));
  return v.Scalar();
}

std::size_t SpaceFields::word(const YAML::Node& v, const std::string& path,
                              std::initializer_list<std::string_view> words) const {
  const std::vector<std::string_view> known(words);
  if (v.IsScalar())
    for (std::size_t i = 0; i < known.size(); ++i)
      if (v.Scalar() == known[i]) return i;
  fail(v, path,
       "must be one of " + join(words) + ", got " + value_words(v) +
           (v.IsScalar() ? did_you_mean(v.Scalar(), known) : ""));
}

template <class T, class Read>
std::vector<T> SpaceFields::choices(const YAML::Node& v, const std::string& path, Read read) const {
  std::vector<T> out;
  if (v.IsScalar()) {
    out.push_back(read(v, path));
    return out;
  }
  if (!v.IsSequence()) fail(v, path, "must be a value or a list of values, got " + value_words(v));
  if (v.size() == 0) fail(v, path, "the list of choices is empty; give at least one");
  if (v.size() > kMaxChoices) fail(v, path, fmt::format("has {} choices; at most {}", v.size(), kMaxChoices));
  for (std::size_t i = 0; i < v.size(); ++i) {
    const std::string item = fmt::format("{}[{}]", path, i);
    const T value = read(v[i], item);
    if (std::find(out.begin(), out.end(), value) != out.end())
      fail(v[i], item, v[i].Scalar() + " appears twice in the list; give each choice once");
    out.push_back(value);
  }
  return out;
}

std::vector<std::int32_t> SpaceFields::integer_choices(const YAML::Node& v, const std::string& path, std::int32_t lo,
                                                       std::int32_t hi) const {
  return choices<std::int32_t>(v, path, [&](const YAML::Node& n, const std::string& p) {
    return static_cast<std::int32_t>(integer(n, p, lo, hi));
  });
}

std::vector<double> SpaceFields::real_choices(const YAML::Node& v, const std::string& path, double lo,
                                              double hi) const {
  return choices<double>(v, path, [&](const YAML::Node& n, const std::string& p) { return real(n, p, lo, hi); });
}

std::vector<bool> SpaceFields::boolean_choices(const YAML::Node& v, const std::string& path) const {
  return choices<bool>(v, path, [&](const YAML::Node& n, const std::string& p) { return boolean(n, p); });
}

std::vector<std::size_t> SpaceFields::word_choices(const YAML::Node& v, const std::string& path,
                                                   std::initializer_list<std::string_view> words) const {
  return choices<std::size_t>(v, path, [&](const YAML::Node& n, const std::string& p) { return word(n, p, words); });
}

std::vector<std::int32_t> SpaceFields::channel_choices(const YAML::Node& v, const std::string& path,
                                                       bool uncurated) const {
  constexpr std::int32_t kMaxChannels = 65536;
  std::vector<std::int32_t> out;
  if (v.IsMap()) {
    check_mapping(v, path, {"multiple_of", "min", "max"}, {"multiple_of", "min", "max"});
    const std::int32_t step = integer_or_p(v["multiple_of"], path + ".multiple_of", 1, kMaxChannels);
    const auto lo = static_cast<std::int32_t>(integer(v["min"], path + ".min", 1, kMaxChannels));
    const auto hi = static_cast<std::int32_t>(integer(v["max"], path + ".max", 1, kMaxChannels));
    if (lo > hi) fail(v["min"], path + ".min", fmt::format("min {} is above max {}; swap them", lo, hi));
    for (std::int32_t c = (lo + step - 1) / step * step; c <= hi; c += step) out.push_back(c);
    if (out.empty()) fail(v, path, fmt::format("no multiple of {} lies in [{}, {}]; widen min and max", step, lo, hi));
  } else {
    out = integer_choices(v, path, 1, kMaxChannels);
  }
  if (!uncurated) return out;
  const auto [lo, hi] = std::minmax_element(out.begin(), out.end());
  std::vector<std::int32_t> every;
  for (std::int32_t c = *lo; c <= *hi; ++c) every.push_back(c);
  return every;
}

std::size_t SpaceFields::index_of(const std::vector<std::int32_t>& choices, const YAML::Node& v,
                                  const std::string& path) const {
  const auto value = static_cast<std::int32_t>(integer(v, path, INT32_MIN, INT32_MAX));
  const auto at = std::find(choices.begin(), choices.end(), value);
  if (at == choices.end())
    fail(v, path, fmt::format("{} is not among the choices ({}); pick one of them", value, fmt::join(choices, ", ")));
  return static_cast<std::size_t>(at - choices.begin());
}

std::size_t SpaceFields::index_of(const std::vector<double>& choices, const YAML::Node& v,
                                  const std::string& path) const {
  const double value = real(v, path, -1e300, 1e300);
  const auto at = std::find(choices.begin(), choices.end(), value);
  if (at == choices.end())
    fail(v, path, fmt::format("{} is not among the choices ({}); pick one of them", value, fmt::join(choices, ", ")));
  return static_cast<std::size_t>(at - choices.begin());
}

std::size_t SpaceFields::index_of(const std::vector<bool>& choices, const YAML::Node& v,
                                  const std::string& path) const {
  const bool value = boolean(v, path);
  const auto at = std::find(choices.begin(), choices.end(), value);
  if (at == choices.end()) fail(v, path, fmt::format("{} is not among the choices; pick one of them", value));
  return static_cast<std::size_t>(at - choices.begin());
}

}  // namespace hwnas::space
