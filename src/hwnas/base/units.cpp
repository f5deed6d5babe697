#include "hwnas/base/units.h"

#include <array>
#include <string>
#include <utility>

#include "hwnas/base/error.h"

namespace hwnas {
namespace {

constexpr std::int64_t kMax = std::int64_t{1} << 62;

constexpr std::array<Unit, 8> kByteUnits = {{{"B", 1},
                                             {"kB", 1e3},
                                             {"KB", 1e3},
                                             {"MB", 1e6},
                                             {"GB", 1e9},
                                             {"KiB", 1024.0},
                                             {"MiB", 1024.0 * 1024},
                                             {"GiB", 1024.0 * 1024 * 1024}}};
constexpr std::array<Unit, 4> kCountUnits = {{{"K", 1e3}, {"k", 1e3}, {"M", 1e6}, {"G", 1e9}}};
constexpr std::array<Unit, 3> kTimeUnits = {{{"ms", 1}, {"us", 1e-3}, {"s", 1e3}}};

bool is_ascii_digit(char c) { return c >= '0' && c <= '9'; }

/// A whole number of bytes or units: the kind's factors are whole numbers below 2^31.
std::int64_t parse_with_units(std::string_view text, std::string_view where, UnitKind kind, std::string_view noun,
                              std::string_view example, std::string_view whole_noun) {
  const std::string listed = unit_names(kind);
  const std::string quoted = "'" + std::string(text) + "'";
  const auto fail = [&](const std::string& why) -> std::int64_t {
    throw UserError(std::string(where) + ": " + quoted + " " + why);
  };
  const std::string malformed = "is not " + std::string(noun) + "; write a number and a unit, e.g. " +
                                std::string(example) + " (units " + listed + ")";
  std::size_t at = 0;
  unsigned __int128 mantissa = 0;
  std::int64_t scale = 1;  // 10^(fraction digits)
  std::size_t whole = 0;
  while (at < text.size() && is_ascii_digit(text[at])) {
    if (whole > 0 && text[0] == '0') fail("has a leading zero; write it without (YAML 1.1 reads 010 as octal 8)");
    mantissa = mantissa * 10 + static_cast<unsigned>(text[at] - '0');
    if (mantissa > kMax) fail("is too large (at most 2^62)");
    ++whole, ++at;
  }
  if (whole == 0) fail(malformed);
  if (at < text.size() && text[at] == '.') {
    ++at;
    std::size_t fraction = 0;
    while (at < text.size() && is_ascii_digit(text[at])) {
      if (scale == 1'000'000'000) fail("has more than 9 decimals");
      mantissa = mantissa * 10 + static_cast<unsigned>(text[at] - '0');
      scale *= 10;
      ++fraction, ++at;
    }
    if (fraction == 0) fail(malformed);
  }
  std::int64_t factor = at == text.size() ? 1 : 0;  // no unit
  if (at < text.size() && text[at] == ' ') ++at;
  if (const std::optional<double> f = unit_factor(kind, text.substr(at))) factor = static_cast<std::int64_t>(*f);
  if (factor == 0) fail(malformed);
  const unsigned __int128 product = mantissa * static_cast<unsigned __int128>(factor);
  if (product % static_cast<unsigned __int128>(scale) != 0) fail("is not a whole number of " + std::string(whole_noun));
  const unsigned __int128 value = product / static_cast<unsigned __int128>(scale);
  if (value > kMax) fail("is too large (at most 2^62)");
  return static_cast<std::int64_t>(value);
}

}  // namespace

std::span<const Unit> units_of(UnitKind kind) {
  switch (kind) {
    case UnitKind::bytes: return kByteUnits;
    case UnitKind::count: return kCountUnits;
    case UnitKind::milliseconds: return kTimeUnits;
  }
  HWNAS_CHECK(!"unknown UnitKind");
  return {};
}

std::optional<double> unit_factor(UnitKind kind, std::string_view unit) {
  for (const Unit& u : units_of(kind))
    if (u.name == unit) return u.factor;
  return std::nullopt;
}

std::string unit_names(UnitKind kind) {
  std::string out;
  for (const Unit& u : units_of(kind)) {
    if (!out.empty()) out += ", ";
    out += u.name;
  }
  return out;
}

std::int64_t parse_bytes(std::string_view text, std::string_view where) {
  return parse_with_units(text, where, UnitKind::bytes, "a byte size", "512KiB or 4MB", "bytes");
}

std::int64_t parse_count(std::string_view text, std::string_view where) {
  return parse_with_units(text, where, UnitKind::count, "a count", "3400000 or 3.4M", "units");
}

}  // namespace hwnas
