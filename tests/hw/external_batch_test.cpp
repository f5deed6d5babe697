// The external target's batch protocol: one program answers many kernels as JSON lines.
// The shipped example against its per-kernel twin, a hundred kernels through one program,
// each kind of bad answer, both timeouts, a program that dies after k answers, and the
// description keys. Programs are tiny sh scripts (python3 where JSON must be read).
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <thread>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "hwnas/base/error.h"
#include "hwnas/hw/external/external_target.h"
#include "hwnas/hw/external/subprocess.h"
#include "store_test_support.h"
#include "support/resources.h"

namespace hwnas::hw {
namespace {

using testing::conv_kernel;
using testing::TempDir;

const std::string kExamples = std::string(HWNAS_SOURCE_DIR) + "/examples/external/";

void need_python3() {
  if (!find_program("python3", ""))
    HWNAS_MISSING_RESOURCE("python3 is not on PATH: install Debian's python3 (scripts/setup.sh)");
}

/// A batch description running `sh device.sh`; `body` runs once per kernel line with $id
/// (the kernel's id, as sent) and $n (kernels read so far, from 1).
struct BatchDevice {
  TempDir dir;
  std::unique_ptr<Target> target;

  explicit BatchDevice(const std::string& body, const std::string& extra_keys = "timeout_s: 5\n") {
    dir.write("device.sh", "echo $$ > device.pid\nn=0\nwhile IFS= read -r line; do\n  id=${line#'{\"id\":'}\n"
                           "  id=${id%%,*}\n  n=$((n+1))\n" + body + "\ndone\n");
    const std::string yaml = dir.write(
        "device.yaml", "name: batchy\ncommand: [sh, device.sh]\nprotocol: batch\n" + extra_keys);
    target = make_external_target(YAML::LoadFile(yaml), yaml);
  }
};

const std::string kAnswerN = R"(printf '{"id": %s, "latency_ms": %s}\n' "$id" "$n")";

/// Measures conv_kernel(1), conv_kernel(2), ... and expects kernels 1..k to be answered and
/// kernel k+1 to fail with a one-line error naming it and containing `part`.
void expect_failure_at(Target& target, int k, const std::string& part) {
  for (int i = 1; i <= k; ++i) ASSERT_NO_THROW(target.measure(conv_kernel(i))) << "kernel " << i;
  const Kernel kernel = conv_kernel(k + 1);
  try {
    target.measure(kernel);
    ADD_FAILURE() << "kernel " << k + 1 << " did not fail; expected '" << part << "'";
  } catch (const UserError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("kernel " + kernel_key(kernel) + ": "), std::string::npos) << message;
    EXPECT_NE(message.find(part), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
}

TEST(BatchExample, AnswersAsItsPerKernelTwin) {
  need_python3();
  const std::string batch_yaml = kExamples + "fake_npu_batch.yaml", single_yaml = kExamples + "fake_npu.yaml";
  const auto batch = make_external_target(YAML::LoadFile(batch_yaml), batch_yaml);
  const auto single = make_external_target(YAML::LoadFile(single_yaml), single_yaml);
  EXPECT_EQ(batch->name(), "fake_npu_batch");
  EXPECT_EQ(batch->precision(), single->precision());
  EXPECT_EQ(batch->fusion_rules()->patterns, single->fusion_rules()->patterns);
  for (const std::int32_t out : {16, 256, 24}) {
    SCOPED_TRACE(out);
    const Measurement a = batch->measure(conv_kernel(out)), b = single->measure(conv_kernel(out));
    EXPECT_EQ(a.latency_s, b.latency_s);
    EXPECT_EQ(a.samples_s, b.samples_s);
    EXPECT_EQ(a.cycles, b.cycles);
    ASSERT_EQ(a.samples_s.size(), 5u);
  }
}

// A hundred kernels (MobileNetV2 decomposes into 66) through one program; each answer is
// its own kernel's (latency = output channels), so answers are matched, not shifted.
TEST(BatchProtocol, OneProgramAnswersAHundredKernels) {
  need_python3();
  TempDir dir;
  dir.write("device.py",
            "import json, os, sys\nprint(os.getpid(), file=open('device.pid', 'w'))\n"
            "for line in sys.stdin:\n  r = json.loads(line)\n  assert sorted(r) == ['id', 'kernel'], r\n"
            "  out = r['kernel']['ops'][0]['params']['out']\n"
            "  print(json.dumps({'id': r['id'], 'latency_ms': out, 'cycles': out * 10, 'samples_ms': [out]}), "
            "flush=True)\n");
  const std::string yaml = dir.write("d.yaml", "name: py\ncommand: [python3, device.py]\nprotocol: batch\n");
  auto target = make_external_target(YAML::LoadFile(yaml), yaml);
  for (int out = 1; out <= 100; ++out) {
    const Measurement m = target->measure(conv_kernel(out));
    ASSERT_DOUBLE_EQ(m.latency_s, out * 1e-3) << out;
    ASSERT_EQ(m.cycles, out * 10);
    ASSERT_EQ(m.samples_s.size(), 1u);
    ASSERT_DOUBLE_EQ(m.samples_s[0], out * 1e-3);
  }
  pid_t pid = 0;
  std::ifstream(dir.file("device.pid")) >> pid;
  ASSERT_GT(pid, 0);
  EXPECT_EQ(kill(pid, 0), 0) << "one program for all kernels: it still runs";
  target.reset();  // stdin closes; the program ends (or is killed) and is reaped
  testing::expect_process_ends(pid, "the program outlived its target:");
}

TEST(BatchProtocol, TheProgramSeesIdsFromZeroAndKernelJson) {
  BatchDevice d("printf '%s\\n' \"$line\" >> seen.jsonl\n" + kAnswerN);
  d.target->measure(conv_kernel(8));
  d.target->measure(conv_kernel(9));
  std::ifstream seen(d.dir.file("seen.jsonl"));
  std::string line;
  for (int id = 0; id < 2; ++id) {
    ASSERT_TRUE(std::getline(seen, line));
    EXPECT_EQ(nlohmann::json::parse(line), (nlohmann::json{{"id", id}, {"kernel", kernel_to_json(conv_kernel(8 + id))}}));
  }
}

TEST(BatchProtocol, BlankLinesCarriageReturnsAndStderrNoiseAreFine) {
  // 200 KiB of stderr per kernel would fill the pipe if it were not read meanwhile.
  BatchDevice d("head -c 204800 /dev/zero | tr '\\0' x >&2\necho\nprintf '{\"id\": %s, \"latency_ms\": 2}\\r\\n' \"$id\"");
  for (int i = 1; i <= 3; ++i) EXPECT_DOUBLE_EQ(d.target->measure(conv_kernel(i)).latency_s, 2e-3);
}

TEST(BatchErrors, EachBadAnswerNamesItsKernel) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"echo 'latency: fast'", "answer 'latency: fast' is not a JSON object"},
      {"echo 1.5", "answer '1.5' is not a JSON object"},
      {R"(echo '{"latency_ms": 1}')", "answer has no 'id'"},
      {R"(printf '{"id": %s, "latency_ms": 1}\n' $((id+1)))", "answer has id 2 while kernel id 1 was outstanding"},
      {R"(echo '{"id": "1", "latency_ms": 1}')", "answer's id \"1\" is not an integer"},
      {R"(printf '{"id": %s, "latency_ms": 1, "note": "x"}\n' $id)", "unknown key 'note'"},
      {R"(printf '{"id": %s, "latency_ms": -1}\n' $id)", "latency_ms -1 must be a positive number"},
      {R"(printf '{"id": %s, "latency_ms": NaN}\n' $id)", "is not a JSON object"},
      {R"(printf '{"id": %s, "latency_ms": 1e400}\n' $id)", "is not a JSON object"},
      {R"(printf '{"id": %s, "latency_ms": 1, "latency_ms": 2}\n' $id)", "key 'latency_ms' appears twice"},
      {R"(printf '{"id": %s, "latency_ms": 1}\033\n' $id)", "answer holds the control byte 0x1b"},
      {R"(printf '{"id": %s, "latency_ms": 1, "samples_ms": [1, -2]}\n' $id)", "samples_ms entry -2"},
      {"head -c 1100000 /dev/zero | tr '\\0' 1", "an answer line is longer than 1048576 bytes"},
  };
  for (const auto& [bad, part] : cases) {
    SCOPED_TRACE(bad);
    // The first kernel is answered well, the second badly.
    BatchDevice d("if [ $n = 2 ]; then\n" + bad + "\nelse\n" + kAnswerN + "\nfi");
    expect_failure_at(*d.target, 1, part);
    // The next kernel starts a fresh program (its first kernel: answered well).
    EXPECT_DOUBLE_EQ(d.target->measure(conv_kernel(7)).latency_s, 1e-3);
  }
}

