// Outputs of `hwnas fit` and `hwnas profile` never replace a special file or one of the
// command's own inputs, however the path is spelled, and are checked before any work:
// exit 2, one line, nothing on stdout, the file untouched, nothing created.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "support/cli_runner.h"
#include "support/npu_description.h"

namespace hwnas::hw {
namespace {

namespace fs = std::filesystem;
using testing::expect_bad_input;
using testing::read_file;

class OutputCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::scratch_dir() / ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::create_directories(dir_);
  }
  std::string at(const std::string& name) const { return (dir_ / name).string(); }
  std::string file(const std::string& name, const std::string& text) const {
    std::ofstream(dir_ / name, std::ios::binary) << text;
    return at(name);
  }
  /// The directory's entries, to show that a refused command created nothing.
  std::vector<std::string> entries() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir_)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }

  fs::path dir_;
};

// hwnas fit --target npu-p16 --db same.db --out same.db overwrote the store, exit 0.
TEST_F(OutputCli, FitRefusesToWriteOverItsOwnInputs) {
  const std::string store = file("same.db", "a store the user cares about");
  const std::string description = file("my.yaml", testing::minimal_npu_description("mine"));
  const std::string table = file("t.csv", "arch,ms\na,1\n");
  fs::create_hard_link(store, at("hard.db"));
  fs::create_symlink(store, at("sym.db"));
  const std::string relative = fs::relative(store, fs::current_path()).string();
  for (const auto& [args, hint] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"--target", "npu-p16", "--db", store, "--out", store}, "it is the measurement store (--db)"},
           {{"--target", "npu-p16", "--db", relative, "--out", store}, "it is the measurement store (--db)"},
           {{"--target", "npu-p16", "--db", at("../" + dir_.filename().string() + "/./same.db"), "--out", store},
            "it is the measurement store (--db)"},
           {{"--target", "npu-p16", "--db", store, "--out", at("hard.db")}, "it is the measurement store (--db)"},
           {{"--target", "npu-p16", "--db", at("sym.db"), "--out", store}, "it is the measurement store (--db)"},
           {{"--target", description, "--db", at("new.db"), "--out", description}, "it is the target description"},
           {{"--target", description, "--db", description, "--out", at("e.est")},
            "cannot write the measurement store (--db) there: it is the target description"},
           {{"--target", "npu-p16", "--db", at("fresh.db"), "--out", at("fresh.db")}, "it is the measurement store"},
           {{"--table", table, "--latency-column", "ms", "--space", "nb201", "--out", table},
            "it is the latency table (--table)"},
           {{"--table", table, "--latency-column", "ms", "--space", "nb201", "--out", at("e.est"), "--predictions",
             at("e.est")},
            "it is the predictions file (--predictions)"},
           {{"--table", table, "--latency-column", "ms", "--space", "nb201", "--out", at("e.est"), "--predictions",
             table},
            "cannot write the predictions file (--predictions) there: it is the latency table (--table)"}}) {
    std::vector<std::string> argv = {"fit"};
    if (args[0] != "--table") argv.insert(argv.end(), {"--budget", "50"});  // kernel mode only
    argv.insert(argv.end(), args.begin(), args.end());
    expect_bad_input(argv, hint);
  }
  EXPECT_EQ(read_file(store), "a store the user cares about");
  EXPECT_EQ(read_file(description), testing::minimal_npu_description("mine"));
  EXPECT_EQ(read_file(table), "arch,ms\na,1\n");
  EXPECT_EQ(entries(), (std::vector<std::string>{"hard.db", "my.yaml", "same.db", "sym.db", "t.csv"}));
}

