// The --serve loop of hwnas-train's long-lived verbs (`proxy --serve`, `supernet eval
// --serve`; the search's served_program.h is their client): one request per stdin line,
// one JSON object per request on one stdout line, flushed, until stdin ends.
//
// A request is its line with leading and trailing whitespace (spaces, tabs, a CR) removed.
// Every line gets an answer, so a client that waits for one never hangs: a blank line is
// answered with the verb's error object too ("empty request: ..."), and so is a line over
// 4096 bytes (PATH_MAX), which no model is, with its first 60 bytes as the request ("a
// request of N bytes ('...') is no model: ...") rather than echoed whole.
#pragma once

#include <cstdio>
#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace hwnas::cli {

/// `line` without its leading and trailing whitespace (spaces, tabs, CR, LF, VT, FF): a
/// --serve request, and a line of `hwnas proxy --models FILE`.
std::string trim_blank(std::string_view line);

/// `answer` maps a request to its JSON object, throwing UserError for one it refuses;
/// `refusal` maps (request, the error's one line) to the error object (e.g. {"error"}, or
/// {"model", "error"}), which a blank request gets as well. Strings are written as UTF-8
/// (invalid bytes replaced).
using ServeAnswer = std::function<nlohmann::ordered_json(const std::string& request)>;
using ServeRefusal = std::function<nlohmann::ordered_json(const std::string& request, const std::string& error)>;
void serve_lines(std::istream& in, std::FILE* out, const ServeAnswer& answer, const ServeRefusal& refusal);

}  // namespace hwnas::cli
