// Typed, error-reporting access to one layer mapping of a model file (internal).
#pragma once

#include <yaml-cpp/yaml.h>

#include <array>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hwnas/graph/ops.h"

namespace hwnas::graph::detail {

/// "FILE:LINE: " for a YAML node.
std::string location(const std::string& source, const YAML::Node& node);

/// A value as errors quote it: value_words (yaml_input.h), e.g. '4' or the string "4".
std::string quoted(const YAML::Node& value);

/// Reads keys of one layer; remembers every key asked for, so finish() can reject the rest
/// naming what the op takes.
class LayerReader {
 public:
  LayerReader(const YAML::Node& layer, std::string source, std::string what)
      : layer_(layer), source_(std::move(source)), what_(std::move(what)) {}

  [[noreturn]] void fail(const std::string& message) const;
  [[noreturn]] void fail_at(const YAML::Node& node, const std::string& message) const;

  bool has(const std::string& key);
  std::int32_t positive(const std::string& key, std::optional<std::int32_t> fallback = {});
  std::int32_t non_negative(const std::string& key, std::int32_t fallback);
  double number(const std::string& key, double fallback, double lo, double hi);
  bool boolean(const std::string& key, bool fallback);
  std::string text(const std::string& key, std::optional<std::string> fallback = {});
  /// An int or a [h, w] pair.
  std::pair<std::int32_t, std::int32_t> pair(const std::string& key, std::int32_t fallback,
                                             bool allow_zero);
  /// Padding as [top, left, bottom, right]: a non-negative int p (all four), a [height,
  /// width] pair or four ints; nullopt when the key is absent.
  std::optional<std::array<std::int32_t, 4>> padding(const std::string& key);
  /// A list of exactly `n` positive ints.
  std::vector<std::int32_t> ints(const std::string& key, std::size_t n);
  /// An activation name, or "none" (nullopt).
  std::optional<ActKind> activation(const std::string& key, std::optional<ActKind> fallback);

  /// Rejects keys the op never asked for.
  void finish() const;

  const std::string& what() const { return what_; }

 private:
  YAML::Node get(const std::string& key);
  /// `v` as a decimal integer in [lo, INT32_MAX] (yaml_input.h); fails with "KEY = V is too
  /// large (at most 2147483647)", a leading-zero message, or else `invalid`.
  std::int32_t integer_at(const YAML::Node& v, const std::string& key, std::int64_t lo,
                          const std::string& invalid) const;

  YAML::Node layer_;
  std::string source_;
  std::string what_;
  std::vector<std::string> asked_;
};

bool parse_act(const std::string& name, ActKind& kind);

}  // namespace hwnas::graph::detail
