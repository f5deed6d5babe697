// The data generators' random numbers: splitmix64 (Steele, Lea and Flood, "Fast splittable
// pseudorandom number generators", OOPSLA 2014), with our own range mappings, so that a
// seed gives the same batches and scenes on any machine (the standard leaves
// std::uniform_int_distribution's output to the library).
#pragma once

#include <cstdint>

namespace hwnas::train {

/// splitmix64's output function: a bijective 64-bit mix.
inline std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/// A stream of random numbers keyed by (seed, a, b): streams of different keys are
/// independent for our purposes, so image i's draws do not depend on what came before.
class SplitMix {
 public:
  explicit SplitMix(std::uint64_t seed, std::uint64_t a = 0, std::uint64_t b = 0)
      : state_(mix64(mix64(seed ^ 0x6a09e667f3bcc909ULL) ^ a) ^ mix64(b + 0x3c6ef372fe94f82bULL)) {}

  std::uint64_t next() { return mix64(state_ += 0x9e3779b97f4a7c15ULL); }

  /// Uniform in [0, 1) with 53 bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

  /// Uniform in [lo, hi] (lo ≤ hi, hi - lo < 2^32), by Lemire's multiply-shift (bias < range / 2^32).
  std::int64_t integer(std::int64_t lo, std::int64_t hi) {
    const auto range = static_cast<std::uint64_t>(hi - lo) + 1;
    return lo + static_cast<std::int64_t>(((next() >> 32) * range) >> 32);
  }

  /// Uniform in [lo, hi).
  double real(double lo, double hi) { return lo + (hi - lo) * uniform(); }

 private:
  std::uint64_t state_;
};

}  // namespace hwnas::train
