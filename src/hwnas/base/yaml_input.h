// Strict reading of the YAML (and JSON, a subset of it) files hwnas takes: model files and
// hardware descriptions.
//
// yaml-cpp follows YAML 1.1 and is lenient: YAML::Load keeps the first of several
// documents and drops the rest ("{...} garbage", a second document after "---", junk after
// "..."), and its number conversions read 010 as octal 8, 0x10 as 16 and .inf as infinity.
// Every reader goes through the functions here instead, so all files fail alike.
//
// Types are read from how a value is written, not guessed: a number or a boolean is a
// plain scalar (4, true); a quoted one ("4", 'true') is a string and is refused where a
// number or boolean belongs. Explicit tags (!!str 4, !!float 4, !custom 3) are refused
// everywhere, the core ones too: a tag would make a value's type differ from how it reads.
// A file whose name ends in .json is strict JSON (RFC 8259): no trailing comma, comment or
// YAML-only syntax, and no key twice; any other name is read as YAML (JSON is a subset).
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace hwnas {

/// Parses `text` as exactly one YAML/JSON document whose mapping keys are unique names and
/// whose nodes carry no explicit tag; a `source` ending in .json must also be strict JSON.
/// Throws UserError naming `source`: "SOURCE:LINE:COLUMN: not valid JSON: MSG" (a .json
/// source), "SOURCE:LINE: the tag '!!str' is not taken; ...", "SOURCE:LINE: not valid YAML/JSON: MSG", "SOURCE: the
/// file is empty; ...", "SOURCE:LINE: text after the first document (a second document,
/// or junk after the first); a WHAT holds exactly one document", "SOURCE:LINE: key 'k'
/// appears twice in one mapping; keep one", or "SOURCE:LINE: aliases expand the document
/// to more than 1000000 nodes; ..." (an alias bomb). A value left empty (`key:` at the end
/// of its line, `-` alone) is a null marked at its key (or '-'), not at the next token as
/// yaml-cpp marks it, so errors about it name its own line.
YAML::Node parse_yaml_document(std::string_view text, const std::string& source, std::string_view what);

/// read_text_file (file_io.h) then parse_yaml_document, with `path` as the source.
YAML::Node load_yaml_file(const std::string& path, std::string_view what);

/// Why a scalar is not an acceptable number.
enum class NumberProblem : std::uint8_t {
  none,
  malformed,     // not a scalar, not decimal (0x10, 0o7, 1_000, .inf, .nan, 1.5 for an integer)
  leading_zero,  // 010, 00.5: YAML 1.1 reads 010 as octal 8, so no spelling with one is taken
  too_small,     // below the range asked for
  too_large,     // above it (integers: also beyond int64)
  quoted,        // a quoted scalar ("4" in YAML or JSON): a string, not a number
};

/// Whether `v` is a scalar written plain, without quotes: only those are numbers or booleans.
bool is_plain_scalar(const YAML::Node& v);

/// A value as errors quote it: '4' (plain), the string "4" (quoted), a list, a mapping, or
/// null; control and non-UTF-8 bytes escaped (printable.h).
std::string value_words(const YAML::Node& v);

/// Reads scalar `v` as a decimal integer (optional sign, digits, no leading zero) in
/// [lo, hi]; `out` is set only when the result is NumberProblem::none.
NumberProblem read_integer(const YAML::Node& v, std::int64_t lo, std::int64_t hi, std::int64_t& out);

/// Reads scalar `v` as a finite decimal number (optional sign, digits with an optional
/// fraction, optional exponent; no leading zero) in [lo, hi]; `out` is set only on none.
NumberProblem read_real(const YAML::Node& v, double lo, double hi, double& out);

/// The words that follow "NAME = VALUE " for a leading zero or an out-of-range value, e.g.
/// "is too large (at most 2147483647)", "has a leading zero; write 10 (YAML 1.1 would read
/// 010 as octal 8)"; for `quoted`, the words that follow "KEY must be an integer, ": "got
/// the string \"4\"; write it without quotes". `lo` and `hi` are the range as the reader states it.
std::string number_problem_words(NumberProblem problem, std::string_view value, std::string_view lo,
                                 std::string_view hi);

}  // namespace hwnas