// The program outlives the thread that measured first: a child gets SIGKILL when the
// thread that forked it ends (PR_SET_PDEATHSIG), so the target starts it from a thread of
// its own. Measured from two short-lived threads in turn, one program answers both (the
// second answer is its second: latency_ms 2); started by the first thread, it was killed
// when that thread ended and the second kernel failed.
TEST(BatchProtocol, OneProgramServesKernelsFromShortLivedThreads) {
  BatchDevice d(kAnswerN);
  std::vector<double> ms;
  for (int i = 1; i <= 2; ++i)
    std::thread([&] {
      try {
        ms.push_back(d.target->measure(conv_kernel(i)).latency_s * 1000);
      } catch (const UserError& e) {
        ADD_FAILURE() << e.what();
      }
    }).join();
  EXPECT_EQ(ms, (std::vector<double>{1, 2}));
}

// A program's one-line error ends with its fix: the relayed stderr keeps the whole line up
// to 600 characters (it was cut at 100), and a longer one's start and end.
TEST(BatchErrors, TheLastStderrLineKeepsItsFix) {
  const std::string line = "error: " + std::string(250, 'x') + "; give the right file";
  BatchDevice whole("if [ $n = 2 ]; then echo '" + line + "' >&2; exit 2; fi\n" + kAnswerN);
  expect_failure_at(*whole.target, 1, "stderr ends with: '" + line + "'");
  // 1,028 characters: the first and the last 300.
  const std::string longer = "error: " + std::string(1000, 'y') + "; give the right file";
  BatchDevice ends("if [ $n = 2 ]; then echo '" + longer + "' >&2; exit 2; fi\n" + kAnswerN);
  expect_failure_at(*ends.target, 1,
                    "stderr ends with: 'error: " + std::string(293, 'y') + " ... " + std::string(279, 'y') +
                        "; give the right file'");
}

