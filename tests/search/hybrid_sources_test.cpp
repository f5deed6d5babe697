// The supernet accuracy source (accuracy: supernet:) against a fake hwnas-train
// (data/fake_hwnas_train.py), and the rungs of a hybrid multi-fidelity search (proxy and
// supernet rungs below the rungs of accuracy:): their order and keys, checked when the
// experiment is read, and how the cost model tells the strategy about a candidate a
// screening rung stopped (docs/hybrid.md).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "cost_model_support.h"
#include "hwnas/search/accuracy_source.h"
#include "hwnas/search/served_program.h"
#include "hwnas/space/registry.h"
#include "hwnas/space/space.h"

namespace hwnas::search {
namespace {

namespace fs = std::filesystem;
using testing::accuracy_of;
using testing::cost_model;
using testing::nb201;
using testing::scratch;
using testing::write_file;

const fs::path kFake = fs::path(HWNAS_SOURCE_DIR) / "tests/search/data/fake_hwnas_train.py";
const std::string kCell = "|nor_conv_1x1~0|+|none~0|skip_connect~1|+|none~0|none~1|avg_pool_3x3~2|";

/// The accuracy.supernet section of `yaml`, written as scratch()/NAME.
struct Experiment {
  std::string path;
  YAML::Node node;
  ExperimentSection accuracy() const { return ExperimentSection(node, path, "").section("accuracy"); }
};

Experiment experiment(const std::string& yaml, const std::string& name = "sn.yaml") {
  const std::string path = (scratch() / name).string();
  write_file(path, yaml);
  return {path, load_yaml_file(path, "experiment file")};
}

/// A supernet file for the fake, whose first word tells it how to behave.
std::string supernet_file(const std::string& name, const std::string& mode) {
  write_file(scratch() / name, mode + "\n");
  return name;  // relative: resolved from the experiment file's directory
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}

/// The fake's log of process starts (one JSON argv a line), emptied.
struct StartLog {
  StartLog() : path((scratch() / "starts.log").string()) {
    fs::remove(path);
    ::setenv("FAKE_TRAIN_LOG", path.c_str(), 1);
  }
  ~StartLog() { ::unsetenv("FAKE_TRAIN_LOG"); }
  std::vector<nlohmann::json> starts() const {
    std::vector<nlohmann::json> out;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
    return out;
  }
  std::string path;
};

TEST(SupernetAccuracy, AnswersTheServedTopOneAndPassesItsSettings) {
  const StartLog log;
  const Experiment e = experiment("accuracy:\n  supernet: {file: " + supernet_file("a.supernet", "ok") +
                                  ", validation: 500, calibration_images: 200, threads: 2}\n");
  const auto source = make_supernet_accuracy(e.accuracy(), nb201(), kFake);
  EXPECT_EQ(source->family(), AccuracySource::Family::single_shot);
  const double a = accuracy_of(*source, kCell);
  EXPECT_GE(a, 50);
  EXPECT_LT(a, 90);
  EXPECT_EQ(accuracy_of(*source, kCell), a);  // the same model file, the same answer
  // One process served the start-up probe and both candidates, with the section's settings,
  // the searched space's fingerprint and name, and the keys its errors name.
  const std::vector<nlohmann::json> starts = log.starts();
  ASSERT_EQ(starts.size(), 1U);
  const std::vector<std::string> expected = {
      "supernet", "eval", (scratch() / "a.supernet").string(), "--serve", "--threads", "2", "--expect-fingerprint",
      space::fingerprint(nb201()), "--expect-space-name", "nb201", "--validation-key", "accuracy.supernet.validation",
      "--space-key", "accuracy.supernet.space", "--validation", "500", "--calibration-images", "200"};
  EXPECT_EQ(starts[0].get<std::vector<std::string>>(), expected);
}

TEST(SupernetAccuracy, AFailedCandidateFailsAloneAndTheProcessIsStartedAgain) {
  const StartLog log;
  // The probe and one candidate are answered, then the process crashes at the next.
  const Experiment e = experiment("accuracy: {supernet: " + supernet_file("b.supernet", "die_after 2") + "}\n");
  const auto source = make_supernet_accuracy(e.accuracy(), nb201(), kFake);
  const double a = accuracy_of(*source, kCell);
  const std::string crash = error_of([&] { accuracy_of(*source, kCell); });
  EXPECT_NE(crash.find("hwnas-train supernet eval: '" + kFake.string() + "' exited with status 3"), std::string::npos)
      << crash;
  EXPECT_NE(crash.find("Segmentation fault in the fake"), std::string::npos) << crash;
  EXPECT_EQ(accuracy_of(*source, kCell), a);  // a new process
  EXPECT_EQ(log.starts().size(), 2U);
}

/// The failure of one candidate evaluated on a thread of its own that ends with it, as the
/// accuracy pool's workers live for one search step; "" when it was answered.
std::string failure_on_a_thread(AccuracySource& source) {
  std::string failure = "(no answer)";
  std::thread([&] { failure = error_of([&] { accuracy_of(source, kCell); }); }).join();
  return failure;
}

TEST(SupernetAccuracy, AKilledProcessFailsOneCandidateAndIsReplacedForGood) {
  const StartLog log;
  // The probe and one candidate are answered, then the process is killed with SIGKILL.
  const std::string file = supernet_file("k.supernet", "kill9_once 2");
  fs::remove(scratch() / "k.supernet.once");
  const Experiment e = experiment("accuracy: {supernet: " + file + "}\n");
  const auto source = make_supernet_accuracy(e.accuracy(), nb201(), kFake);
  EXPECT_EQ(failure_on_a_thread(*source), "");
  const std::string killed = failure_on_a_thread(*source);
  EXPECT_NE(killed.find("hwnas-train supernet eval: '" + kFake.string() + "' was killed by signal 9"),
            std::string::npos)
      << killed;
  // The new process was started by a thread that has ended since: it still answers.
  for (int i = 0; i < 4; ++i) EXPECT_EQ(failure_on_a_thread(*source), "") << "candidate " << i;
  EXPECT_EQ(log.starts().size(), 2U);
}

TEST(SupernetAccuracy, ACandidatePastTimeoutIsReportedAsATimeout) {
  const StartLog log;
  // The probe is answered, then the process sleeps past timeout_s at the next model.
  const std::string file = supernet_file("h.supernet", "hang_once 1");
  fs::remove(scratch() / "h.supernet.once");
  const Experiment e = experiment("accuracy: {supernet: {file: " + file + ", timeout_s: 5}}\n");
  const auto source = make_supernet_accuracy(e.accuracy(), nb201(), kFake);
  const std::string late = failure_on_a_thread(*source);
  EXPECT_NE(late.find("hwnas-train supernet eval: gave no answer within timeout_s 5 s"), std::string::npos) << late;
  EXPECT_EQ(late.find("signal"), std::string::npos) << late;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(failure_on_a_thread(*source), "") << "candidate " << i;
  EXPECT_EQ(log.starts().size(), 2U);
}

TEST(ServedProgram, SendsNoBlankRequestAndNoRequestOfTwoLines) {
  const StartLog log;
  ServedProgram program({kFake.string(), "proxy", "--serve", "--proxy", "params"}, "hwnas-train proxy", "", 60);
  for (const std::string path : {"", " \t", "a.json\nb.json", "a.json\r"}) {
    const std::string why = error_of([&] { program.ask(path); });
    EXPECT_NE(why.find("hwnas-train proxy: the model file's path is blank or spans lines"), std::string::npos) << why;
  }
  EXPECT_EQ(log.starts().size(), 0U);  // refused before any process started
  write_file(program.dir() / "m.json", "12345");
  EXPECT_EQ(program.ask((program.dir() / "m.json").string())["scores"]["params"]["value"], 5.0);
}

TEST(SupernetAccuracy, ARefusedOrGarbledAnswerFailsThatCandidate) {
  const Experiment garbage = experiment("accuracy: {supernet: " + supernet_file("c.supernet", "garbage") + "}\n");
  const auto source = make_supernet_accuracy(garbage.accuracy(), nb201(), kFake);  // the probe is answered
  const std::string why = error_of([&] { accuracy_of(*source, kCell); });
  EXPECT_NE(why.find("'accuracy: high'"), std::string::npos) << why;
  EXPECT_NE(why.find("{\"accuracy\": TOP1_PERCENT}"), std::string::npos) << why;
}

TEST(SupernetAccuracy, ErrorsWhenTheExperimentIsRead) {
  const auto error = [](const std::string& yaml) {
    const Experiment e = experiment(yaml, "bad.yaml");
    return error_of([&] { make_supernet_accuracy(e.accuracy(), nb201(), kFake); });
  };
  const std::string missing = error("accuracy:\n  supernet: runs/none.supernet\n");
  EXPECT_NE(missing.find("bad.yaml:2: accuracy.supernet: no such file"), std::string::npos) << missing;
  // The path as the error names it: without "..".
  const std::string dots = error("accuracy:\n  supernet: /nonexistent/runs/../none.supernet\n");
  EXPECT_NE(dots.find("no such file '/nonexistent/none.supernet'"), std::string::npos) << dots;
  EXPECT_NE(missing.find("(train one with `hwnas supernet train SPACE --target T --out FILE`)"), std::string::npos)
      << missing;
  EXPECT_NE(error("accuracy:\n  supernet: {validation: 5}\n").find("accuracy.supernet: file: missing"),
            std::string::npos);
  EXPECT_NE(error("accuracy:\n  supernet: {file: x, epochs: 5}\n").find("accuracy.supernet.epochs: unknown key"),
            std::string::npos);
  const std::string threads = error("accuracy:\n  supernet: {file: " + supernet_file("d.supernet", "ok") +
                                    ", threads: 0}\n");
  EXPECT_NE(threads.find("accuracy.supernet.threads"), std::string::npos) << threads;
  // data: a directory, named at its key before hwnas-train starts (s34 fresh-user finding).
  const std::string data = error("accuracy:\n  supernet: {file: " + supernet_file("g.supernet", "ok") +
                                 ", data: no-such-cache}\n");
  EXPECT_NE(data.find("accuracy.supernet.data: no such directory '"), std::string::npos) << data;
  EXPECT_NE(data.find("no-such-cache'; give the directory of Fashion-MNIST"), std::string::npos) << data;
  EXPECT_NE(error("accuracy:\n  supernet: [a, b]\n").find("must be a supernet file or {file: FILE"),
            std::string::npos);
  // hwnas-train refuses the file at start-up (exit 2, one line): that line, naming the key.
  const std::string refused = error("accuracy: {supernet: " + supernet_file("e.supernet", "refuse") + "}\n");
  EXPECT_NE(refused.find("bad.yaml:1: accuracy.supernet: evaluating a sampled genome of space 'nb201'"),
            std::string::npos)
      << refused;
  EXPECT_NE(refused.find("exited with status 2"), std::string::npos) << refused;
  EXPECT_NE(refused.find("not a supernet file"), std::string::npos) << refused;
  // A supernet of another space: its probe is refused.
  const std::string other = error("accuracy: {supernet: " + supernet_file("f.supernet", "other") + "}\n");
  EXPECT_NE(other.find("is not a subnet of this supernet"), std::string::npos) << other;
  EXPECT_NE(other.find("fix what it names, or give a supernet of this experiment's space"), std::string::npos) << other;
  EXPECT_NE(error_of([&] {
              const Experiment e = experiment("accuracy: {supernet: " + supernet_file("g.supernet", "ok") + "}\n");
              make_supernet_accuracy(e.accuracy(), nb201(), scratch() / "no-such-program");
            }).find("which is missing"),
            std::string::npos);
}

/// hwnas-train's train_stub.py as the accuracy command with rungs `rungs`.
std::string command_hybrid(const std::string& rungs, const std::string& accuracy = "") {
  const std::string stub = (fs::path(HWNAS_SOURCE_DIR) / "tests/search/data/train_stub.py").string();
  return (accuracy.empty() ? "accuracy: {command: [python3, " + stub + ", ok, '{model}', '{fidelity}']}\n"
                           : accuracy) +
         "objective: {maximize: accuracy}\nmulti_fidelity:\n  method: successive_halving\n  eta: 2\n  rungs: " + rungs +
         "\n";
}

std::string sources_error(const std::string& yaml) {
  const Experiment e = experiment(yaml, "hybrid.yaml");
  return error_of([&] { make_accuracy_sources(e.node, e.path, nb201()); });
}

TEST(HybridRungs, BadRungsAreOneLineNamingTheRungAndTheFix) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"[1, {proxy: synflow}, 3]",
       "multi_fidelity.rungs[1]: a proxy rung screens candidates for nothing before any other rung: make it rung 0"},
      {"[{supernet: a.sn}, {proxy: synflow}, 3]", "multi_fidelity.rungs[1]: a proxy rung screens"},
      {"[1, {supernet: a.sn}, 3]",
       "multi_fidelity.rungs[1]: a supernet rung comes below the rungs of accuracy.command (rung 0 is one)"},
      {"[{supernet: a.sn}, {supernet: b.sn}, 3]",
       "rungs[1]: rung 0 is a supernet rung already, and a bracket has one supernet rung at most: remove this one"},
      // Two proxies: the second is named, and the fix is to keep one (not "make it rung 0").
      {"[{proxy: synflow}, {proxy: naswot}, 3]",
       "multi_fidelity.rungs[1]: rung 0 is a proxy rung already, and a bracket has one proxy rung at most: remove "
       "this one and keep the proxy that ranks this space best at rung 0 (docs/proxies.md compares them)"},
      {"[{proxy: synflow}, {supernet: a.sn}, {proxy: naswot}, 3]", "multi_fidelity.rungs[2]: rung 0 is a proxy rung"},
      {"[{proxy: synflow, epochs: 2}, 3]",
       "hybrid.yaml:6: multi_fidelity.rungs[0].epochs: a proxy rung scores candidates without training: its only key "
       "is proxy"},
      {"[{supernet: a.sn, subset: 0.5}, 3]", "multi_fidelity.rungs[0].subset: a supernet rung evaluates shared weights"},
      {"[{proxy: synflow, supernet: a.sn}, 3]", "multi_fidelity.rungs[0].supernet: a rung has one source"},
      {"[{proxy: synflow}, {supernet: a.sn}]",
       "multi_fidelity.rungs[1]: the last rung is the full fidelity, measured by accuracy.command: end the rungs"},
      {"[{csv: t.csv}, 3]", "multi_fidelity.rungs[0].csv: a rung is a fidelity of accuracy.command, or a source of"},
  };
  for (const auto& [rungs, expected] : cases) {
    const std::string e = sources_error(command_hybrid(rungs));
    EXPECT_NE(e.find(expected), std::string::npos) << rungs << "\n" << e;
    EXPECT_EQ(e.find('\n'), std::string::npos) << e;
  }
  // A proxy or supernet as the accuracy: source has no rungs, and the error says how to make one.
  const std::string proxy = sources_error(command_hybrid("[1, 3]", "accuracy: {proxy: synflow}\n"));
  EXPECT_NE(proxy.find("accuracy.proxy: a proxy scores without training, so it has no fidelity rungs; to screen with "
                       "it before training, make it a rung under accuracy: train: (rungs: [{proxy: synflow}, "
                       "{epochs: 10}]"),
            std::string::npos)
      << proxy;
  const std::string supernet = sources_error(command_hybrid("[1, 3]", "accuracy: {supernet: a.sn}\n"));
  EXPECT_NE(supernet.find("accuracy.supernet: a supernet evaluates shared weights without training"),
            std::string::npos)
      << supernet;
}

