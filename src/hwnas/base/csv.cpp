#include "hwnas/base/csv.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

#include "hwnas/base/error.h"
#include "hwnas/base/file_io.h"

namespace hwnas {

double parse_latency_ms(std::string_view text, const std::string& source, std::int64_t line,
                        const std::string& column) {
  const std::string where = fmt::format("{}:{}: column '{}': '{}'", source, line, column, text);
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  double ms = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), ms);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || !std::isfinite(ms) || ms < 0)
    throw UserError(where + " is not a positive number of milliseconds");
  if (ms == 0) throw UserError(where + " is not a positive number of milliseconds: no network runs in 0 ms");
  if (ms > kMaxLatencyMs)
    throw UserError(where + " is more than the largest latency a table may hold, 1e7 ms (2.8 hours); check "
                            "the column's unit");
  return ms;
}

CsvTable parse_csv(std::string_view text, const std::string& source) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  CsvTable table;
  std::vector<std::string> fields;
  std::string field;
  bool quoted_field = false;  // the current row has a quoted field: never a blank line
  bool in_quotes = false;
  std::int64_t line = 1, row_line = 1, quote_line = 1;

  const auto end_row = [&] {
    fields.push_back(std::move(field));
    field.clear();
    const bool blank = fields.size() == 1 && fields[0].empty() && !quoted_field;
    if (!blank) {
      if (table.header.empty()) {
        table.header = std::move(fields);
      } else {
        if (fields.size() != table.header.size())
          throw UserError(fmt::format("{}:{}: {} fields, but the header has {} columns; every row "
                                      "needs one value per column",
                                      source, row_line, fields.size(), table.header.size()));
        table.rows.push_back(std::move(fields));
        table.row_lines.push_back(row_line);
      }
    }
    fields.clear();
    quoted_field = false;
  };

  bool closed_quote = false;  // the current field's closing quote was just read
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\0')
      throw UserError(fmt::format("{}:{}: a NUL byte; a CSV table is text", source, line));
    if (in_quotes) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        in_quotes = false;
        closed_quote = true;
      } else {
        if (c == '\n') ++line;
        field += c;
      }
      continue;
    }
    const bool crlf = c == '\r' && i + 1 < text.size() && text[i + 1] == '\n';
    if (closed_quote && c != ',' && c != '\n' && !crlf)
      throw UserError(fmt::format("{}:{}: text after the closing quote of a field; a quoted field ends "
                                  "at a comma or the line's end",
                                  source, line));
    closed_quote = false;
    switch (c) {
      case '"':
        if (!field.empty())
          throw UserError(fmt::format("{}:{}: a '\"' inside an unquoted field; quote the whole field and "
                                      "double the quote inside (\"a \"\"b\"\"\")",
                                      source, line));
        in_quotes = quoted_field = true;
        quote_line = line;
        break;
      case ',':
        fields.push_back(std::move(field));
        field.clear();
        break;
      case '\r':
        if (!crlf) field += c;
        break;
      case '\n':
        end_row();
        row_line = ++line;
        break;
      default:
        field += c;
    }
  }
  if (in_quotes)
    throw UserError(fmt::format("{}:{}: a quoted field is never closed; add the closing '\"'",
                                source, quote_line));
  if (!field.empty() || !fields.empty() || quoted_field) end_row();
  if (table.header.empty())
    throw UserError(fmt::format("{}: the file is empty; a CSV table needs a header line", source));
  return table;
}

CsvTable read_csv(const std::string& path) { return parse_csv(read_text_file(path, "latency table"), path); }

}  // namespace hwnas