TEST(BatchErrors, AProgramThatDiesAfterKAnswersNamesKernelKPlusOne) {
  BatchDevice exits("if [ $n = 4 ]; then echo 'board lost' >&2; exit 3; fi\n" + kAnswerN);
  expect_failure_at(*exits.target, 3,
                    "'sh' exited with status 3 before answering (kernel id 3; the program had answered 3 kernels); "
                    "stderr ends with: 'board lost'");
  BatchDevice killed("if [ $n = 2 ]; then kill -SEGV $$; fi\n" + kAnswerN);
  expect_failure_at(*killed.target, 1, "'sh' was killed by signal 11");
  BatchDevice quits("if [ $n = 3 ]; then exit 0; fi\n" + kAnswerN);
  expect_failure_at(*quits.target, 2, "'sh' exited with status 0 before answering");
  // Its background child holds stdout open: the exit is still noticed (and the child killed).
  BatchDevice orphan("if [ $n = 2 ]; then (sleep 30; echo late) & exit 4; fi\n" + kAnswerN);
  expect_failure_at(*orphan.target, 1, "'sh' exited with status 4 before answering");
  // Its last answer lacks the newline (fresh-user finding: reported as 'before answering').
  BatchDevice unended(R"(if [ $n = 2 ]; then printf '{"id": %s, "latency_ms": 1}' $id; exit 0; fi)" "\n" + kAnswerN);
  expect_failure_at(*unended.target, 1,
                    "'sh' exited with status 0 after printing '{\"id\": 1, \"latency_ms\": 1}' with no newline after "
                    "it (kernel id 1; the program had answered 1 kernel); end each answer line with a newline; it "
                    "printed nothing on stderr");
  BatchDevice closes("if [ $n = 2 ]; then exec >&-; sleep 30; fi\n" + kAnswerN);
  expect_failure_at(*closes.target, 1, "'sh' closed its stdout (it was killed)");
  BatchDevice none("true", "");
  std::filesystem::remove(none.dir.file("device.sh"));
  expect_failure_at(*none.target, 0,
                    "'sh' exited with status 2 before answering (kernel id 0; the program had answered 0 kernels); "
                    "stderr ends with: 'sh: 0: cannot open device.sh");
  const auto missing = make_external_target(
      YAML::Load("{name: x, protocol: batch, command: [hwnas-no-such-program-here]}"), "inline.yaml");
  expect_failure_at(*missing, 0, "cannot run 'hwnas-no-such-program-here' (No such file or directory)");
}

