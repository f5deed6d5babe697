// Typed, error-reporting access to a target description (a YAML mapping), shared by the
// npu, cpu, external and table targets so their descriptions read and fail alike.
//
// Every error is one line naming the file, the line and the key:
// "cpu.yaml:3: key 'threads': must be a positive integer, got 'abc'" ("cpu.yaml: key ..."
// when the key is absent). Each target keeps its own wording through the parameters.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "hwnas/graph/analysis.h"
#include "hwnas/base/yaml_input.h"
#include "hwnas/hw/fusion.h"

namespace hwnas::hw {

class DescriptionReader {
 public:
  enum class Sign : std::uint8_t { positive, non_negative };

  /// `missing_hint` follows "missing; " for an absent required key whose getter gives no
  /// hint of its own.
  DescriptionReader(YAML::Node node, std::string source,
                    std::string missing_hint = "the description needs it");

  /// Throws unless the description is a mapping ("SOURCE: NOT_A_MAPPING, got null") whose
  /// keys are all in `keys` ("SOURCE:LINE: unknown key 'clok_mhz'; did you mean
  /// 'clock_mhz'?; UNKNOWN_KEY_HINT", the did-you-mean from suggest.h) and whose
  /// 'description', if any, is a scalar (free text). Call it first.
  void check_mapping_and_keys(std::span<const std::string_view> keys,
                              std::string_view not_a_mapping,
                              std::string_view unknown_key_hint) const;

  /// Throws "SOURCE:LINE: key 'KEY': MESSAGE", or "SOURCE: key ..." when `key` is absent;
  /// LINE is that of `at` (an item of the key's list) when given, else of the key's value.
  [[noreturn]] void fail(const std::string& key, const std::string& message, const YAML::Node& at = {}) const;

  /// The value at `key`; undefined (false) when absent.
  YAML::Node get(const std::string& key) const;
  /// The value at `key`; "missing; HINT" when absent (the reader's hint when `hint` is empty).
  YAML::Node required(const std::string& key, std::string_view hint = {}) const;
  /// A present value as errors quote it, after "got ": '4', the string "4", a list, a
  /// mapping or null (yaml_input.h's value_words).
  static std::string value_text(const YAML::Node& value);

  // The getters below return `fallback` when the key is absent and require it without one.

  /// A finite decimal number above zero (or at least zero), "must be a positive NOUN, got
  /// 'x'" or "got null" / "got a mapping" (a quoted "4": "must be a NOUN, got the string \"4\"; write it without
  /// quotes"), and in [lo, hi]: "SOURCE:LINE: KEY = V is too small (at least LO)" / "is too
  /// large (at most HI)". A leading zero (010) is refused (yaml_input.h).
  double number(const std::string& key, Sign sign, double lo, double hi,
                std::optional<double> fallback = {}, std::string_view noun = "number") const;
  /// A decimal integer from 1 (or 0) to `max` (at most INT32_MAX): "must be a non-negative
  /// NOUN, got 'x'" (quoted: as number()); above `max`: "SOURCE:LINE: KEY = V is too large
  /// (at most MAX)".
  std::int32_t integer(const std::string& key, Sign sign, std::int64_t max,
                       std::optional<std::int32_t> fallback = {},
                       std::string_view noun = "integer") const;
  /// A non-empty string of valid UTF-8: "must be a non-empty string, got a list; HELP"
  /// (or "got an empty one"), "missing; HELP"
  /// (without `help`: no suffix, and the reader's missing hint), "'raw\xff' is not UTF-8
  /// text; write it in UTF-8" (names become identities, which estimator files record).
  std::string text(const std::string& key, std::optional<std::string_view> fallback = {},
                   std::string_view help = {}) const;
  /// One of `allowed`: "must be int8 or fp16, got 'fp32'".
  graph::Precision precision(const std::string& key,
                             std::initializer_list<graph::Precision> allowed,
                             std::optional<graph::Precision> fallback = {}) const;
  /// A list of fusion pattern names, always required: "must be a list of fusion patterns
  /// from: ...; got a mapping", "unknown fusion 'x'; ...", "'conv_add' is listed twice;
  /// list each fusion once".
  FusionRules fusion_rules(const std::string& key) const;

  /// Fails unless `kind` is absent or `expected`: "must be EXPECTED PURPOSE", followed by
  /// ", got 'x'" when `quote_value`.
  void kind(std::string_view expected, std::string_view purpose, bool quote_value = false) const;

 private:
  [[noreturn]] void fail_number(const std::string& key, const YAML::Node& value, NumberProblem problem,
                                std::string_view lo, std::string_view hi) const;

  YAML::Node node_;
  std::string source_;
  std::string missing_hint_;
  std::string non_scalar_;
};

}  // namespace hwnas::hw
