#include "hwnas/base/yaml_input.h"

#include <fmt/format.h>
#include <yaml-cpp/eventhandler.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <sstream>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "hwnas/base/error.h"
#include "hwnas/base/file_io.h"
#include "hwnas/base/printable.h"

namespace hwnas::detail {
struct MarkOfEmptyValue {};  // names the as_if specialisation below
}  // namespace hwnas::detail

// yaml-cpp gives no public way to correct a node's mark; Node befriends every
// as_if<T, S>, so this specialisation for a type of hwnas's own reaches it.
template <>
struct YAML::as_if<hwnas::detail::MarkOfEmptyValue, void> {
  static void set(const YAML::Node& node, const YAML::Mark& mark) {
    if (node.m_pNode != nullptr) node.m_pNode->set_mark(mark);
  }
};

namespace hwnas {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

/// Length of the run of digits at `at`.
std::size_t digits_at(std::string_view s, std::size_t at) {
  std::size_t n = 0;
  while (at + n < s.size() && is_digit(s[at + n])) ++n;
  return n;
}

/// `text` without the zeros that lead its integer part: "010" -> "10", "-00.5" -> "-0.5".
std::string without_leading_zeros(std::string_view text) {
  std::string out(text);
  const std::size_t start = !out.empty() && (out[0] == '-' || out[0] == '+') ? 1 : 0;
  while (out.size() > start + 1 && out[start] == '0' && is_digit(out[start + 1])) out.erase(start, 1);
  return out;
}

/// Most nodes that aliases may add to a document: each alias counts the nodes of what it
/// names, so an alias bomb (&a [x, x, ...], &b [*a, *a, ...], ...: 10^9 nodes from 100
/// lines) is refused before any reader walks it.
constexpr std::uint64_t kMaxAliasNodes = 1'000'000;

/// Watches the parser's events: the mark of the latest document start, and how many nodes
/// aliases add (saturating, so nested aliases cannot overflow the count).
struct DocumentEvents : YAML::EventHandler {
  static constexpr std::uint64_t kCap = std::uint64_t{1} << 60;
  YAML::Mark mark = YAML::Mark::null_mark();
  YAML::Mark bomb = YAML::Mark::null_mark();  // the alias that passed kMaxAliasNodes
  std::uint64_t alias_nodes = 0;
  std::vector<std::pair<std::uint64_t, YAML::anchor_t>> open;  // nodes so far, anchor of each collection
  std::unordered_map<YAML::anchor_t, std::uint64_t> anchored;  // nodes under each anchor

  void add(std::uint64_t nodes, YAML::anchor_t anchor) {
    if (anchor != YAML::NullAnchor) anchored[anchor] = nodes;
    if (!open.empty()) open.back().first = std::min(open.back().first + nodes, kCap);
  }
  void close() {
    const auto [nodes, anchor] = open.back();
    open.pop_back();
    add(nodes, anchor);
  }
  void OnDocumentStart(const YAML::Mark& m) override { mark = m; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t anchor) override { add(1, anchor); }
  void OnAlias(const YAML::Mark& m, YAML::anchor_t anchor) override {
    const std::uint64_t nodes = anchored[anchor];
    alias_nodes = std::min(alias_nodes + nodes, kCap);
    if (alias_nodes > kMaxAliasNodes && bomb.is_null()) bomb = m;
    add(nodes, YAML::NullAnchor);
  }
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t anchor, const std::string&) override {
    add(1, anchor);
  }
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t anchor, YAML::EmitterStyle::value) override {
    open.emplace_back(1, anchor);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t anchor, YAML::EmitterStyle::value) override {
    open.emplace_back(1, anchor);
  }
  void OnMapEnd() override { close(); }
};

std::string line_of(const std::string& source, const YAML::Node& node) {
  return node.Mark().is_null() ? source : fmt::format("{}:{}", source, node.Mark().line + 1);
}

/// Refuses an explicit tag on `node`: yaml-cpp gives "?" to a plain node, "!" to a quoted
/// scalar (or one tagged with the bare '!', which reads the same) and "" to null.
void check_tag(const YAML::Node& node, const std::string& source) {
  const std::string& tag = node.Tag();
  if (tag.empty() || tag == "?" || tag == "!") return;
  const std::string core = "tag:yaml.org,2002:";
  const std::string shown = tag.starts_with(core) ? "!!" + tag.substr(core.size()) : tag;
  throw UserError(fmt::format("{}: the tag '{}' is not taken; write the value without it (a number as 4, "
                              "a boolean as true, text plain or quoted)",
                              line_of(source, node), printable(shown)));
}

