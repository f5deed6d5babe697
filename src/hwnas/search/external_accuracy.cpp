// Accuracy from the user's own training program: exec'd without a shell (hw/external/
// subprocess.h), given the candidate's model file and the fidelity through the {model}
// and {fidelity} placeholders of its command, answering one JSON line {"accuracy": x}.
#include <fmt/format.h>

#include <unistd.h>

#include <cctype>
#include <cmath>
#include <filesystem>

#include "hwnas/base/error.h"
#include "hwnas/graph/model_file.h"
#include "hwnas/hw/external/subprocess.h"
#include "hwnas/search/accuracy_source.h"
#include "hwnas/search/trial_program.h"

namespace hwnas::search {
namespace {

namespace fs = std::filesystem;

constexpr double kMaxTimeoutS = 7 * 86400.0;  // a week per trial
const char* kAnswerHelp = "print {\"accuracy\": x} with x in [0, 100] as the last line of stdout";

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

  Family family() const override { return Family::program; }

  double accuracy(const Candidate& c) override {
    const TrialDir dir;
    const std::string model = (dir.path() / ("model" + model_extension_)).string();
    graph::save_model_file(c.network, model);
    std::vector<std::string> argv = command_;
    for (std::string& arg : argv) {
      replace_all(arg, "{model}", model);
      replace_all(arg, "{fidelity}", fidelity_);
    }
    const std::string& program = command_.front();
    const hw::ProcessResult r = run_trial_program(argv, work_dir_, timeout_s_, program);
    if (r.exit_status != 0)
      fail(fmt::format("'{}' exited with status {}{}", program, r.exit_status, stderr_note(r.err)));
    return parse_answer(r.out);
  }

 private:
  [[noreturn]] static void fail(const std::string& why) { throw UserError(why); }

  static double parse_answer(const std::string& out) {
    std::string_view text = out;
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())) != 0) text.remove_suffix(1);
    const std::size_t newline = text.find_last_of('\n');
    const nlohmann::json answer =
        answer_object(newline == std::string_view::npos ? text : text.substr(newline + 1), kAnswerHelp);
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

std::unique_ptr<AccuracySource> make_external_accuracy(const ExperimentSection& s,
                                                       const std::optional<std::string>& rung_fidelity) {
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
  if (rung_fidelity) {
    if (s.has("fidelity"))
      s.fail("fidelity", "multi_fidelity.rungs give each rung's fidelity; remove accuracy.fidelity");
    if (!names_placeholder(command, "{fidelity}"))
      s.fail("command", "multi_fidelity.rungs give a fidelity, but no argument holds {fidelity}; add one, e.g. "
                        "--epochs '{fidelity}'");
    fidelity = *rung_fidelity;
  } else if (s.has("fidelity")) {
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
  if (!program || !fs::is_regular_file(*program, file_ec) || ::access(program->c_str(), X_OK) != 0) {
    // What is wrong with it, for the fix (s30 fresh-user finding 12).
    std::string why = "no executable of that name on PATH";
    const std::string path = program ? program->lexically_normal().string() : "";
    if (program && !fs::exists(*program, file_ec)) why = fmt::format("no such file '{}'", path);
    else if (program && fs::is_directory(*program, file_ec)) why = fmt::format("'{}' is a directory", path);
    else if (program && !fs::is_regular_file(*program, file_ec)) why = fmt::format("'{}' is not a regular file", path);
    else if (program) why = fmt::format("'{}' is not executable (chmod +x {})", path, path);
    s.fail("command", fmt::format("cannot run '{}': {}; fix the program's name or path (relative paths are taken "
                                  "from the experiment file's directory)",
                                  command.front(), why));
  }
  return std::make_unique<ExternalAccuracy>(command, work_dir, timeout_s, fidelity, "." + format);
}

}  // namespace hwnas::search
