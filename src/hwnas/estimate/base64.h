// Base64 (RFC 4648) for binary blobs inside JSON files.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace hwnas::estimate {

std::string base64_encode(std::string_view bytes);
/// nullopt when `text` is not valid base64.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace hwnas::estimate