/// Whether a null node was written (`~`, `null`) rather than left empty.
bool written_null(std::string_view text, const YAML::Mark& mark) {
  if (mark.is_null() || mark.pos < 0 || static_cast<std::size_t>(mark.pos) >= text.size()) return false;
  const std::string_view at = text.substr(static_cast<std::size_t>(mark.pos));
  if (at.starts_with("~")) return true;
  for (const std::string_view word : {"null", "Null", "NULL"})
    if (at.starts_with(word))
      return at.size() == word.size() || !(std::isalnum(static_cast<unsigned char>(at[word.size()])) ||
                                           at[word.size()] == '_' || at[word.size()] == '-');
  return false;
}

/// The mark of the '-' that starts an empty list item: the first non-blank character
/// before `mark`, when it is a '-'; else `mark`.
YAML::Mark mark_of_dash(std::string_view text, const YAML::Mark& mark) {
  if (mark.is_null() || mark.pos <= 0) return mark;
  std::size_t at = std::min(static_cast<std::size_t>(mark.pos), text.size());
  while (at > 0 && std::isspace(static_cast<unsigned char>(text[at - 1]))) --at;
  if (at == 0 || text[at - 1] != '-') return mark;
  const std::size_t dash = at - 1;
  const std::size_t line_start = text.rfind('\n', dash);
  YAML::Mark out;
  out.pos = static_cast<int>(dash);
  out.line = static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(dash), '\n'));
  out.column = static_cast<int>(line_start == std::string_view::npos ? dash : dash - line_start - 1);
  return out;
}

/// yaml-cpp marks a value left empty (`key:` at the end of its line, or `-` alone) at the
/// next token, often a line or more below (past the end at the end of the file); errors
/// about it would name that line. It is marked at its key (or '-') instead.
void mark_empty_values(const YAML::Node& node, std::string_view text) {
  if (node.IsSequence()) {
    for (const YAML::Node& item : node)
      if (item.IsNull() && !written_null(text, item.Mark()))
        YAML::as_if<detail::MarkOfEmptyValue, void>::set(item, mark_of_dash(text, item.Mark()));
  } else if (node.IsMap()) {
    for (auto entry = node.begin(); entry != node.end(); ++entry) {
      const YAML::Node value = entry->second;
      if (!value.IsNull()) continue;
      auto next = entry;
      ++next;
      const bool at_next_key = next != node.end() && next->first.Mark().pos == value.Mark().pos;
      if (at_next_key || !written_null(text, value.Mark()))
        YAML::as_if<detail::MarkOfEmptyValue, void>::set(value, entry->first.Mark());
    }
  }
}

// YAML and JSON parsers keep one of two equal keys silently; hwnas's files must not.
void check_nodes(const YAML::Node& node, const std::string& source, std::string_view text) {
  check_tag(node, source);
  mark_empty_values(node, text);
  if (node.IsSequence()) {
    for (const YAML::Node& item : node) check_nodes(item, source, text);
  } else if (node.IsMap()) {
    std::unordered_set<std::string> keys;  // a set: a mapping may have many keys
    for (const auto& entry : node) {
      if (!entry.first.IsScalar())
        throw UserError(fmt::format("{}: a key is a list or mapping; keys are names", line_of(source, entry.first)));
      check_tag(entry.first, source);
      if (!keys.insert(entry.first.Scalar()).second)
        throw UserError(fmt::format("{}: key '{}' appears twice in one mapping; keep one", line_of(source, entry.first),
                                    entry.first.Scalar()));
      check_nodes(entry.second, source, text);
    }
  }
}

/// Accepts every event: only the syntax of the text is checked.
struct JsonSyntax : nlohmann::json_sax<nlohmann::json> {
  std::string error;
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t&) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) override {
    error = e.what();
    return false;
  }
};

/// Refuses text that is not strict JSON (RFC 8259): YAML reads trailing commas, comments
/// and its own syntax inside what looks like JSON. nlohmann's parser iterates, so deep
/// nesting cannot overflow the stack here.
void check_strict_json(std::string_view text, const std::string& source) {
  JsonSyntax sax;
  if (nlohmann::json::sax_parse(text, &sax, nlohmann::json::input_format_t::json, true, false)) return;
  std::string message = sax.error;
  if (const std::size_t prefix = message.find("] "); prefix != std::string::npos) message.erase(0, prefix + 2);
  throw UserError(fmt::format("{}: not valid JSON (a .json file is strict JSON): {}", source, printable(message)));
}

}  // namespace

