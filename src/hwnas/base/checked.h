// Checked integer arithmetic for counts built from user numbers (shapes, MACs, bytes).
//
// A model file may hold any int32 in any attribute, so a product of a few of them can
// pass int64 (a 2147483647×2147483647 kernel) and a sum of channels can pass int32. Every
// count hwnas derives from such numbers goes through these helpers; the caller turns
// std::nullopt into a UserError that names the node (or the kernel) and the quantity.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>

namespace hwnas {

/// a + b, or std::nullopt when the exact sum does not fit in int64.
inline std::optional<std::int64_t> checked_add(std::int64_t a, std::int64_t b) {
  std::int64_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum)) return std::nullopt;
  return sum;
}

/// a · b, or std::nullopt when the exact product does not fit in int64.
inline std::optional<std::int64_t> checked_mul(std::int64_t a, std::int64_t b) {
  std::int64_t product = 0;
  if (__builtin_mul_overflow(a, b, &product)) return std::nullopt;
  return product;
}

/// The product of non-negative `factors`, or std::nullopt when it does not fit in int64
/// (a zero factor makes it 0 whatever the others are).
inline std::optional<std::int64_t> checked_product(std::initializer_list<std::int64_t> factors) {
  for (const std::int64_t f : factors)
    if (f == 0) return 0;
  std::int64_t product = 1;
  for (const std::int64_t f : factors)
    if (__builtin_mul_overflow(product, f, &product)) return std::nullopt;
  return product;
}

/// True when `value` fits in int32 (a shape dimension or an op attribute).
inline bool fits_int32(std::int64_t value) {
  return value >= std::numeric_limits<std::int32_t>::min() &&
         value <= std::numeric_limits<std::int32_t>::max();
}

}  // namespace hwnas
