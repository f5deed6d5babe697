// AttrReader and AttrWriter: model-file values of op attributes, through their AttrSpecs.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>

#include "hwnas/graph/op_description.h"

namespace hwnas::graph::detail {
namespace {

std::string key_of(const AttrSpec& a) { return std::string(a.key); }

std::int32_t int_fallback(const AttrSpec& a) { return static_cast<std::int32_t>(a.fallback); }

}  // namespace

std::int32_t AttrReader::integer(const AttrSpec& a) {
  const std::optional<std::int32_t> fallback =
      a.required ? std::nullopt : std::optional(int_fallback(a));
  if (a.min >= 1) return r_.positive(key_of(a), fallback);
  return r_.non_negative(key_of(a), fallback.value_or(0));
}

std::pair<std::int32_t, std::int32_t> AttrReader::pair(const AttrSpec& a) {
  return r_.pair(key_of(a), int_fallback(a), a.min < 1);
}

std::array<std::int32_t, 4> AttrReader::padding(const AttrSpec& a,
                                                std::array<std::int32_t, 4> fallback) {
  const std::optional<std::array<std::int32_t, 4>> pads = r_.padding(key_of(a));
  return pads.value_or(fallback);
}

bool AttrReader::boolean(const AttrSpec& a) { return r_.boolean(key_of(a), a.fallback != 0); }

double AttrReader::real(const AttrSpec& a) { return r_.number(key_of(a), a.fallback, a.min, a.max); }

std::size_t AttrReader::choice(const AttrSpec& a, std::size_t fallback) {
  if (!has(a)) return fallback;
  const std::string value = r_.text(key_of(a));
  for (std::size_t i = 0; i < a.choices.size(); ++i)
    if (a.choices[i] == value) return i;
  r_.fail(fmt::format("{} must be one of {}; got '{}'", a.key, fmt::join(a.choices, ", "), value));
}

std::vector<std::int32_t> AttrReader::ints(const AttrSpec& a) { return r_.ints(key_of(a), a.count); }

void AttrWriter::integer(const AttrSpec& a, std::int32_t value) {
  if (a.written_always || a.required || value != int_fallback(a)) out_[key_of(a)] = value;
}

void AttrWriter::pair(const AttrSpec& a, std::int32_t h, std::int32_t w) {
  if (!a.written_always && h == int_fallback(a) && w == int_fallback(a)) return;
  if (h == w) out_[key_of(a)] = h;
  else out_[key_of(a)] = {h, w};
}

void AttrWriter::padding(const AttrSpec& a, std::int32_t top, std::int32_t left,
                         std::int32_t bottom, std::int32_t right) {
  if (top != bottom || left != right) out_[key_of(a)] = {top, left, bottom, right};
  else pair(a, top, left);
}

void AttrWriter::boolean(const AttrSpec& a, bool value) {
  if (a.written_always || value != (a.fallback != 0)) out_[key_of(a)] = value;
}

void AttrWriter::real(const AttrSpec& a, double value) {
  if (a.written_always || value != a.fallback) out_[key_of(a)] = value;
}

void AttrWriter::choice(const AttrSpec& a, std::size_t value, std::size_t fallback) {
  if (a.written_always || value != fallback) out_[key_of(a)] = std::string(a.choices[value]);
}

void AttrWriter::ints(const AttrSpec& a, std::span<const std::int32_t> values) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const std::int32_t v : values) list.push_back(v);
  out_[key_of(a)] = std::move(list);
}

}  // namespace hwnas::graph::detail
