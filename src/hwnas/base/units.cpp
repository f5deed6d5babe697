#include "hwnas/base/units.h"

#include <array>
#include <string>
#include <utility>

#include "hwnas/base/error.h"

namespace hwnas {
namespace {

constexpr std::int64_t kMax = std::int64_t{1} << 62;

struct Unit {
  std::string_view name;
  std::int64_t factor;
};

constexpr std::array<Unit, 8> kByteUnits = {{{"B", 1},
                                             {"kB", 1'000},
                                             {"KB", 1'000},
                                             {"MB", 1'000'000},
                                             {"GB", 1'000'000'000},
                                             {"KiB", std::int64_t{1} << 10},
                                             {"MiB", std::int64_t{1} << 20},
                                             {"GiB", std::int64_t{1} << 30}}};
constexpr std::array<Unit, 4> kCountUnits = {{{"K", 1'000}, {"k", 1'000}, {"M", 1'000'000}, {"G", 1'000'000'000}}};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

template <std::size_t N>
std::int64_t parse_with_units(std::string_view text, std::string_view where, const std::array<Unit, N>& units,
                              std::string_view noun, std::string_view example, std::string_view whole_noun) {
  std::string listed;
  for (const Unit& u : units) listed += (listed.empty() ? "" : ", ") + std::string(u.name);
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
  while (at < text.size() && is_digit(text[at])) {
    if (whole > 0 && text[0] == '0') fail("has a leading zero; write it without (YAML 1.1 reads 010 as octal 8)");
    mantissa = mantissa * 10 + static_cast<unsigned>(text[at] - '0');
    if (mantissa > kMax) fail("is too large (at most 2^62)");
    ++whole, ++at;
  }
  if (whole == 0) fail(malformed);
  if (at < text.size() && text[at] == '.') {
    ++at;
    std::size_t fraction = 0;
    while (at < text.size() && is_digit(text[at])) {
      if (scale == 1'000'000'000) fail("has more than 9 decimals");
      mantissa = mantissa * 10 + static_cast<unsigned>(text[at] - '0');
      scale *= 10;
      ++fraction, ++at;
    }
    if (fraction == 0) fail(malformed);
  }
  std::int64_t factor = at == text.size() ? 1 : 0;  // no unit
  if (at < text.size() && text[at] == ' ') ++at;
  const std::string_view unit = text.substr(at);
  for (const Unit& u : units)
    if (unit == u.name) factor = u.factor;
  if (factor == 0) fail(malformed);
  const unsigned __int128 product = mantissa * static_cast<unsigned __int128>(factor);
  if (product % static_cast<unsigned __int128>(scale) != 0) fail("is not a whole number of " + std::string(whole_noun));
  const unsigned __int128 value = product / static_cast<unsigned __int128>(scale);
  if (value > kMax) fail("is too large (at most 2^62)");
  return static_cast<std::int64_t>(value);
}

}  // namespace

std::int64_t parse_bytes(std::string_view text, std::string_view where) {
  return parse_with_units(text, where, kByteUnits, "a byte size", "512KiB or 4MB", "bytes");
}

std::int64_t parse_count(std::string_view text, std::string_view where) {
  return parse_with_units(text, where, kCountUnits, "a count", "3400000 or 3.4M", "units");
}

}  // namespace hwnas
