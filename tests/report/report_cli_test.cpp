// `hwnas report` on experiment stores: the page and its parts, and bad input (one line,
// exit 2, nothing written).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "report/chromium.h"
#include "report/png_image.h"
#include "hwnas/report/search_report.h"
#include "report/stored_experiment.h"
#include "support/cli_runner.h"
#include "support/text_count.h"

namespace hwnas::testing {
namespace {

using testing::count_of;

namespace fs = std::filesystem;

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
  EXPECT_EQ(count_of(page, "<svg"), 4u);

  const BrowserRun dom = run_chromium(dir + "/report.html", {"--dump-dom"}, scratch_dir());
  ASSERT_EQ(dom.status, 0) << dom.err;
  EXPECT_EQ(console_lines(dom.err), std::vector<std::string>{});
  EXPECT_EQ(count_of(dom.out, "<svg"), 4u);
}

// End to end: `hwnas search` runs a small search with an accuracy program (a shell script
// answering from the model file's size; some trials fail) in a directory whose name is
// markup, with markup in the experiment's name; `hwnas report` writes its page, which
// Chromium opens without a console message, shows the markup as text, and renders.
TEST(ReportCli, ReportOfASearchRunByHwnasOpensInChromium) {
  const fs::path work = scratch_dir() / "e2e";
  fs::create_directories(work);
  const std::string program = (work / "accuracy.sh").string();
  std::ofstream(program) << "#!/bin/sh\n"
                            "size=$(wc -c < \"$1\")\n"
                            "[ $((size % 5)) -eq 0 ] && { echo 'diverged' >&2; exit 1; }\n"
                            "echo \"{\\\"accuracy\\\": $((60 + size % 37))}\"\n";
  fs::permissions(program, fs::perms::owner_all);
  const std::string markup = "<script>alert(1)</script>";
  const std::string exp = write_temp("e2e/exp.yaml",
                                     "name: '" + markup + "'\n"
                                     "space: mobilenet-cls\n"
                                     "latency: {target: edgetpu-like}\n"
                                     "accuracy: {command: [./accuracy.sh, '{model}'], timeout_s: 60}\n"
                                     "objective:\n  maximize: accuracy\n  constraints: [latency_ms <= 3]\n"
                                     "strategy: {name: evolution, population: 6, sample_size: 3}\n"
                                     "budget: {evaluations: 14}\n"
                                     "seed: 5\n");
  const std::string dir = (work / "<img src=x onerror=alert(2)>").string();
  const Result search = hwnas({"search", exp, "--out", dir});
  ASSERT_EQ(search.status, 0) << search.err;
  const Result r = hwnas({"report", dir});
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string page = read_file(dir + "/report.html");
  EXPECT_NE(page.find(">all trials: accuracy (%) against latency (ms)</text>"), std::string::npos);
  EXPECT_NE(page.find(">baseline: "), std::string::npos);  // per-layer latency of MobileNetV2
  EXPECT_NE(page.find(">best (trial "), std::string::npos);
  EXPECT_NE(page.find("<h3>Failed trials</h3>"), std::string::npos);  // seed 5: 3 of 15 trials
  EXPECT_NE(page.find("exited with status 1"), std::string::npos);
  EXPECT_EQ(page.find("<script"), std::string::npos);
  EXPECT_EQ(page.find("<img"), std::string::npos);
  EXPECT_NE(page.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(page.find("&lt;img src=x onerror=alert(2)&gt;"), std::string::npos);

  const BrowserRun dom = run_chromium(dir + "/report.html", {"--dump-dom"}, work);
  ASSERT_FALSE(dom.timed_out) << "chromium did not finish (a dialog open?)";
  ASSERT_EQ(dom.status, 0) << dom.err;
  EXPECT_EQ(console_lines(dom.err), std::vector<std::string>{});
  EXPECT_EQ(dom.out.find("<script"), std::string::npos);
  EXPECT_EQ(dom.out.find("<img"), std::string::npos);
  // Progress, all trials, best and baseline layers (and a zoom on the front when drawn).
  EXPECT_GE(count_of(page, "<svg"), 4u);
  EXPECT_EQ(count_of(dom.out, "<svg"), count_of(page, "<svg"));

  const std::string png = (work / "report.png").string();
  const BrowserRun shot = run_chromium(dir + "/report.html", {"--screenshot=" + png, "--window-size=1200,2000"}, work);
  ASSERT_EQ(shot.status, 0) << shot.err;
  const PngImage image = decode_png(read_file(png));
  std::size_t ink = 0;
  for (std::size_t i = 0; i < image.rgb.size(); i += 3)
    if (image.rgb[i] < 200 || image.rgb[i + 1] < 200 || image.rgb[i + 2] < 200) ++ink;
  EXPECT_GT(ink, image.rgb.size() / 3 / 50) << "screenshot " << png << " is nearly blank";
}

TEST(ReportCli, AMultiFidelitySearchShowsItsTopRungAsFinal) {
  const fs::path work = scratch_dir() / "mf";
  fs::create_directories(work);
  // Accuracy rises with the rung's fidelity (1 or 9) and differs between networks.
  const std::string program = (work / "accuracy.sh").string();
  std::ofstream(program) << "#!/bin/sh\nsize=$(wc -c < \"$1\")\n"
                            "echo \"{\\\"accuracy\\\": $((40 + 5 * $2 + size % 7))}\"\n";
  fs::permissions(program, fs::perms::owner_all);
  const std::string exp = write_temp("mf/exp.yaml",
                                     "space: mobilenet-cls\nlatency: {target: edgetpu-like}\n"
                                     "accuracy: {command: [./accuracy.sh, '{model}', '{fidelity}']}\n"
                                     "multi_fidelity: {method: successive_halving, eta: 3, rungs: [1, 9]}\n"
                                     "objective: {maximize: accuracy}\n"
                                     "strategy: random\nbudget: {trials: 6}\nseed: 2\n");
  const std::string dir = (work / "out").string();
  fs::remove_all(dir);
  const Result search = hwnas({"search", exp, "--out", dir, "--json"});
  ASSERT_EQ(search.status, 0) << search.err;
  const nlohmann::json j = nlohmann::json::parse(search.out);
  int top = 0;
  for (const nlohmann::json& t : j["trials"]) top += t["rung"] == 1 ? 1 : 0;
  EXPECT_EQ(top, 2);  // of each bracket of 3, the best goes on to rung 1
  const Result r = hwnas({"report", dir});
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string page = read_file(dir + "/report.html");
  EXPECT_NE(page.find("screened out at a lower fidelity rung (4), on n/a: values of lower rungs are on other scales"),
            std::string::npos);
  EXPECT_NE(page.find("feasible, full fidelity (2)"), std::string::npos);
  EXPECT_NE(page.find("at rung 0 of rungs 0-1 |"), std::string::npos);  // 0-based, as the reasons name rungs
  EXPECT_NE(page.find("at rung 1 of rungs 0-1, full fidelity |"), std::string::npos);
  EXPECT_NE(page.find(">best (trial "), std::string::npos);  // per-layer latency is drawn
  EXPECT_EQ(page.find("Per-layer latency is not shown"), std::string::npos);
}

// s30: the scenes' trivial baseline that hwnas search stored with each trial
// (Trial::accuracy_baseline) reaches the page: named beside the metric in the summary, the scatter
// and the tables, and the trials at or below it marked; Chromium shows them and logs
// nothing. Without a stored baseline, none of it.
TEST(ReportCli, TheStoredTrivialBaselineIsShownAndTrialsNoBetterAreMarked) {
  const std::string dir = (scratch_dir() / "scenes-seg").string(), none = (scratch_dir() / "scenes-seg-no-baseline").string();
  fs::remove_all(dir), fs::remove_all(none);
  write_scene_experiment(dir, 12, 7.27);  // trials 0, 1 and 2 (5, 6, 7) at or below it
  write_scene_experiment(none, 12, std::nullopt);
  const Result r = hwnas({"report", dir});
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string page = read_file(dir + "/report.html");
  const std::string words = "accuracy (100 x mIoU; all-background baseline 7.27)";
  const std::string note = "(no better than the all-background baseline 7.27: learnt nothing)";
  EXPECT_NE(page.find("<td>all-background 7.27 (100 x mIoU); 3 trials at or below it: they learnt nothing; train "
                      "longer (accuracy.train.epochs, scenes, subset)</td>"),
            std::string::npos);
  EXPECT_NE(page.find(">all trials: " + words + " against latency (ms)</text>"), std::string::npos);
  EXPECT_NE(page.find(">all-background baseline 7.27 (3 trials at or below)</text>"), std::string::npos);
  EXPECT_NE(page.find("<th>" + words + "</th>"), std::string::npos);
  for (int i = 0; i < 12; ++i) {
    const std::size_t tip = page.find(fmt::format("<title>trial {}: ", i));
    ASSERT_NE(tip, std::string::npos) << i;
    const std::string title = page.substr(tip, page.find("</title>", tip) - tip);
    EXPECT_EQ(title.find(note) != std::string::npos, i < 3) << title;
  }

  const BrowserRun dom = run_chromium(dir + "/report.html", {"--dump-dom"}, scratch_dir());
  ASSERT_EQ(dom.status, 0) << dom.err;
  EXPECT_EQ(console_lines(dom.err), std::vector<std::string>{});
  EXPECT_NE(dom.out.find(">all trials: " + words + " against latency (ms)</text>"), std::string::npos);
  EXPECT_NE(dom.out.find(">all-background baseline 7.27 (3 trials at or below)</text>"), std::string::npos);

  const Result plain = hwnas({"report", none});
  ASSERT_EQ(plain.status, 0) << plain.err;
  const std::string without = read_file(none + "/report.html");
  EXPECT_NE(without.find(">all trials: accuracy (100 x mIoU) against latency (ms)</text>"), std::string::npos);
  EXPECT_EQ(without.find("7.27"), std::string::npos);
  EXPECT_EQ(without.find("learnt nothing"), std::string::npos);
}

// s30 fresh-user finding 1 (rsb1): 64-px networks scored exactly their all-background
// 7.29496, but the store kept the last value measured, 7.29395 (a 96-px network's), and the
// report left them unmarked. Each trial's own baseline is stored and compared with.
TEST(ReportCli, EachTrialIsComparedWithItsOwnStoredTrivialBaseline) {
  const std::string dir = (scratch_dir() / "scenes-seg-resolutions").string();
  fs::remove_all(dir);
  // Even trials: 64 px, scoring exactly their baseline; odd: 96 px, 5 + i.
  const auto own = [](std::int64_t i) { return i % 2 == 0 ? 7.29496 : 7.29395; };
  write_scene_experiment(dir, 8, 7.29395, [&](std::int64_t i) { return i % 2 == 0 ? own(i) : 5.0 + double(i); },
                         own);
  const Result r = hwnas({"report", dir});
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string page = read_file(dir + "/report.html");
  // Marked: 0, 2, 4, 6 (at their own 7.29496, above the stored 7.29395) and 1 (6 <= 7.29395).
  EXPECT_NE(page.find("<td>all-background 7.294-7.295 (100 x mIoU, over the trials: it depends on the network&#39;s "
                      "resolution); 5 trials at or below their own: they learnt nothing;"),
            std::string::npos);
  EXPECT_NE(page.find(">all-background baseline 7.294-7.295 (5 trials at or below their own)</text>"),
            std::string::npos);
  for (int i = 0; i < 8; ++i) {
    const std::size_t tip = page.find(fmt::format("<title>trial {}: ", i));
    ASSERT_NE(tip, std::string::npos) << i;
    const std::string title = page.substr(tip, page.find("</title>", tip) - tip);
    const bool marked = i % 2 == 0 || i == 1;
    EXPECT_EQ(title.find(fmt::format("(no better than the all-background baseline {}: learnt nothing)",
                                     i % 2 == 0 ? "7.295" : "7.294")) != std::string::npos,
              marked)
        << title;
  }
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
  EXPECT_EQ(count_of(page, "<section id=\"experiment-"), 2u);
}

// Session 31's fresh-user finding F2: a report left the store's SQLite side files
// (experiment.db-wal, -shm) behind; a reader leaves the directory as it found it.
TEST(ReportCli, LeavesTheExperimentsDirectoryAsItFoundIt) {
  const std::string dir = (scratch_dir() / "read-only-reader").string();
  write_stored_experiment(dir, 6);
  const auto names = [&] {
    std::vector<std::string> found;
    for (const auto& entry : fs::directory_iterator(dir)) found.push_back(entry.path().filename().string());
    std::sort(found.begin(), found.end());
    return found;
  };
  ASSERT_EQ(names(), std::vector<std::string>{"experiment.db"});
  const Result r = hwnas({"report", dir, "--out", (scratch_dir() / "reader.html").string()});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(names(), std::vector<std::string>{"experiment.db"});
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
  // A store that is not SQLite: not "or a new file name", which report cannot use.
  fs::create_directories(scratch / "junk");
  std::ofstream(scratch / "junk" / "experiment.db") << "junk\n";
  const std::string junk = (scratch / "junk").string();
  expect_bad_input({"report", junk}, "experiment store '" + junk +
                                         "/experiment.db': not an SQLite database (file is not a database); give "
                                         "the --out directory of a search\n");
  EXPECT_EQ(read_file(junk + "/experiment.db"), "junk\n");
  expect_bad_input({"report", dir, empty, "--out", (scratch / "x.html").string()}, "has no trials yet");
  expect_bad_input({"report", dir, dir}, "2 experiments given: give --out FILE.html");
  expect_bad_input({"report", dir, dir + "/.", "--out", (scratch / "x.html").string()},
                   dir + "/.: given twice (as '" + dir + "' and '" + dir + "/.'); name each experiment directory once");
  expect_bad_input({"report", dir, "--out", (scratch / "no-such-dir" / "r.html").string()}, "report (--out)");
  expect_bad_input({"report", dir, "--out", (scratch / "a-directory.html").string()}, "is a directory");
  expect_bad_input({"report", dir, "--out", "/dev/null"}, "report (--out)");
  expect_bad_input({"report", dir, "--out", dir + "/experiment.db"}, "name the report FILE.html");
  // Another experiment's store, or a config: never overwritten (fresh-user finding).
  const std::string other = (scratch / "other.db").string(), config = (scratch / "exp.yaml").string();
  std::ofstream(other) << "not html";
  std::ofstream(config) << "space: nb201\n";
  expect_bad_input({"report", dir, "--out", other}, "report (--out) '" + other + "': name the report FILE.html");
  expect_bad_input({"report", dir, "--out", config}, "name the report FILE.html");
  EXPECT_EQ(read_file(other), "not html");
  EXPECT_EQ(read_file(config), "space: nb201\n");
  expect_bad_input({"report"}, "DIR is required");
  // A file for DIR (s31 fresh-user finding 13): not the store's "--out names the
  // experiment's directory", as report's --out is the page.
  expect_bad_input({"report", dir + "/experiment.db"},
                   dir + "/experiment.db: is a file, not an experiment directory; give the directory that holds it "
                         "(hwnas report " + dir + ")\n");
  expect_bad_input({"report", config, "--out", (scratch / "x.html").string()},
                   config + ": is a file, not an experiment directory; give the directory that hwnas search wrote "
                            "(its --out)\n");

  EXPECT_FALSE(fs::exists(dir + "/report.html"));
  EXPECT_FALSE(fs::exists(empty + "/report.html"));
  EXPECT_FALSE(fs::exists(scratch / "x.html"));
  EXPECT_FALSE(fs::exists(scratch / "plain" / "report.html"));
  EXPECT_FALSE(fs::exists(scratch / "junk" / "report.html"));
  EXPECT_FALSE(fs::exists(scratch / "no-such-dir"));
}

// The store keeps the space's fingerprint: when the space no longer matches it, the
// per-layer charts (rebuilt from the space) are replaced by a note saying why.
TEST(ReportCli, ASpaceChangedSinceTheSearchIsNotDrawnFrom) {
  search::ExperimentRecord record = search::read_experiment(stored_dir());
  const auto space = space::make_space("mobilenet-cls", {});
  record.info.space_fingerprint = space::fingerprint(*space);
  const hwnas::report::ExperimentReport same = hwnas::report::complete_report(record);
  EXPECT_EQ(same.layers_note.find("has changed"), std::string::npos) << same.layers_note;
  EXPECT_FALSE(same.best_layers_ms.empty());
  record.info.space_fingerprint = "f1:0123456789abcdef";
  const hwnas::report::ExperimentReport changed = hwnas::report::complete_report(record);
  EXPECT_NE(changed.layers_note.find("space 'mobilenet-cls' has changed since the search ran"), std::string::npos)
      << changed.layers_note;
  EXPECT_TRUE(changed.best_layers_ms.empty());
}

}  // namespace
}  // namespace hwnas::testing
