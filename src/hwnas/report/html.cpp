#include "hwnas/report/html.h"

#include <fmt/format.h>

#include "hwnas/base/printable.h"

namespace hwnas::report {

std::string escape_html(std::string_view text, bool multiline) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (const std::string& unit : printable_detail::printable_units(text)) {
    if (multiline && (unit == "\\n" || unit == "\\r" || unit == "\\t")) {
      out += unit[1] == 'n' ? '\n' : unit[1] == 'r' ? '\r' : '\t';
      continue;
    }
    if (unit.size() != 1) {  // an escape sequence or a multi-byte character: no markup in it
      out += unit;
      continue;
    }
    switch (unit[0]) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += unit;
    }
  }
  return out;
}

std::string html_document(std::string_view title, std::string_view body) {
  return fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>{}</title>\n<style>\n"
      "body {{ font-family: sans-serif; margin: 24px; color: #222; max-width: 1400px; }}\n"
      "h1 {{ font-size: 22px; }} h2 {{ font-size: 18px; margin-top: 32px; border-bottom: 1px solid #ccc; }}\n"
      "h3 {{ font-size: 15px; }}\n"
      "table {{ border-collapse: collapse; font-size: 13px; margin: 8px 0; }}\n"
      "th, td {{ border: 1px solid #ccc; padding: 3px 8px; text-align: left; vertical-align: top; }}\n"
      "td.num {{ text-align: right; font-variant-numeric: tabular-nums; }}\n"
      "code, pre {{ font-family: monospace; font-size: 12px; word-break: break-all; }}\n"
      "pre {{ background: #f6f6f6; padding: 8px; white-space: pre-wrap; }}\n"
      ".row {{ display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }}\n"
      ".note {{ color: #555; font-size: 13px; }}\n"
      "svg {{ max-width: 100%; height: auto; }}\n"
      "</style>\n</head>\n<body>\n{}</body>\n</html>\n",
      escape_html(title), body);
}

}  // namespace hwnas::report
