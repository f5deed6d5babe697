#include "hwnas/hw/external/answer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <vector>

#include <nlohmann/json.hpp>

#include "hwnas/base/error.h"
#include "hwnas/base/json_input.h"
#include "hwnas/hw/external/subprocess.h"

namespace hwnas::hw {
namespace {

const char* kAnswerHelp = "print the latency in ms, e.g. 1.25 or {\"latency_ms\": 1.25}";
const char* kBatchHelp = "answer each kernel with one line {\"id\": <the kernel's id>, \"latency_ms\": <ms>}";

[[noreturn]] void fail(const std::string& what) { throw BadAnswer(what); }

/// The value when it is a number in [lo, hi] (lo excluded when `positive`).
std::optional<double> in_range(const nlohmann::json& v, bool positive, double hi) {
  if (!v.is_number()) return std::nullopt;
  const double x = v.get<double>();
  if (!std::isfinite(x) || x < 0 || (positive && x == 0) || x > hi) return std::nullopt;
  return x;
}

double percentile(const std::vector<double>& sorted, double q) {
  const double pos = q * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(pos);
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (pos - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

/// The answer as JSON: exactly one value, no control byte, no key given twice.
nlohmann::json parse_json_answer(std::string_view text, const char* help, const char* not_json) {
  const std::string out(text);
  if (excerpt(out).empty()) fail(std::string("printed nothing on stdout; ") + help);
  for (char ch : out)
    if ((static_cast<unsigned char>(ch) < 0x20 && std::isspace(static_cast<unsigned char>(ch)) == 0) || ch == 0x7f)
      fail(fmt::format("answer holds the control byte 0x{:02x}; {}", static_cast<unsigned char>(ch), help));
  std::optional<nlohmann::json> answer;
  try {
    answer = try_parse_json_strict(out, "answer '" + excerpt(out) + "'");  // too deep, a key given twice
  } catch (const UserError& e) {
    fail(e.what());
  }
  if (!answer) fail("answer '" + excerpt(out) + not_json + help);
  return std::move(*answer);
}

/// A value of the answer as errors quote it: its JSON, cut as excerpt() cuts (an answer
/// line may hold a megabyte).
std::string shown(const nlohmann::json& v) { return excerpt(v.dump()); }

void check_id(const nlohmann::json& answer, std::int64_t id) {
  if (!answer.contains("id")) fail(std::string("answer has no 'id'; ") + kBatchHelp);
  const nlohmann::json& got = answer["id"];
  if (!got.is_number_integer())
    fail(fmt::format("answer's id {} is not an integer; {}", shown(got), kBatchHelp));
  if (got.get<std::int64_t>() != id)
    fail(fmt::format("answer has id {} while kernel id {} was outstanding; {}", shown(got), id, kBatchHelp));
}

}  // namespace

std::string excerpt(std::string_view text) { return one_line(text, 100); }

Measurement parse_answer(std::string_view text, std::optional<std::int64_t> id) {
  const char* help = id ? kBatchHelp : kAnswerHelp;
  const char* not_json = id ? "' is not a JSON object; " : "' is neither a number nor a JSON object; ";
  const nlohmann::json answer = parse_json_answer(text, help, not_json);
  const std::string latency_rule = fmt::format("must be a positive number of ms, at most {:g}", kMaxLatencyMs);
  Measurement m;
  if (answer.is_number() && !id) {
    const auto ms = in_range(answer, true, kMaxLatencyMs);
    if (!ms) fail("latency " + shown(answer) + " " + latency_rule);
    m.latency_s = *ms / 1000;
    return m;
  }
  if (!answer.is_object()) fail("answer '" + excerpt(text) + not_json + help);
  for (const auto& [key, value] : answer.items())
    if (key != "latency_ms" && key != "cycles" && key != "samples_ms" && (!id || key != "id"))
      fail("answer has unknown key '" + excerpt(key) + "'; allowed: " + (id ? "id, " : "") + "latency_ms, cycles, samples_ms");
  if (id) check_id(answer, *id);
  if (!answer.contains("latency_ms")) fail(std::string("answer has no 'latency_ms'; ") + help);
  const auto ms = in_range(answer["latency_ms"], true, kMaxLatencyMs);
  if (!ms) fail("latency_ms " + shown(answer["latency_ms"]) + " " + latency_rule);
  m.latency_s = *ms / 1000;
  if (answer.contains("cycles")) {
    m.cycles = in_range(answer["cycles"], false, kMaxCycles);
    if (!m.cycles) fail(fmt::format("cycles {} must be a number from 0 to {:g}", shown(answer["cycles"]), kMaxCycles));
  }
  if (answer.contains("samples_ms")) {
    const nlohmann::json& samples = answer["samples_ms"];
    const std::string sample_rule = fmt::format("must be a number of ms from 0 to {:g}", kMaxLatencyMs);
    if (!samples.is_array()) fail("samples_ms must be a list of numbers; each " + sample_rule);
    for (const nlohmann::json& s : samples) {
      const auto v = in_range(s, false, kMaxLatencyMs);
      if (!v) fail("samples_ms entry " + shown(s) + " " + sample_rule);
      m.samples_s.push_back(*v / 1000);
    }
    if (!m.samples_s.empty()) {
      std::vector<double> sorted = m.samples_s;
      std::sort(sorted.begin(), sorted.end());
      const double median = percentile(sorted, 0.5);
      m.spread = median > 0 ? (percentile(sorted, 0.9) - percentile(sorted, 0.1)) / median : 0;
    }
  }
  return m;
}

}  // namespace hwnas::hw
