// Printing text of several lines that holds user-given names (models, blocks, paths).
#pragma once

#include <algorithm>
#include <string>
#include <string_view>

#include "hwnas/base/printable.h"

namespace hwnas::cli {

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
