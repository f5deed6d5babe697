// "Did you mean" for misspelt names: the known name closest to what the user wrote.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace hwnas {

/// The name in `known` at the smallest edit distance (insertions, deletions, substitutions
/// and swaps of adjacent letters, each 1) from `word`, if that distance is at most
/// max(1, |word| / 3); else the first name that starts with `word` (3 letters or more);
/// else empty. Ties go to the earlier name.
std::string closest_name(std::string_view word, std::span<const std::string_view> known);

/// "; did you mean 'NAME'?" for closest_name, or "" when none is close.
std::string did_you_mean(std::string_view word, std::span<const std::string_view> known);

}  // namespace hwnas