// An external target's program and the files its command names are inputs too: fit --out
// prog.sh ran the whole fit, then replaced the program with the estimator, exit 0.
TEST_F(OutputCli, OutputsNeverReplaceAFileAnExternalCommandUses) {
  const std::string program = "touch ran; read line; echo 0.01\n";
  const std::string prog = file("prog.sh", program);
  const std::string data = file("data.txt", "kept");
  const std::string run = file("run.sh", program);
  ASSERT_EQ(::chmod(run.c_str(), 0755), 0);
  const std::string sh = file("shx.yaml", "name: shx\ncommand: [sh, prog.sh, data.txt]\nfusion: [conv_bn_act]\n");
  const std::string direct = file("direct.yaml", "name: direct\ncommand: [./run.sh]\n");
  const std::string uses = "it is a file the target's command uses";
  for (const auto& [args, hint] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"fit", "--target", sh, "--db", at("s.db"), "--out", prog}, "estimator file (--out) there: " + uses},
           {{"fit", "--target", sh, "--db", at("s.db"), "--out", at("./data.txt")}, uses + " ('" + data + "')"},
           {{"fit", "--target", sh, "--db", prog, "--out", at("e.est")}, "measurement store (--db) there: " + uses},
           {{"fit", "--target", direct, "--db", at("s.db"), "--out", run}, uses},
           {{"profile", "--target", sh, "--kernels", "5", "--db", prog}, uses},
           {{"profile", "--target", sh, "--kernels", "5", "--db", data}, uses},
           {{"profile", "--target", direct, "--kernels", "5", "--db", run}, uses}}) {
    std::vector<std::string> argv = args;
    if (argv[0] == "fit") argv.insert(argv.end(), {"--budget", "50"});
    expect_bad_input(argv, hint);
  }
  EXPECT_EQ(read_file(prog), program);
  EXPECT_EQ(read_file(run), program);
  EXPECT_EQ(read_file(data), "kept");
  // Refused before any measuring: the program never ran, no store was created.
  EXPECT_EQ(entries(), (std::vector<std::string>{"data.txt", "direct.yaml", "prog.sh", "run.sh", "shx.yaml"}));
}

// --out and --predictions were written as PATH.tmp and renamed over PATH whatever it was.
TEST_F(OutputCli, SpecialFilesAreNeverReplaced) {
  ASSERT_EQ(::mkfifo(at("fifo").c_str(), 0600), 0);
  fs::create_symlink("/dev/null", at("null"));
  fs::create_symlink("/dev/full", at("full"));
  struct stat null_before {};
  ASSERT_EQ(::stat("/dev/null", &null_before), 0);
  const std::string table = file("t.csv", "arch,ms\na,1\n");
  for (const std::string& out : {at("fifo"), at("null"), at("full")}) {
    expect_bad_input({"fit", "--target", "npu-p16", "--db", at("s.db"), "--out", out}, out + ": cannot write the "
                                                                                          "estimator file (--out) there: it is a");
    expect_bad_input({"fit", "--table", table, "--latency-column", "ms", "--space", "nb201", "--out", at("e.est"),
                      "--predictions", out},
                     "cannot write the predictions file (--predictions) there: it is a");
    expect_bad_input({"profile", "--target", "npu-p16", "--kernels", "5", "--db", out},
                     "cannot write the measurement store (--db) there: it is a");
  }
  expect_bad_input({"fit", "--target", "npu-p16", "--db", at("s.db"), "--out", dir_.string()}, "it is a directory");
  EXPECT_TRUE(fs::is_fifo(at("fifo")));
  EXPECT_TRUE(fs::is_symlink(at("null")) && fs::is_character_file(at("null")));
  EXPECT_TRUE(fs::is_symlink(at("full")) && fs::is_character_file(at("full")));
  struct stat null_after {};
  ASSERT_EQ(::stat("/dev/null", &null_after), 0);
  EXPECT_EQ(null_after.st_ino, null_before.st_ino);
  EXPECT_TRUE(S_ISCHR(null_after.st_mode));
  EXPECT_EQ(entries(), (std::vector<std::string>{"fifo", "full", "null", "t.csv"}));
}

// fit --out DIR/missing/est failed only after the whole fit.
TEST_F(OutputCli, OutputsAreCheckedBeforeAnyWork) {
  expect_bad_input({"fit", "--target", "npu-p16", "--db", at("s.db"), "--out", at("missing/est")},
                   at("missing/est") + ": cannot write the estimator file (--out) there: directory '" + at("missing") +
                       "' does not exist; create it first");
  expect_bad_input({"profile", "--target", "npu-p16", "--kernels", "5", "--db", at("missing/s.db")},
                   "directory '" + at("missing") + "' does not exist");
  EXPECT_EQ(entries(), std::vector<std::string>{});  // not even the store was created
}

TEST_F(OutputCli, TargetsShowRefusesADirectory) {
  expect_bad_input({"targets", "show", dir_.string() + "/"}, "is a directory, not a target description");
  expect_bad_input({"simulate", "mobilenet_v2", "--target", "/tmp"}, "/tmp: is a directory, not a target description");
}

TEST_F(OutputCli, TargetsShowRefusesWhatOtherVerbsRefuse) {
  const std::string two = dir_.string() + "/two.yaml", none = dir_.string() + "/none.yaml";
  std::ofstream(two) << "kind: cpu\nthreads: 1\n---\nkind: cpu\n";
  std::ofstream(none) << "name: x\n";
  expect_bad_input({"targets", "show", two}, "text after the first document");
  expect_bad_input({"targets", "show", none}, "no key 'kind', and no key that tells the kind");
}

}  // namespace
}  // namespace hwnas::hw