// A proxy's reference sample larger than the space (s29 fresh-user finding 9): refused when
// the experiment is read, naming the key (the rung's proxy, or its reference) and the fix.
TEST(HybridRungs, AReferenceSampleLargerThanTheSpaceNamesTheKeyAndTheFix) {
  const std::string large = sources_error(command_hybrid("[{proxy: {name: synflow, reference: 20000}}, 3]"));
  EXPECT_NE(large.find("hybrid.yaml:6: multi_fidelity.rungs[0].proxy.reference: space 'nb201' has 15625 "
                       "architectures, fewer than the reference sample of 20000 that the proxy's scores are ranked "
                       "against; give reference: 15625 or fewer ({name: synflow, reference: 15625})"),
            std::string::npos)
      << large;
  write_file(scratch() / "two.yaml",
             "name: two\ninput: {channels: 1, resolution: [28, 32]}\nactivation: relu6\nstem: {channels: 16, kernel: 3, "
             "stride: 2}\nstages:\n  - {name: s1, stride: 2, depth: [1], channels: 16, block: [ibn], kernel: [3], "
             "expansion: [1], se: [false]}\nhead: {task: classification, classes: 10, features: 32}\n");
  const std::unique_ptr<space::Space> two = space::make_space((scratch() / "two.yaml").string(), {});
  const Experiment e = experiment(command_hybrid("[{proxy: synflow}, 3]"), "small.yaml");
  const std::string small = error_of([&] { make_accuracy_sources(e.node, e.path, *two); });
  EXPECT_NE(small.find("multi_fidelity.rungs[0].proxy: space 'two' has 2 architectures, fewer than the reference "
                       "sample of 100 (the default) that the proxy's scores are ranked against; give reference: 2 or "
                       "fewer ({name: synflow, reference: 2})"),
            std::string::npos)
      << small;
  EXPECT_EQ(small.find('\n'), std::string::npos) << small;
}

