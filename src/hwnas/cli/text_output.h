// Printing text of several lines that holds user-given names (models, blocks, paths).
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>

#include "hwnas/base/printable.h"

namespace hwnas::cli {

/// The width, in characters, of a table's name column (hwnas simulate, inspect, estimate):
/// a longer name is shortened in the middle to it, printable(name, kNameColumns); --json
/// has the names whole.
inline constexpr std::size_t kNameColumns = 64;

/// `text` with each line made printable() (control characters of names escaped) and the
/// line breaks kept; every line, the last too, ends with '\n'.
inline std::string printable_lines(std::string_view text) {
  std::string out;
  for (std::size_t at = 0, end; at < text.size(); at = end + 1) {
    end = std::min(text.find('\n', at), text.size());
    out += printable(text.substr(at, end - at)) + "\n";
  }
  return out;
}

}  // namespace hwnas::cli
