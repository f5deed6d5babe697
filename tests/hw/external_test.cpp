// The external-program target: the shipped example end to end, programs that fail in each
// way the protocol names, and bad descriptions (errors are first-class tests).
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include <yaml-cpp/yaml.h>

#include "hwnas/base/error.h"
#include "hwnas/hw/external/external_target.h"
#include "hwnas/hw/external/subprocess.h"
#include "store_test_support.h"
#include "support/resources.h"

namespace hwnas::hw {
namespace {

namespace fs = std::filesystem;
using testing::conv_kernel;
using testing::TempDir;

bool on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "";
  for (std::size_t begin = 0; begin <= dirs.size();) {
    std::size_t end = dirs.find(':', begin);
    if (end == std::string::npos) end = dirs.size();
    if (end > begin && access((dirs.substr(begin, end - begin) + "/" + program).c_str(), X_OK) == 0)
      return true;
    begin = end + 1;
  }
  return false;
}

const std::string kExample = std::string(HWNAS_SOURCE_DIR) + "/examples/external/fake_npu.yaml";

TEST(ExternalExample, FakeNpuMeasuresKernels) {
  if (!on_path("python3"))
    HWNAS_MISSING_RESOURCE("python3 is not on PATH: install Debian's python3 (scripts/setup.sh)");
  const auto target = make_external_target(YAML::LoadFile(kExample), kExample);
  EXPECT_EQ(target->name(), "fake_npu");
  EXPECT_EQ(target->identity().rfind("fake_npu#", 0), 0u) << target->identity();
  EXPECT_EQ(target->precision(), graph::Precision::int8);
  ASSERT_TRUE(target->fusion_rules());
  EXPECT_TRUE(target->fusion_rules()->has(FusionPattern::conv_bn_act));
  EXPECT_FALSE(target->fusion_rules()->has(FusionPattern::se_gate));

  const Measurement small = target->measure(conv_kernel(16));
  const Measurement big = target->measure(conv_kernel(256));
  EXPECT_GT(small.latency_s, 0);
  EXPECT_LT(small.latency_s, 1e-3);  // microseconds, as a small NPU would take
  EXPECT_GT(big.latency_s, small.latency_s);
  ASSERT_EQ(small.samples_s.size(), 5u);
  EXPECT_GT(small.spread, 0);
  EXPECT_LT(small.spread, 0.1);
  ASSERT_TRUE(small.cycles);
  EXPECT_GT(*small.cycles, 0);
  // Deterministic: the same kernel gives the same answer.
  EXPECT_EQ(target->measure(conv_kernel(16)).latency_s, small.latency_s);
}

/// A directory with a description that runs `sh <script>` for the given script text.
struct ScriptTarget {
  TempDir dir;
  std::unique_ptr<Target> target;

