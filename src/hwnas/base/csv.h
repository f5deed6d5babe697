// A small CSV reader for latency tables: a header line, then one row per line.
//
// Fields are separated by commas; a field may be quoted with double quotes (a doubled
// quote inside is one quote, and a quoted field may span lines); RFC 4180, strictly: a
// quote elsewhere, or text after a closing quote, is an error. CRLF line ends and a
// UTF-8 byte-order mark are accepted; blank lines are skipped.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hwnas {

struct CsvTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;  // each as long as the header
  std::vector<std::int64_t> row_lines;         // 1-based line where each row starts
};

/// The largest latency a table may hold, in ms: 1e7 ms, 2.8 hours for one network
/// inference. Tables hold measured inferences (the bundled ones span 3.5 ms to 245 ms); a
/// value past 1e7 is a unit mistake (ns or µs written as ms) or garbage, and one of 1e308
/// printed 309-digit or inf sums. Estimates past it are refused as well.
inline constexpr double kMaxLatencyMs = 1e7;

/// A latency cell: a finite decimal number of ms in (0, kMaxLatencyMs], blanks around it
/// allowed. Throws UserError "SOURCE:LINE: column 'COLUMN': 'TEXT' is not a number of
/// milliseconds above 0 and at most 1e7" otherwise (zero is refused: no network runs in no
/// time, and the estimators fit logarithms).
double parse_latency_ms(std::string_view text, const std::string& source, std::int64_t line,
                        const std::string& column);

/// Parses `text`; `source` names it in errors. Throws UserError naming source and line
/// for an unterminated quote, text after a closing quote, a quote inside an unquoted
/// field, a NUL byte, or a row whose field count differs from the header's.
CsvTable parse_csv(std::string_view text, const std::string& source);

/// Reads and parses the file at `path`; throws UserError naming it when it cannot be read.
CsvTable read_csv(const std::string& path);

}  // namespace hwnas