// An answer line may hold a megabyte: errors quote at most ~100 characters of any part of it.
TEST(BatchErrors, ErrorsQuoteLongAnswersCut) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"(printf '{"id": %s, "latency_ms": 1, "%s": 1}\n' $id "$long")", "answer has unknown key 'xxxx"},
      {R"(printf '{"id": %s, "latency_ms": "%s"}\n' $id "$long")", "latency_ms \"xxxx"},
      {R"(printf '{"id": "%s", "latency_ms": 1}\n' "$long")", "answer's id \"xxxx"},
      {R"(printf '{"id": %s, "latency_ms": 1, "samples_ms": ["%s"]}\n' $id "$long")", "samples_ms entry \"xxxx"},
      {R"(printf '%s\n' "$long")", "answer 'xxxx"},
  };
  for (const auto& [bad, part] : cases) {
    SCOPED_TRACE(bad);
    BatchDevice d("long=$(head -c 100000 /dev/zero | tr '\\0' x)\n" + bad);
    try {
      d.target->measure(conv_kernel(1));
      ADD_FAILURE() << "no error";
    } catch (const UserError& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find(part), std::string::npos) << message.substr(0, 300);
      EXPECT_NE(message.find("xxx..."), std::string::npos) << message.substr(0, 300);
      EXPECT_LT(message.size(), 700u) << message.substr(0, 300);
    }
  }
}

TEST(BatchErrors, PerKernelTimeout) {
  BatchDevice d("if [ $n = 3 ]; then sleep 30; fi\n" + kAnswerN, "timeout_s: 0.5\n");
  expect_failure_at(*d.target, 2, "no answer within timeout_s = 0.5 s (kernel id 2; the program had answered 2 kernels)");
  pid_t pid = 0;
  std::ifstream(d.dir.file("device.pid")) >> pid;
  ASSERT_GT(pid, 0);
  testing::expect_process_ends(pid, "the timed-out program");
}

// Every kernel is in time (0.3 s of 5), the program as a whole is not (1 s).
TEST(BatchErrors, BatchTimeout) {
  BatchDevice d("sleep 0.3\n" + kAnswerN, "timeout_s: 5\nbatch_timeout_s: 1\n");
  int answered = 0;
  try {
    for (int i = 1; i <= 20; ++i, ++answered) d.target->measure(conv_kernel(i));
    ADD_FAILURE() << "20 kernels of 0.3 s within batch_timeout_s = 1 s";
  } catch (const UserError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("kernel " + kernel_key(conv_kernel(answered + 1)) + ": the program ran past "
                           "batch_timeout_s = 1 s (kernel id " + std::to_string(answered)),
              std::string::npos) << message;
    EXPECT_GE(answered, 1);
    EXPECT_LE(answered, 4);
  }
}

TEST(BatchDescription, KeysAndErrors) {
  const auto bad = [](const std::string& yaml, const std::string& part) {
    try {
      make_external_target(YAML::Load(yaml), "desc.yaml");
      ADD_FAILURE() << "accepted: " << yaml;
    } catch (const UserError& e) {
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
    }
  };
  bad("{name: x, command: [a], protocol: stream}", "desc.yaml:1: key 'protocol': must be per_kernel");
  bad("{name: x, command: [a], protocol: [batch]}", "key 'protocol': must be per_kernel");
  bad("{name: x, command: [a], batch_timeout_s: 5}", "key 'batch_timeout_s': applies only with 'protocol: batch'");
  bad("{name: x, command: [a], protocol: per_kernel, batch_timeout_s: 5}", "applies only with 'protocol: batch'");
  bad("{name: x, command: [a], protocol: batch, batch_timeout_s: 0}", "key 'batch_timeout_s'");
  bad("{name: x, command: [a], protocol: batch, batch_timeout_s: 3e6}", "batch_timeout_s = 3e6 is too large");
  bad("{name: x, command: [a], protocol: batch, batch_timeout: 5}", "unknown key 'batch_timeout'");
  const auto id = [](const std::string& yaml) { return make_external_target(YAML::Load(yaml), "d")->identity(); };
  // Per-kernel identities are those of before the batch protocol (stores made then still match).
  EXPECT_EQ(id(R"({name: x, command: [sh, -c, "cat >/dev/null; echo 1"], precision: int8, fusion: [conv_add, conv_bn_act]})"),
            "x#11b1e285be38a37d");
  EXPECT_EQ(id("{name: x, command: [a]}"), id("{name: x, command: [a], protocol: per_kernel}"));
  EXPECT_NE(id("{name: x, command: [a]}"), id("{name: x, command: [a], protocol: batch}"));
  EXPECT_EQ(id("{name: x, command: [a], protocol: batch}"),
            id("{name: x, command: [a], protocol: batch, batch_timeout_s: 86400}"));
  EXPECT_NE(id("{name: x, command: [a], protocol: batch}"),
            id("{name: x, command: [a], protocol: batch, batch_timeout_s: 60}"));
}

}  // namespace
}  // namespace hwnas::hw