YAML::Node parse_yaml_document(std::string_view text, const std::string& source, std::string_view what) {
  // Not YAML::LoadAll: yaml-cpp 0.7's loops forever, allocating, on a ',' outside any
  // flow collection (the parser never consumes it). Load takes the first document; a
  // second pass over events asks only whether another document follows.
  if (source.ends_with(".json")) check_strict_json(text, source);
  YAML::Node doc;
  bool first = false, second = false;
  DocumentEvents events;
  try {
    doc = YAML::Load(std::string(text));
    std::istringstream in{std::string(text)};
    YAML::Parser parser(in);
    first = parser.HandleNextDocument(events);
    if (!events.bomb.is_null())
      throw UserError(fmt::format("{}:{}: aliases expand the document to more than {} nodes; write the values "
                                  "out, or alias less",
                                  source, events.bomb.line + 1, kMaxAliasNodes));
    second = first && parser.HandleNextDocument(events);
  } catch (const YAML::Exception& e) {
    throw UserError(fmt::format("{}:{}: not valid YAML/JSON: {}", source, e.mark.line + 1, e.msg));
  }
  if (!first)
    throw UserError(fmt::format("{}: the file is empty; a {} is a mapping of keys (YAML or JSON)", source, what));
  if (second) {
    const YAML::Mark mark = events.mark;
    const std::string where = mark.is_null() ? source : fmt::format("{}:{}", source, mark.line + 1);
    throw UserError(fmt::format("{}: text after the first document (a second document, or junk after "
                                "the first); a {} holds exactly one document",
                                where, what));
  }
  check_nodes(doc, source, text);
  return doc;
}

YAML::Node load_yaml_file(const std::string& path, std::string_view what) {
  return parse_yaml_document(read_text_file(path, what), path, what);
}

bool is_plain_scalar(const YAML::Node& v) { return v.IsScalar() && v.Tag() == "?"; }

std::string value_words(const YAML::Node& v) {
  if (v.IsSequence()) return "a list";
  if (v.IsMap()) return "a mapping";
  if (!v.IsScalar()) return "null";
  const std::string shown = printable(v.Scalar());
  return is_plain_scalar(v) ? fmt::format("'{}'", shown) : fmt::format("the string \"{}\"", shown);
}

NumberProblem read_integer(const YAML::Node& v, std::int64_t lo, std::int64_t hi, std::int64_t& out) {
  if (!v.IsScalar()) return NumberProblem::malformed;
  if (!is_plain_scalar(v)) return NumberProblem::quoted;
  std::string_view s = v.Scalar();
  const bool negative = !s.empty() && s[0] == '-';
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  if (s.empty() || digits_at(s, 0) != s.size()) return NumberProblem::malformed;
  if (s.size() > 1 && s[0] == '0') return NumberProblem::leading_zero;
  std::uint64_t magnitude = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), magnitude);
  if (ec != std::errc() || magnitude > (negative ? 1ULL << 63 : (1ULL << 63) - 1))
    return negative ? NumberProblem::too_small : NumberProblem::too_large;
  const std::int64_t value = negative ? static_cast<std::int64_t>(0 - magnitude) : static_cast<std::int64_t>(magnitude);
  if (value < lo) return NumberProblem::too_small;
  if (value > hi) return NumberProblem::too_large;
  out = value;
  return NumberProblem::none;
}

NumberProblem read_real(const YAML::Node& v, double lo, double hi, double& out) {
  if (!v.IsScalar()) return NumberProblem::malformed;
  if (!is_plain_scalar(v)) return NumberProblem::quoted;
  const std::string& text = v.Scalar();
  const std::string_view s = text;
  std::size_t at = !s.empty() && (s[0] == '-' || s[0] == '+') ? 1 : 0;
  const std::size_t whole = digits_at(s, at);
  const std::size_t int_start = at;
  at += whole;
  std::size_t fraction = 0;
  if (at < s.size() && s[at] == '.') {
    fraction = digits_at(s, at + 1);
    at += 1 + fraction;
  }
  if (whole + fraction == 0) return NumberProblem::malformed;
  if (at < s.size() && (s[at] == 'e' || s[at] == 'E')) {
    std::size_t exp = at + 1;
    if (exp < s.size() && (s[exp] == '-' || s[exp] == '+')) ++exp;
    const std::size_t n = digits_at(s, exp);
    if (n == 0) return NumberProblem::malformed;
    at = exp + n;
  }
  if (at != s.size()) return NumberProblem::malformed;
  if (whole > 1 && s[int_start] == '0') return NumberProblem::leading_zero;
  const double value = std::strtod(text.c_str(), nullptr);  // the "C" locale: hwnas never sets one
  if (value < lo) return NumberProblem::too_small;  // -inf too: -1e999 overflows to it
  if (value > hi) return NumberProblem::too_large;
  out = value;
  return NumberProblem::none;
}

std::string number_problem_words(NumberProblem problem, std::string_view value, std::string_view lo,
                                 std::string_view hi) {
  switch (problem) {
    case NumberProblem::leading_zero:
      return fmt::format("has a leading zero, which YAML 1.1 reads as octal; write {}", without_leading_zeros(value));
    case NumberProblem::too_small:
      return fmt::format("is too small (at least {})", lo);
    case NumberProblem::too_large:
      return fmt::format("is too large (at most {})", hi);
    case NumberProblem::malformed:
      return "is not a decimal number";
    case NumberProblem::quoted:
      return fmt::format("got the string \"{}\"; write it without quotes", printable(value));
    case NumberProblem::none:
      break;
  }
  return "is fine";
}

}  // namespace hwnas