  explicit ScriptTarget(const std::string& script, double timeout_s = 5) {
    dir.write("program.sh", script);
    const std::string yaml = dir.write(
        "target.yaml", "name: scripted\nkind: external\ncommand: [sh, program.sh]\ntimeout_s: " +
                           std::to_string(timeout_s) + "\n");
    target = make_external_target(YAML::LoadFile(yaml), yaml);
  }
};

/// Measures and expects a one-line UserError naming the kernel and containing `part`.
void expect_failure(Target& target, const std::string& part) {
  const Kernel kernel = conv_kernel(24);
  try {
    target.measure(kernel);
    ADD_FAILURE() << "measure did not throw; expected '" << part << "'";
  } catch (const UserError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(kernel_key(kernel)), std::string::npos) << message;
    EXPECT_NE(message.find(part), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
}

TEST(ExternalAnswers, BareNumberAndObject) {
  ScriptTarget number("cat > /dev/null\necho 2.5\n");
  EXPECT_DOUBLE_EQ(number.target->measure(conv_kernel(8)).latency_s, 2.5e-3);
  ScriptTarget object(R"(echo '{"latency_ms": 4, "cycles": 400, "samples_ms": [3, 4, 5]}')");
  const Measurement m = object.target->measure(conv_kernel(8));
  EXPECT_DOUBLE_EQ(m.latency_s, 4e-3);
  EXPECT_EQ(m.cycles, 400);
  EXPECT_EQ(m.samples_s, (std::vector<double>{3e-3, 4e-3, 5e-3}));
  EXPECT_DOUBLE_EQ(m.spread, (4.8 - 3.2) / 4);
}

TEST(ExternalAnswers, TheProgramGetsTheKernelJsonOnStdin) {
  ScriptTarget echo("cat > seen.json\necho 1\n");
  echo.target->measure(conv_kernel(8));
  std::ifstream seen(echo.dir.file("seen.json"));
  std::string line;
  std::getline(seen, line);
  EXPECT_EQ(nlohmann::json::parse(line), kernel_to_json(conv_kernel(8)));
}

// run_process's `environment` (how hwnas starts hwnas-train with OMP_WAIT_POLICY set,
// train/train_program_env.h): added on top of this process's environment, replacing a
// variable of the same name, and this process's own left as it was.
TEST(ChildEnvironment, EntriesAreAddedOrReplaceAndOursStays) {
  ::setenv("HWNAS_CHILD_ENV_TEST", "ours", 1);
  const ProcessResult plain = run_process({"env"}, "", "", 10);
  ASSERT_EQ(plain.exit_status, 0) << plain.err;
  EXPECT_NE(("\n" + plain.out).find("\nHWNAS_CHILD_ENV_TEST=ours\n"), std::string::npos) << plain.out;
  const ProcessResult changed = run_process({"env"}, "", "", 10, {"HWNAS_CHILD_ENV_TEST=theirs", "HWNAS_ADDED=1"});
  ASSERT_EQ(changed.exit_status, 0) << changed.err;
  EXPECT_EQ(changed.out.find("HWNAS_CHILD_ENV_TEST=ours"), std::string::npos) << changed.out;
  const std::string lines = "\n" + changed.out;
  EXPECT_NE(lines.find("\nHWNAS_CHILD_ENV_TEST=theirs\n"), std::string::npos) << changed.out;
  EXPECT_NE(lines.find("\nHWNAS_ADDED=1\n"), std::string::npos) << changed.out;
  EXPECT_NE(lines.find("\nPATH="), std::string::npos) << changed.out;  // the rest is inherited
  EXPECT_STREQ(std::getenv("HWNAS_CHILD_ENV_TEST"), "ours");
  EXPECT_EQ(std::getenv("HWNAS_ADDED"), nullptr);
  ::unsetenv("HWNAS_CHILD_ENV_TEST");
}

TEST(ExternalErrors, NonZeroExit) {
  ScriptTarget t("echo 'device not found' >&2\nexit 1\n");
  expect_failure(*t.target, "exited with status 1; stderr: 'device not found'");
}

TEST(ExternalErrors, KilledBySignal) {
  ScriptTarget t("kill -SEGV $$\n");
  expect_failure(*t.target, "signal 11");
}

TEST(ExternalErrors, TimeoutKillsTheProgramAndItsChildren) {
  ScriptTarget t("sleep 30 &\necho $! > sleeper.pid\nwait\n", 1);
  const auto start = std::chrono::steady_clock::now();
  expect_failure(*t.target, "no answer within timeout_s = 1 s");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(15));
  pid_t sleeper = 0;
  std::ifstream(t.dir.file("sleeper.pid")) >> sleeper;
  ASSERT_GT(sleeper, 0);
  testing::expect_process_ends(sleeper, "the program's child");
}

// sh -c "(sleep 30 &) ; echo 1" with timeout_s 3 was reported as a timeout: the sleep held
// stdout open, and the answer was taken only at end of file.
TEST(ExternalAnswers, ABackgroundChildHoldingStdoutDoesNotDelayTheAnswer) {
  ScriptTarget t("(sleep 30; echo late) &\necho $! > child.pid\necho 1.5\n", 3);
  EXPECT_DOUBLE_EQ(t.target->measure(conv_kernel(8)).latency_s, 1.5e-3);
  pid_t child = 0;
  std::ifstream(t.dir.file("child.pid")) >> child;
  ASSERT_GT(child, 0);
  // The child is killed with the program's process group.
  testing::expect_process_ends(child, "the program's child");
  ScriptTarget detached("(sleep 30 &)\necho 2\n", 3);
  EXPECT_DOUBLE_EQ(detached.target->measure(conv_kernel(8)).latency_s, 2e-3);
}

TEST(ExternalErrors, Garbage) {
  ScriptTarget t("echo 'latency: fast'\n");
  expect_failure(*t.target, "answer 'latency: fast' is neither a number nor a JSON object");
}

TEST(ExternalErrors, LatencyOutsideZeroToTheMaximum) {
  const std::string rule = "must be a positive number of ms, at most 1e+07";
  for (const auto& [answer, part] : std::vector<std::pair<std::string, std::string>>{
           {"-5", "latency -5 " + rule},
           {"0", "latency 0 " + rule},
           {"1.5e308", "latency 1.5e+308 " + rule},
           {"10000001", "latency 10000001 " + rule},
           {R"({\"latency_ms\": 1e300})", "latency_ms 1e+300 " + rule},
           {"inf", "answer 'inf' is neither a number nor a JSON object"},
           {"1e400", "answer '1e400' is neither a number nor a JSON object"},
           {R"({\"latency_ms\": 1, \"cycles\": 1e300})", "cycles 1e+300 must be a number from 0 to 1e+15"},
           {R"({\"latency_ms\": 1, \"samples_ms\": [1, 1.5e308]})", "samples_ms entry 1.5e+308"}}) {
    SCOPED_TRACE(answer);
    ScriptTarget t("printf '%s\\n' \"" + answer + "\"\n");
    expect_failure(*t.target, part);
  }
  ScriptTarget largest("echo 1e7\n");
  EXPECT_DOUBLE_EQ(largest.target->measure(conv_kernel(8)).latency_s, 1e4);
}

// {"latency_ms": 1, "latency_ms": 2} used 2; printf '1\0' was read as 1.
TEST(ExternalErrors, AnswersThatAreNotExactlyOneJsonValue) {
  ScriptTarget twice(R"(echo '{"latency_ms": 1, "latency_ms": 2}')");
  expect_failure(*twice.target, "key 'latency_ms' appears twice in one object");
  // 100,000 nested lists overflowed nlohmann's recursion (a segfault; fresh-user finding).
  ScriptTarget deep("head -c 100000 /dev/zero | tr '\\0' '['; head -c 100000 /dev/zero | tr '\\0' ']'; echo\n");
  expect_failure(*deep.target, "nested deeper than 256 levels");
  ScriptTarget nul(R"(printf '1\0')");
  expect_failure(*nul.target, "answer holds the control byte 0x00");
  ScriptTarget escape(R"(printf '1\033[0m\n')");
  expect_failure(*escape.target, "answer holds the control byte 0x1b");
  ScriptTarget trailing(R"(echo '{"latency_ms": 1} x')");
  expect_failure(*trailing.target, "is neither a number nor a JSON object");
  ScriptTarget two("echo 1 2\n");
  expect_failure(*two.target, "answer '1 2' is neither a number nor a JSON object");
  ScriptTarget spaced("printf '\\t 2.5 \\r\\n\\n'\n");  // surrounding whitespace is fine
  EXPECT_DOUBLE_EQ(spaced.target->measure(conv_kernel(8)).latency_s, 2.5e-3);
}

TEST(ExternalErrors, Nothing) {
  ScriptTarget t("exit 0\n");
  expect_failure(*t.target, "printed nothing on stdout");
}

TEST(ExternalErrors, BadObjects) {
  ScriptTarget missing(R"(echo '{"latency": 3}')");
  expect_failure(*missing.target, "unknown key 'latency'");
  ScriptTarget negative_sample(R"(echo '{"latency_ms": 3, "samples_ms": [3, -1]}')");
  expect_failure(*negative_sample.target, "samples_ms entry -1");
}

TEST(ExternalErrors, ProgramNotFound) {
  const auto target = make_external_target(
      YAML::Load("{name: x, command: [hwnas-no-such-program-here]}"), "inline.yaml");
  expect_failure(*target, "cannot run 'hwnas-no-such-program-here' (No such file or directory)");
}

void expect_description_error(const std::string& yaml, const std::string& key) {
  try {
    make_external_target(YAML::Load(yaml), "desc.yaml");
    ADD_FAILURE() << "accepted: " << yaml;
  } catch (const UserError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("desc.yaml"), std::string::npos) << message;
    EXPECT_NE(message.find("'" + key + "'"), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
}

TEST(ExternalDescriptionErrors, EachNamesItsKey) {
  expect_description_error("name: x", "command");
  expect_description_error("{name: x, command: python3 fake_npu.py}", "command");
  expect_description_error("{name: x, command: []}", "command");
  expect_description_error("{name: x, command: [[a]]}", "command");
  expect_description_error("{name: x, command: [a], timeout_s: 0}", "timeout_s");
  expect_description_error("{name: x, command: [a], timeout_s: soon}", "timeout_s");
  expect_description_error("{name: x, command: [a], timeout: 5}", "timeout");
  expect_description_error("{name: x, command: [a], fusion: [conv_bn_relu]}", "conv_bn_relu");
  expect_description_error("{name: x, command: [a], fusion: conv_bn_act}", "fusion");
  expect_description_error("{name: x, command: [a], kind: npu}", "kind");
  expect_description_error("{name: x, command: [a], precision: int4}", "precision");
  expect_description_error("{command: [a]}", "name");
  // ["python3\0x", fake_npu.py] silently ran python3.
  expect_description_error(R"({name: x, command: ["python3\0x", a]})", "command");
  expect_description_error(R"({name: x, command: [sh, "a\rb"]})", "command");
  expect_description_error(R"({name: x, command: [sh, "\e[0m"]})", "command");
  EXPECT_NO_THROW(make_external_target(YAML::Load(R"({name: x, command: [sh, -c, "echo 1\n\techo 2"]})"), "d"));
}

TEST(ExternalIdentity, FollowsTheDescription) {
  const auto id = [](const std::string& yaml) {
    return make_external_target(YAML::Load(yaml), "d.yaml")->identity();
  };
  const std::string base = id("{name: x, command: [a, b]}");
  EXPECT_EQ(base, id("{name: x, kind: external, command: [a, b], timeout_s: 30}"));
  EXPECT_NE(base, id("{name: x, command: [a, c]}"));
  EXPECT_NE(base, id("{name: x, command: [a, b], timeout_s: 5}"));
  EXPECT_NE(base, id("{name: x, command: [a, b], fusion: []}"));
  EXPECT_EQ(id("{name: x, command: [a], fusion: [conv_add, conv_bn_act]}"),
            id("{name: x, command: [a], fusion: [conv_bn_act, conv_add]}"));
  EXPECT_FALSE(make_external_target(YAML::Load("{name: x, command: [a]}"), "d")->fusion_rules());
}

}  // namespace
}  // namespace hwnas::hw
