// Machine-readable output of every verb: one JSON document on stdout.
#pragma once

#include <fmt/format.h>

namespace hwnas::cli {

/// Prints `doc` (nlohmann::json or ordered_json) indented by 2, then a line break. Strings
/// are UTF-8 as JSON requires: names and paths that are not (read from a file or the
/// command line as raw bytes) have each invalid byte replaced by U+FFFD, so stdout is always
/// one valid document; control characters are JSON escapes (\n, \u0000).
template <class Json>
void emit_json(const Json& doc) {
  fmt::print("{}\n", doc.dump(2, ' ', false, Json::error_handler_t::replace));
}

}  // namespace hwnas::cli
