// Accuracy from the user's own training program: exec'd without a shell (hw/external/
// subprocess.h), given the candidate's model file and the fidelity through the {model}
// and {fidelity} placeholders of its command, answering one JSON line {"accuracy": x}.
#include <fmt/format.h>

#include <stdlib.h>
#include <unistd.h>

#include <cctype>
#include <cmath>
#include <cstring>
#include <filesystem>

#include "hwnas/base/error.h"
#include "hwnas/base/json_input.h"
#include "hwnas/graph/model_file.h"
#include "hwnas/hw/external/subprocess.h"
#include "hwnas/search/accuracy_source.h"

namespace hwnas::search {
namespace {

namespace fs = std::filesystem;

constexpr double kMaxTimeoutS = 7 * 86400.0;  // a week per trial
const char* kAnswerHelp = "print {\"accuracy\": x} with x in [0, 100] as the last line of stdout";

/// The first ~160 characters of `text` on one line (blank runs become one space).
std::string one_line(std::string_view text) {
  std::string out;
  for (char ch : text) {
    const bool space = std::isspace(static_cast<unsigned char>(ch)) != 0;
    if (space && (out.empty() || out.back() == ' ')) continue;
    out += space ? ' ' : ch;
    if (out.size() >= 160) return out + "...";
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

/// The last ~160 characters of stderr, where a Python traceback names the error.
std::string stderr_note(const std::string& err) {
  std::string_view tail = err;
  while (!tail.empty() && std::isspace(static_cast<unsigned char>(tail.back())) != 0) tail.remove_suffix(1);
  if (tail.empty()) return "; it printed nothing on stderr";
  const bool cut = tail.size() > 160;
  if (cut) tail = tail.substr(tail.size() - 160);
  return fmt::format("; stderr ends: '{}{}'", cut ? "..." : "", one_line(tail));
}

/// A directory of its own for one trial's model file, removed with everything in it.
class TrialDir {
 public:
  TrialDir() {
    std::string pattern = (fs::temp_directory_path() / "hwnas-trial-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr)
      throw UserError(fmt::format("cannot make a temporary directory {} ({})", pattern, std::strerror(errno)));
    path_ = pattern;
  }
  ~TrialDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TrialDir(const TrialDir&) = delete;
  TrialDir& operator=(const TrialDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

void replace_all(std::string& s, std::string_view from, std::string_view to) {
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
}

class ExternalAccuracy : public AccuracySource {
 public:
  ExternalAccuracy(std::vector<std::string> command, std::string work_dir, double timeout_s, std::string fidelity,
                   std::string model_extension)
      : command_(std::move(command)),
        work_dir_(std::move(work_dir)),
        timeout_s_(timeout_s),
        fidelity_(std::move(fidelity)),
        model_extension_(std::move(model_extension)) {}

  double accuracy(const Candidate& c) override {
    const TrialDir dir;
    const std::string model = (dir.path() / ("model" + model_extension_)).string();
    graph::save_model_file(c.network, model);
    std::vector<std::string> argv = command_;
    for (std::string& arg : argv) {
      replace_all(arg, "{model}", model);
      replace_all(arg, "{fidelity}", fidelity_);
    }
    const hw::ProcessResult r = hw::run_process(argv, work_dir_, "", timeout_s_);
    const std::string& program = command_.front();
    if (!r.started) fail(fmt::format("cannot run '{}' ({})", program, r.exec_error));
    if (r.timed_out)
      fail(fmt::format("'{}' gave no answer within timeout_s = {:g} s and was killed", program, timeout_s_));
    if (r.signal != 0)
      fail(fmt::format("'{}' was killed by signal {} ({}){}", program, r.signal, ::strsignal(r.signal),
                       stderr_note(r.err)));
    if (r.exit_status != 0)
      fail(fmt::format("'{}' exited with status {}{}", program, r.exit_status, stderr_note(r.err)));
    return parse_answer(r.out);
  }

 private:
  [[noreturn]] static void fail(const std::string& why) { throw UserError(why); }

  static double parse_answer(const std::string& out) {
    std::string_view text = out;
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())) != 0) text.remove_suffix(1);
    if (text.empty()) fail(std::string("it printed nothing on stdout; ") + kAnswerHelp);
    const std::size_t newline = text.find_last_of('\n');
    const std::string_view line = newline == std::string_view::npos ? text : text.substr(newline + 1);
    nlohmann::json answer;
    try {
      answer = parse_json_strict(line, fmt::format("its answer '{}'", one_line(line)));
    } catch (const UserError& e) {
      fail(fmt::format("{}; {}", e.what(), kAnswerHelp));
    }
    if (!answer.is_object()) fail(fmt::format("its answer '{}' is not a JSON object; {}", one_line(line), kAnswerHelp));
    for (const auto& [key, value] : answer.items())
      if (key != "accuracy") fail(fmt::format("its answer has the unknown key '{}'; {}", key, kAnswerHelp));
    if (!answer.contains("accuracy")) fail(fmt::format("its answer has no 'accuracy'; {}", kAnswerHelp));
    const nlohmann::json& v = answer["accuracy"];
    const double x = v.is_number() ? v.get<double>() : NAN;
    if (!std::isfinite(x) || x < 0 || x > 100)
      fail(fmt::format("accuracy {} is not a number from 0 to 100 (percent)", v.dump()));
    return x;
  }

  std::vector<std::string> command_;
  std::string work_dir_;
  double timeout_s_;
  std::string fidelity_;
  std::string model_extension_;
};

bool names_placeholder(const std::vector<std::string>& command, std::string_view placeholder) {
  for (std::size_t i = 1; i < command.size(); ++i)
    if (command[i].find(placeholder) != std::string::npos) return true;
  return false;
}

}  // namespace

std::unique_ptr<AccuracySource> make_external_accuracy(const ExperimentSection& s) {
  s.only({"command", "timeout_s", "fidelity", "model_format"});
  const std::vector<std::string> command = s.text_list(
      "command", "give the program and its arguments, e.g. [python3, train.py, --model, '{model}', --epochs, "
                 "'{fidelity}']; it runs without a shell");
  for (std::size_t i = 0; i < command.size(); ++i)
    for (char ch : command[i])
      if ((static_cast<unsigned char>(ch) < 0x20 && ch != '\t' && ch != '\n') || ch == 0x7f)
        s.fail("command", fmt::format("entry {} holds the control byte 0x{:02x}; remove it", i + 1,
                                      static_cast<unsigned char>(ch)));
  if (!names_placeholder(command, "{model}"))
    s.fail("command", "no argument holds {model}, the path of the candidate's model file; add one, e.g. "
                      "[python3, train.py, '{model}']");

  std::string fidelity;
  if (s.has("fidelity")) {
    s.number("fidelity", 0, 1e9);
    fidelity = s.get("fidelity").Scalar();
    if (!names_placeholder(command, "{fidelity}"))
      s.fail("fidelity", "no argument of command holds {fidelity}; add one, e.g. --epochs '{fidelity}'");
  } else if (names_placeholder(command, "{fidelity}")) {
    s.fail("command", "an argument holds {fidelity}, but fidelity is not given; add e.g. fidelity: 10");
  }
  const double timeout_s = s.number("timeout_s", 1e-3, kMaxTimeoutS, 3600);
  const std::string format = s.text("model_format", std::string_view("json"));
  if (format != "json" && format != "yaml") s.fail("model_format", fmt::format("must be json or yaml, got '{}'", format));

  const fs::path dir = fs::path(s.file()).parent_path();
  const std::string work_dir = (dir.empty() ? fs::current_path() : fs::absolute(dir)).string();
  const std::optional<fs::path> program = hw::find_program(command.front(), work_dir);
  std::error_code file_ec;
  if (!program || !fs::is_regular_file(*program, file_ec) || ::access(program->c_str(), X_OK) != 0)
    s.fail("command", fmt::format("cannot run '{}': {}; fix the program's name or path (relative paths are taken "
                                  "from the experiment file's directory)",
                                  command.front(),
                                  program ? "not an executable file" : "no executable of that name on PATH"));
  return std::make_unique<ExternalAccuracy>(command, work_dir, timeout_s, fidelity, "." + format);
}

}  // namespace hwnas::search
