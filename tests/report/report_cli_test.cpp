// `hwnas report` on experiment stores: the page and its parts, and bad input (one line,
// exit 2, nothing written).
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "report/chromium.h"
#include "report/stored_experiment.h"
#include "support/cli_runner.h"

namespace hwnas::testing {
namespace {

namespace fs = std::filesystem;

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// One stored experiment of 24 trials, shared by the tests of this file.
const std::string& stored_dir() {
  static const std::string dir = [] {
    const std::string d = (scratch_dir() / "mobilenet-latency").string();
    write_stored_experiment(d, 24);
    return d;
  }();
  return dir;
}

TEST(ReportCli, WritesTheReportBesideTheExperiment) {
  const std::string dir = stored_dir();
  fs::remove(dir + "/report.html");
  const Result r = hwnas({"report", dir});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "wrote " + dir + "/report.html (1 experiment)\n");
  EXPECT_EQ(r.err, "");
  const std::string page = read_file(dir + "/report.html");
  // mobilenet-cls has a baseline: drawn in the scatter, timed layer by layer, in the table.
  EXPECT_NE(page.find(">baseline</text>"), std::string::npos);
  EXPECT_NE(page.find(">baseline: "), std::string::npos);
  EXPECT_NE(page.find("<td>baseline</td>"), std::string::npos);
  EXPECT_NE(page.find(">best (trial "), std::string::npos);
  EXPECT_NE(page.find(">latency_ms &lt;= 3.5</text>"), std::string::npos);
  EXPECT_NE(page.find("space: mobilenet-cls"), std::string::npos);
  EXPECT_EQ(page.find("Per-layer latency is not shown"), std::string::npos);
  EXPECT_EQ(count(page, "<svg"), 4u);

  const BrowserRun dom = run_chromium(dir + "/report.html", {"--dump-dom"}, scratch_dir());
  ASSERT_EQ(dom.status, 0) << dom.err;
  EXPECT_EQ(console_lines(dom.err), std::vector<std::string>{});
  EXPECT_EQ(count(dom.out, "<svg"), 4u);
}

TEST(ReportCli, ComparesSeveralExperimentsInOneFile) {
  const std::string second = (scratch_dir() / "mobilenet-latency-seed2").string();
  write_stored_experiment(second, 10, 2);
  const std::string out = (scratch_dir() / "both.html").string();
  const Result r = hwnas({"report", stored_dir(), second, "--out", out, "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "{\n  \"report\": \"" + out + "\",\n  \"experiments\": [\n    \"" + stored_dir() + "\",\n    \"" +
                       second + "\"\n  ]\n}\n");
  const std::string page = read_file(out);
  EXPECT_NE(page.find("<h1>hwnas report: 2 experiments</h1>"), std::string::npos);
  EXPECT_EQ(count(page, "<section id=\"experiment-"), 2u);
}

TEST(ReportCli, BadInputWritesNothing) {
  const fs::path scratch = scratch_dir() / "bad";
  fs::create_directories(scratch / "plain");
  const std::string empty = (scratch / "empty").string();
  write_stored_experiment(empty, 0);
  const std::string dir = stored_dir();
  fs::remove(dir + "/report.html");
  fs::create_directories(scratch / "a-directory.html");

  expect_bad_input({"report", (scratch / "plain").string()}, "not an hwnas experiment (no experiment.db in it)");
  expect_bad_input({"report", (scratch / "missing").string()}, "no such experiment directory");
  expect_bad_input({"report", empty}, empty + ": the experiment has no trials yet");
  expect_bad_input({"report", dir, empty, "--out", (scratch / "x.html").string()}, "has no trials yet");
  expect_bad_input({"report", dir, dir}, "2 experiments given: give --out FILE.html");
  expect_bad_input({"report", dir, "--out", (scratch / "no-such-dir" / "r.html").string()}, "report (--out)");
  expect_bad_input({"report", dir, "--out", (scratch / "a-directory.html").string()}, "is a directory");
  expect_bad_input({"report", dir, "--out", "/dev/null"}, "report (--out)");
  expect_bad_input({"report", dir, "--out", dir + "/experiment.db"}, "the experiment store of " + dir);
  expect_bad_input({"report"}, "DIR is required");

  EXPECT_FALSE(fs::exists(dir + "/report.html"));
  EXPECT_FALSE(fs::exists(empty + "/report.html"));
  EXPECT_FALSE(fs::exists(scratch / "x.html"));
  EXPECT_FALSE(fs::exists(scratch / "plain" / "report.html"));
  EXPECT_FALSE(fs::exists(scratch / "no-such-dir"));
}

}  // namespace
}  // namespace hwnas::testing
