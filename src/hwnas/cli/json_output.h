// Machine-readable output of every verb: one JSON document on stdout.
#pragma once

#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <string>

namespace hwnas::cli {

/// A top-1 fraction measured on `images` images as a percentage for JSON, computed from
/// the count of correct images so that it prints as a decimal (1,940 of 10,000 reads 19.4,
/// not 100 × 0.194 = 19.400000000000002); 100 × top1 when `images` is not positive.
inline double percent_of_images(double top1, std::int64_t images) {
  return images > 0 ? std::round(top1 * double(images)) * 100.0 / double(images) : 100 * top1;
}

/// `value` rounded to 12 significant digits, for JSON numbers computed in floating point
/// whose exact inputs are gone (a sum of kernel latencies, an accuracy read back from a
/// store): 91.23000000000001 prints as 91.23. Measurements carry far fewer digits (a top-1
/// on 10,000 images: 5). Non-finite values are returned as they are.
inline double json_number(double value) {
  return std::isfinite(value) ? std::stod(fmt::format("{:.12g}", value)) : value;
}

/// Prints `doc` (nlohmann::json or ordered_json) indented by 2, then a line break. Strings
/// are UTF-8 as JSON requires: names and paths that are not (read from a file or the
/// command line as raw bytes) have each invalid byte replaced by U+FFFD, so stdout is always
/// one valid document; control characters are JSON escapes (\n, \u0000).
template <class Json>
void emit_json(const Json& doc) {
  fmt::print("{}\n", doc.dump(2, ' ', false, Json::error_handler_t::replace));
}

}  // namespace hwnas::cli
