// Building blocks of hwnas's HTML reports: escaping user text and the page around the
// content.
//
// Reports are single files that open offline: no script, no external resource. The page
// carries a Content-Security-Policy that forbids scripts and fetches, a second line of
// defence behind the escaping of every user string (model, space and layer names,
// architecture strings, config text, paths).
#pragma once

#include <string>
#include <string_view>

namespace hwnas::report {

/// `text` safe inside HTML or SVG text and inside a quoted attribute: & < > " ' become
/// entities. Everything printable() (base/printable.h) escapes is escaped the same way
/// (\n, \0, \xNN for a byte that is not UTF-8, \u202e for a bidirectional control), so
/// the result is one line of valid UTF-8; with `multiline` (config text in a <pre>),
/// line feeds, carriage returns and tabs are kept instead.
std::string escape_html(std::string_view text, bool multiline = false);

/// A complete HTML5 document: UTF-8, the report's style sheet, a CSP that allows inline
/// styles and nothing else, `title` (escaped) and `body` (already HTML, inserted as it is).
std::string html_document(std::string_view title, std::string_view body);

}  // namespace hwnas::report
