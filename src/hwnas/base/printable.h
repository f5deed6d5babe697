// Text quoted from the user's input (node, block, model and target names, paths), made safe
// to print on one line of a terminal: every human table and every error message of hwnas
// shows such text through printable(), so the same name reads the same everywhere.
//
// Escapes, C-style: NUL \0, line feed \n, carriage return \r, tab \t; other C0 controls and
// DEL \xNN; a byte that is not part of valid UTF-8 \xNN (the raw byte); C1 controls, the
// line and paragraph separators U+2028/U+2029 and the bidirectional controls (U+061C,
// U+200E/F, U+202A–E, U+2066–9) \uXXXX. Everything else, including valid non-ASCII UTF-8,
// is kept. A backslash is kept as it is (paths and messages stay readable), so a name
// holding the two characters "\n" prints like one holding a line break; `--json` output
// tells them apart.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hwnas {

namespace printable_detail {

/// The length of the valid UTF-8 sequence at `text[i]` (1 to 4) and its code point, or 0
/// when the bytes there are not valid UTF-8 (overlong, surrogate, above U+10FFFF, cut short).
inline std::size_t utf8_sequence(std::string_view text, std::size_t i, std::uint32_t& code) {
  const auto byte = [&](std::size_t k) { return static_cast<std::uint8_t>(text[k]); };
  const std::uint8_t lead = byte(i);
  std::size_t length = 0;
  if (lead < 0x80) length = 1, code = lead;
  else if (lead >= 0xC2 && lead <= 0xDF) length = 2, code = lead & 0x1Fu;
  else if (lead >= 0xE0 && lead <= 0xEF) length = 3, code = lead & 0x0Fu;
  else if (lead >= 0xF0 && lead <= 0xF4) length = 4, code = lead & 0x07u;
  else return 0;
  if (i + length > text.size()) return 0;
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0u) != 0x80u) return 0;
    code = (code << 6) | (byte(i + k) & 0x3Fu);
  }
  const bool overlong = (length == 3 && code < 0x800) || (length == 4 && code < 0x10000);
  if (overlong || (code >= 0xD800 && code <= 0xDFFF) || code > 0x10FFFF) return 0;
  return length;
}

inline bool is_hidden_format(std::uint32_t code) {
  return (code >= 0x80 && code <= 0x9F) || code == 0x2028 || code == 0x2029 || code == 0x061C ||
         code == 0x200E || code == 0x200F || (code >= 0x202A && code <= 0x202E) ||
         (code >= 0x2066 && code <= 0x2069);
}

/// `text` cut into printable units: an escape sequence, or one kept character's bytes.
inline std::vector<std::string> printable_units(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::vector<std::string> units;
  units.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    std::uint32_t code = 0;
    const std::size_t length = utf8_sequence(text, i, code);
    if (length == 0 || code < 0x20 || code == 0x7F) {
      const auto b = static_cast<std::uint8_t>(text[i]);
      if (length != 0 && b == 0) units.emplace_back("\\0");
      else if (length != 0 && b == '\n') units.emplace_back("\\n");
      else if (length != 0 && b == '\r') units.emplace_back("\\r");
      else if (length != 0 && b == '\t') units.emplace_back("\\t");
      else units.push_back(std::string{'\\', 'x', kHex[b >> 4], kHex[b & 0xF]});
      ++i;
    } else if (is_hidden_format(code)) {
      units.push_back(std::string{'\\', 'u', kHex[(code >> 12) & 0xF], kHex[(code >> 8) & 0xF],
                                  kHex[(code >> 4) & 0xF], kHex[code & 0xF]});
      i += length;
    } else {
      units.emplace_back(text.substr(i, length));
      i += length;
    }
  }
  return units;
}

}  // namespace printable_detail

/// Whether `text` is valid UTF-8 (JSON can hold it as it is).
inline bool is_valid_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    std::uint32_t code = 0;
    const std::size_t length = printable_detail::utf8_sequence(text, i, code);
    if (length == 0) return false;
    i += length;
  }
  return true;
}

/// `text` with the escapes above: one line, valid UTF-8, no terminal controls.
inline std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const std::string& unit : printable_detail::printable_units(text)) out += unit;
  return out;
}

/// printable(text), shortened in the middle to `max_units` characters (an escape sequence
/// counts as its length) with "..." standing for what was cut, when it is longer: for the
/// name column of a table, so one very long name does not widen every row. `max_units`
/// must be at least 5.
inline std::string printable(std::string_view text, std::size_t max_units) {
  const std::vector<std::string> units = printable_detail::printable_units(text);
  std::size_t width = 0;
  for (const std::string& u : units) width += u[0] == '\\' ? u.size() : 1;
  if (width <= max_units) {
    std::string out;
    for (const std::string& u : units) out += u;
    return out;
  }
  // Keep whole units from both ends, about half the room each.
  const std::size_t room = max_units - 3;
  std::string head, tail;
  std::size_t used = 0, front = 0;
  for (; front < units.size(); ++front) {
    const std::size_t w = units[front][0] == '\\' ? units[front].size() : 1;
    if (used + w > (room + 1) / 2) break;
    head += units[front], used += w;
  }
  for (std::size_t back = units.size(); back > front; --back) {
    const std::string& u = units[back - 1];
    const std::size_t w = u[0] == '\\' ? u.size() : 1;
    if (used + w > room) break;
    tail.insert(0, u), used += w;
  }
  return head + "..." + tail;
}

/// "1 trial", "2 trials": `n` and `word`, with an "s" unless n is 1 (regular plurals only).
inline std::string plural(std::int64_t n, std::string_view word) {
  return std::to_string(n) + " " + std::string(word) + (n == 1 ? "" : "s");
}

}  // namespace hwnas
