// Sizes, counts and times with units, as users write limits: "512KiB", "4MB", "3.4M", "4000 us".
// The one table of units: space filters parse with parse_bytes/parse_count, objective
// constraints (search/constraint.h) look their units up with unit_factor.
//
// Byte units are the IEC binary ones (KiB = 1024, MiB = 1024², GiB = 1024³) and the SI
// decimal ones (kB or KB = 1000, MB = 1000², GB = 1000³), plus B; count suffixes are SI
// (K or k, M, G); times are in milliseconds (ms, us = 10⁻³ ms, s = 10³ ms). Units are
// case-sensitive otherwise (kb, mib, m are refused: 'mb' could be millibits), one space
// may separate number and unit, and the number is decimal (digits, an optional fraction,
// no sign, no exponent, no leading zero: 010 is refused as YAML 1.1 would read it as octal).
// The value must come out a whole number (1.5KiB = 1536 is, 1.5B is not) of at most 2^62.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace hwnas {

/// What a quantity measures, and so which units it takes and its base unit.
enum class UnitKind : std::uint8_t { bytes, count, milliseconds };

/// A unit and how many of its kind's base unit (byte, 1, ms) one of it is.
struct Unit {
  std::string_view name;
  double factor;
};

/// The units of a kind, in the order errors list them (bytes: B, kB, KB, MB, GB, KiB, MiB,
/// GiB; count: K, k, M, G; milliseconds: ms, us, s).
std::span<const Unit> units_of(UnitKind kind);
/// The factor of `unit` (exact name, case-sensitive) among the kind's units; nullopt when
/// it is not one of them.
std::optional<double> unit_factor(UnitKind kind, std::string_view unit);
/// The kind's unit names, comma-separated in units_of's order: "B, kB, ..., GiB".
std::string unit_names(UnitKind kind);

/// Bytes: "512KiB", "4 MB", "1.5GiB", "1000" (no unit: bytes). Throws UserError
/// "WHERE: 'TEXT' is not a byte size; write a number and a unit, e.g. 512KiB or 4MB (units
/// B, kB, KB, MB, GB, KiB, MiB, GiB)", or "... is not a whole number of bytes", "... is too large".
std::int64_t parse_bytes(std::string_view text, std::string_view where);

/// A count (parameters, MACs): "3400000", "3.4M", "600K", "2G". Throws UserError naming
/// `where` as parse_bytes does (suffixes K, k, M, G).
std::int64_t parse_count(std::string_view text, std::string_view where);

}  // namespace hwnas
