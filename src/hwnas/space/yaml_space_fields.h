// Typed, strict access to the values of a space file, for read_space_definition: every
// error is one line "SOURCE:LINE: key 'PATH': MESSAGE" naming the key path
// ("stages[2].channels.min", list positions from 0).
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "hwnas/space/registry.h"

namespace hwnas::space {

class SpaceFields {
 public:
  SpaceFields(std::string source, const SpaceOptions& options) : source_(std::move(source)), options_(options) {}

  const std::string& source() const { return source_; }
  [[noreturn]] void fail(const YAML::Node& node, const std::string& path, const std::string& message) const;

  /// Requires a mapping whose keys are all in `keys` (an unknown one is named with the
  /// closest known key) and that holds every key of `required`.
  void check_mapping(const YAML::Node& node, const std::string& path, std::initializer_list<std::string_view> keys,
                     std::initializer_list<std::string_view> required = {}) const;

  std::int64_t integer(const YAML::Node& v, const std::string& path, std::int64_t lo, std::int64_t hi) const;
  /// An integer, or the symbol P: the parallelism factor (an error without one).
  std::int32_t integer_or_p(const YAML::Node& v, const std::string& path, std::int32_t lo, std::int32_t hi) const;
  double real(const YAML::Node& v, const std::string& path, double lo, double hi) const;
  bool boolean(const YAML::Node& v, const std::string& path) const;
  std::string text(const YAML::Node& v, const std::string& path) const;
  /// One of `words`, as its index; an error lists them (and names the closest).
  std::size_t word(const YAML::Node& v, const std::string& path, std::initializer_list<std::string_view> words) const;

  /// A choice list: one value, or a non-empty list of distinct values.
  std::vector<std::int32_t> integer_choices(const YAML::Node& v, const std::string& path, std::int32_t lo,
                                            std::int32_t hi) const;
  std::vector<double> real_choices(const YAML::Node& v, const std::string& path, double lo, double hi) const;
  std::vector<bool> boolean_choices(const YAML::Node& v, const std::string& path) const;
  std::vector<std::size_t> word_choices(const YAML::Node& v, const std::string& path,
                                        std::initializer_list<std::string_view> words) const;
  /// Channel counts: integer_choices, or {multiple_of: N or P, min, max} (every multiple in
  /// [min, max], at least one). `uncurated`: every integer from the smallest choice to the
  /// largest.
  std::vector<std::int32_t> channel_choices(const YAML::Node& v, const std::string& path, bool uncurated) const;

  /// The index of the value `v` names in `choices` (read as integer_choices etc. read one).
  std::size_t index_of(const std::vector<std::int32_t>& choices, const YAML::Node& v, const std::string& path) const;
  std::size_t index_of(const std::vector<double>& choices, const YAML::Node& v, const std::string& path) const;
  std::size_t index_of(const std::vector<bool>& choices, const YAML::Node& v, const std::string& path) const;

 private:
  template <class T, class Read>
  std::vector<T> choices(const YAML::Node& v, const std::string& path, Read read) const;

  std::string source_;
  SpaceOptions options_;
};

}  // namespace hwnas::space
