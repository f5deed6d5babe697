#include "hwnas/hw/external/external_target.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "hwnas/base/error.h"
#include "hwnas/base/hash.h"
#include "hwnas/base/json_input.h"
#include "hwnas/hw/description_reader.h"
#include "hwnas/hw/external/subprocess.h"

namespace hwnas::hw {
namespace {

namespace fs = std::filesystem;

constexpr std::array<std::string_view, 6> kKeys = {"name",      "kind",      "command",
                                                   "timeout_s", "precision", "fusion"};
constexpr double kMaxTimeoutS = 86400;  // a day per kernel

struct ExternalDescription {
  std::string name;
  std::vector<std::string> command;
  double timeout_s = 30;
  graph::Precision precision = graph::Precision::fp32;
  std::optional<FusionRules> fusion;
  std::string work_dir;  // absolute; empty: the caller's directory
};

ExternalDescription parse_description(const YAML::Node& node, const std::string& source) {
  using graph::Precision;
  const DescriptionReader r(node, source, "every target needs a name");
  r.check_mapping_and_keys(
      kKeys, "an external target description is a YAML mapping of keys (docs/hardware-external.md)",
      fmt::format("an external target has the keys {}", fmt::join(kKeys, ", ")));
  ExternalDescription d;
  d.name = r.text("name");
  r.kind("external", "for a program-measured target", /*quote_value=*/true);

  const std::string command_help = "a list of strings, the program and its arguments, e.g. "
                                   "[python3, fake_npu.py]; it runs without a shell";
  const YAML::Node command = r.required("command", "give " + command_help);
  if (!command.IsSequence())
    r.fail("command", "must be " + command_help + ", got " + DescriptionReader::value_text(command));
  if (command.size() == 0) r.fail("command", "is empty; give " + command_help);
  for (const YAML::Node& arg : command) {
    if (!arg.IsScalar()) r.fail("command", "every entry must be a string; " + command_help);
    d.command.push_back(arg.Scalar());
    // execvp would cut an entry at a NUL; other control bytes are typing or paste slips.
    // Tab and newline stay allowed: they are meaningful in a `sh -c` script.
    for (char ch : d.command.back())
      if ((static_cast<unsigned char>(ch) < 0x20 && ch != '\t' && ch != '\n') || ch == 0x7f)
        r.fail("command", fmt::format("entry {} holds the control byte 0x{:02x}; remove it", d.command.size(),
                                      static_cast<unsigned char>(ch)));
  }
  if (d.command.front().empty()) r.fail("command", "the program (first entry) is empty");

  d.timeout_s =
      r.number("timeout_s", DescriptionReader::Sign::positive, 0, kMaxTimeoutS, d.timeout_s, "number of seconds");
  d.precision = r.precision("precision", {Precision::int8, Precision::fp16, Precision::fp32},
                            d.precision);
  if (r.get("fusion")) d.fusion = r.fusion_rules("fusion");

  std::error_code ec;
  if (fs::is_regular_file(source, ec)) d.work_dir = fs::absolute(fs::path(source), ec).parent_path().string();
  return d;
}

/// Everything that decides the measurements, in a fixed form for the identity hash.
std::string canonical(const ExternalDescription& d) {
  nlohmann::json fusion = nullptr;
  if (d.fusion) {
    std::vector<std::string> names;
    for (FusionPattern p : d.fusion->patterns) names.emplace_back(fusion_name(p));
    std::sort(names.begin(), names.end());
    fusion = names;
  }
  return nlohmann::json{{"name", d.name},
                        {"kind", "external"},
                        {"command", d.command},
                        {"timeout_s", d.timeout_s},
                        {"precision", graph::precision_name(d.precision)},
                        {"fusion", fusion}}
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);  // U+FFFD for bytes not UTF-8
}

/// The first ~100 characters of a program's output, on one line.
std::string excerpt(const std::string& text) { return one_line(text, 100); }

std::string stderr_note(const ProcessResult& r) {
  const std::string e = excerpt(r.err);
  return e.empty() ? "; it printed nothing on stderr" : "; stderr: '" + e + "'";
}

const char* kAnswerHelp = "print the latency in ms, e.g. 1.25 or {\"latency_ms\": 1.25}";

/// The largest latency an answer may give, in ms (10,000 s): far above any one kernel, and
/// low enough that sums over networks of thousands of kernels stay finite and readable.
constexpr double kMaxLatencyMs = 1e7;
/// The largest cycle count: kMaxLatencyMs at a 100 GHz clock.
constexpr double kMaxCycles = 1e15;

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

/// Parses the program's stdout; `fail` throws with the kernel named.
template <typename Fail>
Measurement parse_answer(const std::string& out, const Fail& fail) {
  if (excerpt(out).empty()) fail(std::string("printed nothing on stdout; ") + kAnswerHelp);
  for (char ch : out)
    if ((static_cast<unsigned char>(ch) < 0x20 && std::isspace(static_cast<unsigned char>(ch)) == 0) || ch == 0x7f)
      fail(fmt::format("answer holds the control byte 0x{:02x}; {}", static_cast<unsigned char>(ch), kAnswerHelp));
  nlohmann::json answer;
  try {
    answer = nlohmann::json::parse(out);
  } catch (const nlohmann::json::exception&) {
    fail("answer '" + excerpt(out) + "' is neither a number nor a JSON object; " + kAnswerHelp);
  }
  try {
    answer = parse_json_strict(out, "answer '" + excerpt(out) + "'");  // a key given twice
  } catch (const UserError& e) {
    fail(e.what());
  }
  const std::string latency_rule = fmt::format("must be a positive number of ms, at most {:g}", kMaxLatencyMs);
  Measurement m;
  if (answer.is_number()) {
    const auto ms = in_range(answer, true, kMaxLatencyMs);
    if (!ms) fail("latency " + answer.dump() + " " + latency_rule);
    m.latency_s = *ms / 1000;
    return m;
  }
  if (!answer.is_object()) fail("answer '" + excerpt(out) + "' is neither a number nor a JSON object; " + kAnswerHelp);
  for (const auto& [key, value] : answer.items())
    if (key != "latency_ms" && key != "cycles" && key != "samples_ms")
      fail("answer has unknown key '" + key + "'; allowed: latency_ms, cycles, samples_ms");
  if (!answer.contains("latency_ms")) fail(std::string("answer has no 'latency_ms'; ") + kAnswerHelp);
  const auto ms = in_range(answer["latency_ms"], true, kMaxLatencyMs);
  if (!ms) fail("latency_ms " + answer["latency_ms"].dump() + " " + latency_rule);
  m.latency_s = *ms / 1000;
  if (answer.contains("cycles")) {
    m.cycles = in_range(answer["cycles"], false, kMaxCycles);
    if (!m.cycles) fail(fmt::format("cycles {} must be a number from 0 to {:g}", answer["cycles"].dump(), kMaxCycles));
  }
  if (answer.contains("samples_ms")) {
    const nlohmann::json& samples = answer["samples_ms"];
    const std::string sample_rule = fmt::format("must be a number of ms from 0 to {:g}", kMaxLatencyMs);
    if (!samples.is_array()) fail("samples_ms must be a list of numbers; each " + sample_rule);
    for (const nlohmann::json& s : samples) {
      const auto v = in_range(s, false, kMaxLatencyMs);
      if (!v) fail("samples_ms entry " + s.dump() + " " + sample_rule);
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

/// `entry` as the program sees it: relative paths from the directory it runs in.
fs::path in_work_dir(const ExternalDescription& d, const std::string& entry) {
  const fs::path p(entry);
  return p.is_relative() && !d.work_dir.empty() ? fs::path(d.work_dir) / p : p;
}

bool is_file(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

class ExternalTarget : public Target {
 public:
  ExternalTarget(ExternalDescription d, std::string source)
      : d_(std::move(d)),
        source_(std::move(source)),
        identity_(fmt::format("{}#{:016x}", d_.name, stable_hash(canonical(d_)))) {}

  const std::string& name() const override { return d_.name; }
  const std::string& identity() const override { return identity_; }
  std::optional<FusionRules> fusion_rules() const override { return d_.fusion; }
  graph::Precision precision() const override { return d_.precision; }
  /// The program file and every other command entry that names an existing file
  /// (relative ones from the directory the program runs in).
  std::vector<std::string> input_files() const override {
    std::vector<std::string> files;
    if (const auto program = find_program(d_.command.front(), d_.work_dir); program && is_file(*program))
      files.push_back(program->string());
    for (std::size_t i = 1; i < d_.command.size(); ++i)
      if (const fs::path p = in_work_dir(d_, d_.command[i]); !d_.command[i].empty() && is_file(p))
        files.push_back(p.string());
    return files;
  }

  Measurement measure(const Kernel& kernel) override {
    const auto fail = [&](const std::string& what) {
      throw UserError(fmt::format("external target '{}' ({}): kernel {}: {}", d_.name, source_,
                                  kernel_key(kernel), what));
    };
    const ProcessResult r =
        run_process(d_.command, d_.work_dir, kernel_to_json(kernel).dump() + "\n", d_.timeout_s);
    if (!r.started)
      fail(fmt::format("cannot run '{}' ({}); fix key 'command'", d_.command.front(), r.exec_error));
    if (r.timed_out)
      fail(fmt::format("no answer within timeout_s = {} s, the program was killed; raise "
                       "'timeout_s' or make the program faster", d_.timeout_s));
    if (r.signal != 0)
      fail(fmt::format("'{}' was killed by signal {} ({}){}", d_.command.front(), r.signal,
                       strsignal(r.signal), stderr_note(r)));
    if (r.exit_status != 0)
      fail(fmt::format("'{}' exited with status {}{}", d_.command.front(), r.exit_status, stderr_note(r)));
    return parse_answer(r.out, fail);
  }

 private:
  ExternalDescription d_;
  std::string source_;
  std::string identity_;
};

}  // namespace

std::span<const std::string_view> external_description_keys() { return kKeys; }

std::unique_ptr<Target> make_external_target(const YAML::Node& description,
                                             const std::string& source) {
  return std::make_unique<ExternalTarget>(parse_description(description, source), source);
}

}  // namespace hwnas::hw
