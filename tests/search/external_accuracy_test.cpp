// The user's training program as the accuracy source: the model file and fidelity reach
// it, its last stdout line is the answer; a crash, a hang or garbage is a failed trial
// with the reason, and the next trial runs as usual.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "cost_model_support.h"
#include "hwnas/graph/model_file.h"
#include "hwnas/search/trial_program.h"

namespace hwnas::search {
namespace {

using namespace testing;

const std::string kStub = std::string(HWNAS_SOURCE_DIR) + "/tests/search/data/train_stub.py";

const space::Genome& genome() {
  static const space::Genome g = nb201().parse_arch(
      "|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|none~1|nor_conv_3x3~2|");
  return g;
}

std::string experiment(const std::string& mode, const std::string& extra = "") {
  return "accuracy:\n  command: [python3, " + kStub + ", " + mode + ", '{model}', '{fidelity}']\n  fidelity: 3\n" + extra +
         "objective: {maximize: accuracy}\n";
}

Trial run(const std::string& mode, const std::string& extra = "") {
  return cost_model(experiment(mode, extra), nb201())->evaluate(genome());
}

TEST(ExternalAccuracy, TheProgramReadsTheModelFileAndTheFidelity) {
  const Trial t = run("ok");
  ASSERT_EQ(t.status, TrialStatus::ok) << t.reason;
  EXPECT_TRUE(t.accuracy_evaluated);
  const std::size_t layers = nlohmann::json::parse(graph::model_to_json(nb201().decode(genome())))["layers"].size();
  EXPECT_EQ(*t.metrics.accuracy, static_cast<double>(layers % 90) + 3);  // the stub's answer
}

TEST(ExternalAccuracy, ALongLogBeforeTheAnswerIsFine) {
  // 3 MiB of stdout: the last MiB is kept, so the answer on the last line is read.
  const Trial t = run("long_log");
  ASSERT_EQ(t.status, TrialStatus::ok) << t.reason;
  EXPECT_EQ(*t.metrics.accuracy, *run("ok").metrics.accuracy);
}

TEST(ExternalAccuracy, FailuresAreFailedTrialsWithTheReason) {
  struct Case {
    std::string mode, extra, reason;
  };
  const std::string help = "; print {\"accuracy\": x} with x in [0, 100] as the last line of stdout";
  for (const Case& c : std::vector<Case>{
           {"crash", "", "accuracy: 'python3' exited with status 1; stderr ends: 'ValueError: the learning rate is "
                         "negative'"},
           {"hang", "  timeout_s: 0.5\n", "accuracy: 'python3' gave no answer within timeout_s = 0.5 s and was killed"},
           {"garbage", "", "accuracy: its answer 'accuracy: very good': not valid JSON"},
           {"nan", "", "accuracy: its answer '{\"accuracy\": NaN}': not valid JSON"},
           {"huge", "", "accuracy: "},
           {"above_100", "", "accuracy: accuracy 101 is not a number from 0 to 100 (percent)"},
           {"extra_key", "", "accuracy: its answer has the unknown key 'loss'" + help},
           {"silent", "", "accuracy: it printed nothing on stdout" + help},
       }) {
    const auto model = cost_model(experiment(c.mode, c.extra), nb201());
    const Trial t = model->evaluate(genome());
    EXPECT_EQ(t.status, TrialStatus::failed) << c.mode;
    EXPECT_TRUE(t.accuracy_evaluated) << c.mode;  // the program ran: it counts
    EXPECT_TRUE(t.feasible) << c.mode;
    EXPECT_FALSE(t.metrics.accuracy) << c.mode;
    EXPECT_EQ(t.reason.rfind(c.reason, 0), 0u) << c.mode << ": " << t.reason;
    EXPECT_EQ(t.reason.find('\n'), std::string::npos) << t.reason;
    EXPECT_EQ(model->feedback(t).status, Feedback::Status::failed);
  }
}

TEST(ExternalAccuracy, AYamlModelFileWhenAsked) {
  // A shell one-liner (no shell is involved in running it: sh is the program) that answers
  // only when given a .yaml file that holds layers.
  const auto model = cost_model(R"(
accuracy:
  command: [sh, -c, 'case "$0" in *.yaml) grep -q "^layers:" "$0" && echo "{\"accuracy\": 42}";; esac', '{model}']
  model_format: yaml
objective: {maximize: accuracy}
)", nb201());
  const Trial t = model->evaluate(genome());
  ASSERT_EQ(t.status, TrialStatus::ok) << t.reason;
  EXPECT_EQ(t.metrics.accuracy, 42);
}

TEST(ExternalAccuracy, BadSectionsAreRefusedBeforeAnyTrial) {
  const std::string at = (scratch() / "exp.yaml").string() + ":";
  struct Case {
    std::string yaml, error;
  };
  for (const Case& c : std::vector<Case>{
           {"accuracy: {command: [pyhton3, train.py, '{model}']}\n",
            at + "1: accuracy.command: cannot run 'pyhton3': no executable of that name on PATH; fix the program's "
                 "name or path (relative paths are taken from the experiment file's directory)"},
           // What is wrong with the program, for the fix (s30 fresh-user finding 12).
           {"accuracy: {command: [./missing.py, '{model}']}\n",
            at + "1: accuracy.command: cannot run './missing.py': no such file '" + (scratch() / "missing.py").string() +
                "'"},
           {"accuracy: {command: [./exp.yaml, '{model}']}\n",
            at + "1: accuracy.command: cannot run './exp.yaml': '" + (scratch() / "exp.yaml").string() +
                "' is not executable (chmod +x " + (scratch() / "exp.yaml").string() + ")"},
           {"accuracy: {command: [" + scratch().string() + ", '{model}']}\n",
            at + "1: accuracy.command: cannot run '" + scratch().string() + "': '" + scratch().string() +
                "' is a directory"},
           {"accuracy: {command: []}\n", at + "1: accuracy.command: must be a non-empty list of strings, got an empty "
                                             "list"},
           {"accuracy: {command: [python3, train.py]}\n",
            at + "1: accuracy.command: no argument holds {model}, the path of the candidate's model file; add one, "
                 "e.g. [python3, train.py, '{model}']"},
           {"accuracy: {command: [python3, t.py, '{model}', '{fidelity}']}\n",
            at + "1: accuracy.command: an argument holds {fidelity}, but fidelity is not given; add e.g. fidelity: 10"},
           {"accuracy: {command: [python3, t.py, '{model}'], fidelity: 10}\n",
            at + "1: accuracy.fidelity: no argument of command holds {fidelity}; add one, e.g. --epochs '{fidelity}'"},
           {"accuracy: {command: [python3, t.py, '{model}'], timeout_s: 0}\n",
            at + "1: accuracy.timeout_s: 0 is too small (at least 0.001)"},
           {"accuracy: {command: [python3, t.py, '{model}'], model_format: onnx}\n",
            at + "1: accuracy.model_format: must be json or yaml, got 'onnx'"},
           {"accuracy:\n  command: python3 t.py '{model}'\n", at + "2: accuracy.command: must be a non-empty list of strings"},
           {"accuracy: {command: [\"python3\\x01\", '{model}']}\n",
            at + "1: accuracy.command: entry 1 holds the control byte 0x01; remove it"},
           {"accuracy: {command: [python3, '{model}'], epochs: 3}\n",
            at + "1: accuracy.epochs: unknown key; allowed: command, timeout_s, fidelity, model_format"},
       }) {
    const std::string error = cost_model_error(c.yaml + "objective: {maximize: accuracy}\n", nb201());
    EXPECT_EQ(error.rfind(c.error, 0), 0u) << c.yaml << error;
  }
}

// A second Ctrl-C or a kill -9 of hwnas search leaves its trial's directory (issue 11,
// fresh-user finding 1): the next process to make one sweeps those of ended processes.
TEST(TrialDirs, ThoseOfEndedProcessesAreSweptOthersStay) {
  const std::filesystem::path dir = scratch() / "sweep";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const pid_t child = ::fork();  // a process that has ended, and been reaped
  if (child == 0) ::_exit(0);
  ::waitpid(child, nullptr, 0);
  const std::string prefix = trial_dir_prefix();
  const std::filesystem::path stale = dir / (prefix + std::to_string(child) + "-a1b2c3"),
                              alive = dir / (prefix + std::to_string(::getpid()) + "-a1b2c3"),
                              other_host = dir / ("hwnas-trial-elsewhere-" + std::to_string(child) + "-a1b2c3"),
                              no_pid = dir / (prefix + "x-a1b2c3");
  for (const auto& p : {stale, alive, other_host, no_pid}) {
    std::filesystem::create_directories(p);
    write_file((p / "model.json").string(), "{}");
  }
  EXPECT_EQ(sweep_stale_trial_dirs(dir), 1U);
  EXPECT_FALSE(std::filesystem::exists(stale));
  for (const auto& p : {alive, other_host, no_pid}) EXPECT_TRUE(std::filesystem::exists(p)) << p;
  // This process's own trial directories carry its pid, so that the next run can judge them.
  const TrialDir d;
  EXPECT_EQ(d.path().filename().string().rfind(prefix + std::to_string(::getpid()) + "-", 0), 0U) << d.path();
}

}  // namespace
}  // namespace hwnas::search
