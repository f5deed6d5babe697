// A small, fast, non-cryptographic hash combiner for structural hashing.
#pragma once

#include <cstdint>

namespace hwnas::graph {

/// Mixes `value` into `seed` (a 64-bit variant of boost::hash_combine with a murmur finaliser).
inline std::uint64_t hash_mix(std::uint64_t seed, std::uint64_t value) {
  value *= 0x9e3779b97f4a7c15ULL;
  value ^= value >> 32;
  seed ^= value + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2);
  return seed;
}

}  // namespace hwnas::graph