TEST(HybridRungs, TrainingRungsAreNumberedAmongAllRungs) {
  // rungs[2] trains as rungs[1]: the message counts the supernet rung below them.
  const std::string e =
      sources_error("accuracy:\n  train: {epochs: 1, resolution: 8}\nobjective: {maximize: accuracy}\n"
                    "multi_fidelity:\n  method: successive_halving\n  rungs: [{supernet: a.sn}, {epochs: 2}, "
                    "{epochs: 1}]\n");
  EXPECT_NE(e.find("multi_fidelity.rungs[2]: lowers epochs to 1 from rung 1's 2"), std::string::npos) << e;
}

// A proxy rung (hwnas-train proxy beside this test, synflow on 4 reference cells) below two
// rungs of the accuracy command: the sources, and what the strategy is told.
TEST(HybridRungs, AScreenedOutCandidateRanksBelowEveryPromotedOne) {
  const auto model = cost_model(command_hybrid("[{proxy: {name: synflow, reference: 4}}, 1, 3]"), nb201());
  ASSERT_EQ(model->rungs(), 3);
  const space::Genome g = nb201().parse_arch(kCell);
  const AccuracyResult at_proxy = model->evaluate_accuracy({0, g, 0});
  ASSERT_TRUE(at_proxy.accuracy) << at_proxy.failure;
  EXPECT_GE(*at_proxy.accuracy, 0);  // a percentile of the 4 reference cells
  EXPECT_LE(*at_proxy.accuracy, 100);

  const auto told = [&](std::int32_t rung, double accuracy) {
    Trial t = model->screen(g);
    model->finish(t, {0, accuracy, "", 0}, rung);
    return model->feedback(t);
  };
  // Stopped at the proxy rung: infeasible for the strategy, by more than one stopped at a
  // training rung's first fidelity could be, and the better percentile by less.
  const Feedback low = told(0, 20), high = told(0, 95);
  EXPECT_EQ(low.status, Feedback::Status::infeasible);
  EXPECT_TRUE(low.fitness.empty());
  EXPECT_GT(low.violation, high.violation);
  EXPECT_GT(high.violation, 0);
  // Rungs 1 and 2 are of the command's family: their accuracies are told as they are.
  const Feedback first = told(1, 30), top = told(2, 60);
  EXPECT_EQ(first.status, Feedback::Status::ok);
  EXPECT_EQ(first.fitness, std::vector<double>{30});
  EXPECT_EQ(top.fitness, std::vector<double>{60});
}

}  // namespace
}  // namespace hwnas::search
