// A small, fast, non-cryptographic hash combiner for structural hashing.
#pragma once

#include <cstdint>
#include <string_view>

namespace hwnas {

/// Mixes `value` into `seed` (a 64-bit variant of boost::hash_combine with a murmur finaliser).
inline std::uint64_t hash_mix(std::uint64_t seed, std::uint64_t value) {
  value *= 0x9e3779b97f4a7c15ULL;
  value ^= value >> 32;
  seed ^= value + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2);
  return seed;
}


/// FNV-1a of a string: stable across runs, builds and platforms (unlike std::hash), for
/// identities stored in files.
inline std::uint64_t stable_hash(std::string_view text) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char ch : text) h = (h ^ ch) * 1099511628211ULL;
  return h;
}

}  // namespace hwnas
