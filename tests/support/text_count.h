// How many times a string occurs in a text: the report and HTML tests count elements.
#pragma once

#include <cstddef>
#include <string>

namespace hwnas::testing {

/// Occurrences of `what` in `text`, overlapping ones included; `what` not empty.
inline std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace hwnas::testing
