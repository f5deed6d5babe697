// The report of search experiments, from experiments built in memory.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "hwnas/base/error.h"
#include "hwnas/report/html.h"
#include "hwnas/report/search_plots.h"
#include "hwnas/report/search_report.h"
#include "hwnas/search/accuracy_pool.h"
#include "hwnas/search/cost_model.h"
#include "hwnas/space/registry.h"
#include "report/synthetic_experiment.h"
#include "support/text_count.h"

namespace hwnas::report {
namespace {

using testing::count_of;

using testing::synthetic_experiment;

// The part of `page` from the first `from` to the next "<h3>" (or the end).
std::string part(const std::string& page, const std::string& from) {
  const std::size_t begin = page.find(from);
  if (begin == std::string::npos) return "";
  const std::size_t end = page.find("<h3>", begin + from.size());
  return page.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
}

// Trial indices in the first column of a table's rows.
std::vector<std::int64_t> table_trials(const std::string& table) {
  std::vector<std::int64_t> out;
  const std::regex row("<tr><td class=\"num\">([0-9]+)</td>");
  for (auto it = std::sregex_iterator(table.begin(), table.end(), row); it != std::sregex_iterator(); ++it)
    out.push_back(std::stoll((*it)[1]));
  return out;
}

TEST(SearchReport, ShowsEveryPart) {
  const ExperimentReport e = synthetic_experiment("runs/evo", 60);
  const std::string page = render_report({e});
  std::size_t feasible = 0, infeasible = 0, failed = 0;
  for (const search::Trial& t : e.record.trials)
    (t.status == search::TrialStatus::failed ? failed : t.feasible ? feasible : infeasible)++;
  ASSERT_GT(infeasible, 0u);
  ASSERT_GT(failed, 0u);
  EXPECT_EQ(count_of(page, "<svg"), 4u);  // best so far, all trials, per-layer best and baseline
  EXPECT_NE(page.find(">best feasible so far</text>"), std::string::npos);
  EXPECT_NE(page.find(fmt::format(">feasible ({})</text>", feasible)), std::string::npos);
  EXPECT_NE(page.find(fmt::format(">infeasible ({})</text>", infeasible)), std::string::npos);
  EXPECT_NE(page.find(fmt::format(">failed ({})</text>", failed)), std::string::npos);
  EXPECT_NE(page.find(">latency_ms &lt;= 4.5</text>"), std::string::npos);  // the constraint line
  EXPECT_NE(page.find(">baseline (accuracy not evaluated)</text>"), std::string::npos);
  EXPECT_NE(page.find("baseline: 4 kernels, 3.3 ms in all</text>"), std::string::npos);
  EXPECT_NE(page.find(": 3 kernels, 1.5 ms in all</text>"), std::string::npos);  // the best
  EXPECT_NE(page.find(">best (trial "), std::string::npos);
  EXPECT_NE(page.find("<pre>space: toy-space\nstrategy:\n  name: evolution\n"), std::string::npos);
  EXPECT_NE(page.find("<h3>Failed trials</h3>"), std::string::npos);
  EXPECT_NE(page.find("latency: program exited with status 1"), std::string::npos);
}

// The table holds exactly the feasible trials no other feasible trial beats in both
// accuracy and latency (checked here by brute force), by increasing latency.
TEST(SearchReport, ParetoTableHoldsExactlyTheFront) {
  const ExperimentReport e = synthetic_experiment("runs/evo", 80);
  const auto& trials = e.record.trials;
  std::vector<std::pair<double, std::int64_t>> expected;
  for (const search::Trial& a : trials) {
    if (!a.feasible) continue;
    const bool dominated = std::any_of(trials.begin(), trials.end(), [&](const search::Trial& b) {
      if (!b.feasible) return false;
      const double la = *a.metrics.latency_ms, lb = *b.metrics.latency_ms, xa = *a.metrics.accuracy,
                   xb = *b.metrics.accuracy;
      return lb <= la && xb >= xa && (lb < la || xb > xa);
    });
    if (!dominated) expected.emplace_back(*a.metrics.latency_ms, a.index);
  }
  std::sort(expected.begin(), expected.end());
  std::vector<std::int64_t> expected_trials;
  for (const auto& [latency, index] : expected) expected_trials.push_back(index);
  ASSERT_GE(expected_trials.size(), 3u);

  const std::string page = render_report({e});
  EXPECT_EQ(table_trials(part(page, "<h3>Pareto front")), expected_trials);
  EXPECT_NE(page.find(fmt::format(">Pareto front ({})</text>", expected_trials.size())), std::string::npos);
  // Every row shows the genome and the architecture string.
  for (std::int64_t i : expected_trials)
    EXPECT_NE(part(page, "<h3>Pareto front").find(fmt::format("<td><code>{}</code></td><td><code>{}</code></td>",
                                                              space::to_text(trials[i].genome), trials[i].arch)),
              std::string::npos);
}

// A copy of `source`'s evaluation as CostModel::finish leaves it: its reason ("accuracy: as
// trial 3, the same network (not evaluated again)") and Trial::copy_of (unset for an
// evaluation whose trial was never stored), which the report reads.
// With `result`, a failure's (`source` empty: the evaluation's own).
search::Trial finished_copy(const std::string& source, std::optional<std::int64_t> source_trial,
                            const search::AccuracyResult& result = {0, 50.0}) {
  const YAML::Node root = YAML::Load(
      "space: mobilenet-cls\naccuracy: {command: [/bin/true, '{model}']}\nobjective: {maximize: accuracy}\n");
  const auto space = space::make_space("mobilenet-cls", {});
  const auto cost = search::make_cost_model(root, "exp.yaml", *space);
  search::Trial t;
  cost->finish(t, result, cost->rungs() - 1, source, source_trial);
  return t;
}

// s30 fresh-user findings 3 and 4: the report never named copies (trials answered with
// another trial's evaluation of the same network), and a network's copies filled its front
// table with rows of the same metrics. The summary counts them as hwnas search does; the
// front shows each network once, its copies named in its row; a copy whose metrics differ
// (another resolution, the same trained network) stays a row of its own.
TEST(SearchReport, CopiesAreCountedAndShownOnceOnTheFront) {
  ExperimentReport e = synthetic_experiment("runs/copies", 30);
  search::ExperimentRecord& r = e.record;
  const std::size_t best = *search::best_trial(r);
  const std::string front_before = part(render_report({e}), "<h3>Pareto front");
  const auto add_copy = [&](const search::Trial& of, std::uint16_t gene, const std::string& source,
                            std::optional<std::int64_t> source_trial) {
    search::Trial t = of;
    t.index = static_cast<std::int64_t>(r.trials.size());
    t.genome.genes = {4, 4, gene};
    t.accuracy_evaluated = false;
    const search::Trial copy = finished_copy(source, source_trial);
    t.reason = copy.reason;
    t.copy_of = copy.copy_of;
    r.fitness.push_back(r.fitness[of.index]);
    r.trials.push_back(t);
    ++r.accuracy_copies;
    return t.index;
  };
  const search::Trial original = r.trials[best];
  const std::int64_t a = add_copy(original, 5, fmt::format("trial {}", best), static_cast<std::int64_t>(best));
  const std::int64_t b = add_copy(original, 6, fmt::format("trial {}", best), static_cast<std::int64_t>(best));
  const std::int64_t c = add_copy(original, 7, fmt::format("trial {}", best), static_cast<std::int64_t>(best));
  r.trials[c].metrics.peak_activation_bytes += 1024;  // another network, the same accuracy
  // Two copies of an evaluation whose trial was never stored: one row.
  search::Trial lone = original;
  lone.metrics.accuracy = *original.metrics.accuracy + 1;
  lone.metrics.latency_ms = *original.metrics.latency_ms + 10;  // the most accurate: on the front
  lone.index = 0;
  const std::int64_t d = add_copy(lone, 8, "architecture lone-arch", std::nullopt);
  const std::int64_t f = add_copy(lone, 9, "architecture lone-arch", std::nullopt);
  r.fitness[d] = r.fitness[f] = {*lone.metrics.accuracy};

  const std::string page = render_report({e});
  EXPECT_NE(page.find("<tr><th>accuracy evaluations</th><td>" + std::to_string(r.accuracy_evaluations) +
                      " (and 5 copies of a network evaluated before, not counted)</td></tr>"),
            std::string::npos);
  const std::string front = part(page, "<h3>Pareto front");
  const std::vector<std::int64_t> before = table_trials(front_before), rows = table_trials(front);
  EXPECT_EQ(std::count(rows.begin(), rows.end(), static_cast<std::int64_t>(best)), 1);
  EXPECT_EQ(std::count(rows.begin(), rows.end(), a) + std::count(rows.begin(), rows.end(), b), 0);
  EXPECT_EQ(std::count(rows.begin(), rows.end(), c), 1);
  EXPECT_EQ(std::count(rows.begin(), rows.end(), d), 1);
  EXPECT_EQ(std::count(rows.begin(), rows.end(), f), 0);
  EXPECT_EQ(rows.size(), before.size() + 2);  // c and d
  EXPECT_NE(front.find(fmt::format("<br><span class=\"note\">and 2 copies, the same network (its accuracy not "
                                   "evaluated again): trials {} (4-4-5), {} (4-4-6)</span>",
                                   a, b)),
            std::string::npos)
      << front;
  EXPECT_NE(front.find(fmt::format("<span class=\"note\">and 1 copy, the same network (its accuracy not evaluated "
                                   "again): trial {} (4-4-9)</span>",
                                   f)),
            std::string::npos);
  EXPECT_NE(front.find(fmt::format("({} architectures, and 3 copies of them)</h3>", rows.size())), std::string::npos)
      << front.substr(0, 300);
  EXPECT_NE(page.find(fmt::format(">Pareto front ({}, and 3 copies)</text>", rows.size())), std::string::npos);

  // The comparison counts them too.
  ExperimentReport one = synthetic_experiment("runs/one", 20);
  one.record.accuracy_copies = 1;
  const std::string comparison = part(render_report({e, one}), "<h2>Comparison</h2>");
  EXPECT_NE(comparison.find(fmt::format("<td class=\"num\">{} (and 5 copies)</td>", r.accuracy_evaluations)),
            std::string::npos);
  EXPECT_NE(comparison.find(fmt::format("<td class=\"num\">{} (and 1 copy)</td>", one.record.accuracy_evaluations)),
            std::string::npos);
}

// s30 fresh-user finding 14 (rs2: 2 evaluations, the best 16.51 both times): the curve lay
// on the unlabelled bottom edge under ticks 16.6 ... 17.4, against x ticks 1, 1.1, ..., 2.
TEST(SearchReport, AProgressThatNeverChangedIsLabelledAgainstWholeEvaluations) {
  ExperimentReport e = synthetic_experiment("runs/flat", 3);
  for (std::size_t i = 0; i < e.record.trials.size(); ++i)
    if (e.record.trials[i].metrics.accuracy)
      e.record.trials[i].metrics.accuracy = 16.5087890625, e.record.fitness[i] = {16.5087890625};
  ASSERT_EQ(e.record.accuracy_evaluations, 3);
  const std::string progress = part(render_report({e}), "<h3>Search progress");
  EXPECT_EQ(count_of(progress, "stroke=\"#ddd\"/>"), 1u) << progress;  // one y tick
  EXPECT_NE(progress.find("text-anchor=\"end\">16.5088</text>"), std::string::npos) << progress;
  for (const char* x : {">1</text>", ">2</text>", ">3</text>"}) EXPECT_NE(progress.find(x), std::string::npos) << x;
  EXPECT_EQ(progress.find(">1.5</text>"), std::string::npos);
  EXPECT_EQ(progress.find(">2.5</text>"), std::string::npos);
}

TEST(SearchReport, BestTrialIsTheMostAccurateFeasibleOne) {
  const ExperimentReport e = synthetic_experiment("runs/evo", 50);
  std::int64_t best = -1;
  for (const search::Trial& t : e.record.trials)
    if (t.feasible && (best < 0 || *t.metrics.accuracy > *e.record.trials[best].metrics.accuracy)) best = t.index;
  EXPECT_EQ(table_trials(part(render_report({e}), "<h3>Best trial")), std::vector<std::int64_t>{best});
}

// The best-so-far staircase never goes down (higher is better for accuracy; SVG y grows
// downwards) and ends at the last accuracy evaluation.
TEST(SearchReport, BestSoFarOnlyImproves) {
  const ExperimentReport e = synthetic_experiment("runs/evo", 70);
  const std::string chart = part(render_report({e}), "<h3>Search progress");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(chart, m, std::regex("<polyline fill=\"none\" stroke=\"[^\"]+\" stroke-width=\"2\" points=\"([^\"]+)\"")));
  std::stringstream points(m[1].str());
  double last_x = -1, last_y = 1e9;
  int n = 0;
  for (std::string p; points >> p; ++n) {
    const double x = std::stod(p.substr(0, p.find(','))), y = std::stod(p.substr(p.find(',') + 1));
    EXPECT_GE(x, last_x);
    EXPECT_LE(y, last_y);
    last_x = x, last_y = y;
  }
  EXPECT_GE(n, 3);
  EXPECT_NE(chart.find(">accuracy evaluations</text>"), std::string::npos);
  EXPECT_NE(chart.find(">accuracy (higher is better)</text>"), std::string::npos);
}

// Experiments with different objectives get a progress chart each (one axis would compare
// accuracy with -latency_ms), headed by what they maximise; like ones share a chart.
TEST(SearchReport, ExperimentsWithDifferentObjectivesGetAChartEach) {
  ExperimentReport a = synthetic_experiment("runs/a", 40), b = synthetic_experiment("runs/b", 40),
                   fast = synthetic_experiment("runs/fast", 40);
  fast.record.info.objective_names = {"-latency_ms"};
  for (std::size_t i = 0; i < fast.record.trials.size(); ++i)
    if (!fast.record.fitness[i].empty()) fast.record.fitness[i] = {-*fast.record.trials[i].metrics.latency_ms};
  const std::string progress = part(render_report({a, fast, b}), "<h3>Search progress");
  EXPECT_EQ(count_of(progress, "<svg"), 2u);
  const std::size_t accuracy = progress.find("<h4>Experiments that maximise accuracy</h4>");
  const std::size_t latency = progress.find("<h4>Experiments that maximise -latency_ms</h4>");
  ASSERT_NE(accuracy, std::string::npos);
  ASSERT_NE(latency, std::string::npos);
  const std::string first = progress.substr(accuracy, latency - accuracy), second = progress.substr(latency);
  EXPECT_NE(first.find(">accuracy (higher is better)</text>"), std::string::npos);
  EXPECT_NE(first.find("runs/a"), std::string::npos);
  EXPECT_NE(first.find("runs/b"), std::string::npos);
  EXPECT_EQ(first.find("runs/fast"), std::string::npos);
  EXPECT_NE(second.find(">latency_ms (lower is better)</text>"), std::string::npos);
  EXPECT_NE(second.find("runs/fast"), std::string::npos);
  // One list of objectives: one chart, no heading.
  EXPECT_EQ(part(render_report({a, b}), "<h3>Search progress").find("<h4>"), std::string::npos);
}

// A Pareto search is followed by the hypervolume of its feasible front, which never falls.
TEST(SearchReport, ParetoSearchProgressIsItsHypervolume) {
  ExperimentReport e = synthetic_experiment("runs/nsga2", 70);
  e.record.info.objective_names = {"accuracy", "-latency_ms"};
  for (std::size_t i = 0; i < e.record.trials.size(); ++i)
    if (!e.record.fitness[i].empty()) e.record.fitness[i].push_back(-*e.record.trials[i].metrics.latency_ms);
  const std::string chart = part(render_report({e}), "<h3>Search progress");
  EXPECT_NE(chart.find(">hypervolume of the feasible front so far</text>"), std::string::npos);
  EXPECT_NE(chart.find(">hypervolume of accuracy, -latency_ms</text>"), std::string::npos);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(chart, m, std::regex("stroke-width=\"2\" points=\"([^\"]+)\"")));
  std::stringstream points(m[1].str());
  double last_y = 1e9;
  int n = 0;
  for (std::string p; points >> p; ++n) {
    const double y = std::stod(p.substr(p.find(',') + 1));
    EXPECT_LE(y, last_y);
    last_y = y;
  }
  EXPECT_GE(n, 5);
}

// A few diverged networks (10% accuracy, as NB201 has) would flatten the front and the
// progress curve: the front gets a zoomed scatter without them, and the progress chart
// starts its y axis near the values reached after 5% of the budget, saying so.
TEST(SearchReport, OutliersGetAZoomOnTheFrontAndAFocusedProgressChart) {
  ExperimentReport e = synthetic_experiment("runs/evo", 80);
  EXPECT_EQ(render_report({e}).find("<h3>Near the Pareto front</h3>"), std::string::npos);
  for (int i : {0, 30, 31, 36}) {
    ASSERT_TRUE(e.record.trials[i].feasible) << i;
    e.record.trials[i].metrics.accuracy = 10;
    e.record.fitness[i] = {10};
  }
  const std::string page = render_report({e});
  const std::string zoom = part(page, "<h3>Near the Pareto front</h3>");
  ASSERT_NE(zoom, "");
  EXPECT_NE(zoom.find(">trials near the Pareto front: accuracy (%) at least "), std::string::npos);
  EXPECT_EQ(zoom.find("trial 30: arch-30 |"), std::string::npos);  // a 10% trial is not in the zoom
  EXPECT_EQ(zoom.find(">infeasible ("), std::string::npos);      // nor are trials without accuracy
  EXPECT_NE(zoom.find("trial 1: arch-1 |"), std::string::npos);
  const std::string progress = part(page, "<h3>Search progress");
  EXPECT_NE(progress.find(">accuracy evaluations  (values below "), std::string::npos);
}

TEST(SearchReport, LatencyOnlySearchIsDrawnAgainstMemory) {
  const std::string page = render_report({synthetic_experiment("runs/lat", 40, /*accuracy=*/false)});
  EXPECT_EQ(page.find("accuracy (%)</text>"), std::string::npos);
  EXPECT_NE(page.find(">all trials: peak activation memory (KiB) against latency (ms)</text>"), std::string::npos);
  EXPECT_NE(page.find(">latency_ms (lower is better)</text>"), std::string::npos);
  EXPECT_NE(page.find(">trials (latency evaluations)</text>"), std::string::npos);
  EXPECT_NE(page.find("<h3>Pareto front: peak activation memory (KiB) against latency (ms)"), std::string::npos);
}

// The cy of the circle whose tip starts with "trial N:" in the "All trials" scatter.
double circle_y(const std::string& scatter, std::int64_t trial) {
  const std::regex circle("<circle cx=\"[-0-9.]+\" cy=\"([-0-9.]+)\"[^>]*><title>trial " + std::to_string(trial) + ":");
  std::smatch m;
  return std::regex_search(scatter, m, circle) ? std::stod(m[1]) : NAN;
}

TEST(SearchReport, OnlyTopRungTrialsAreDrawnAtTheirAccuracy) {
  // A hybrid's rungs: half the feasible trials stopped at rung 0 with a proxy's percentile
  // (99.5, above every trained accuracy), the others trained at rung 1.
  ExperimentReport e = synthetic_experiment("runs/hybrid", 40);
  e.record.info.rungs = 2;
  std::vector<std::int64_t> screened, top;
  for (search::Trial& t : e.record.trials) {
    if (!t.metrics.accuracy) continue;
    const bool stopped = t.index % 2 == 0;
    t.rung = stopped ? 0 : 1;
    if (stopped) t.metrics.accuracy = 99.5;
    (stopped ? screened : top).push_back(t.index);
  }
  ASSERT_GE(screened.size(), 5U);
  ASSERT_GE(top.size(), 5U);
  const std::string scatter = part(render_report({e}), "<h3>All trials");
  EXPECT_NE(scatter.find("screened out at a lower fidelity rung (" + std::to_string(screened.size()) +
                         "), on n/a: values of lower rungs are on other scales"),
            std::string::npos);
  // Every screened trial on the n/a strip (below every drawn accuracy: larger y), at one
  // height; every top-rung trial above it, on the accuracy axis; the tip keeps the value.
  const double strip = circle_y(scatter, screened.front());
  for (const std::int64_t i : screened) EXPECT_EQ(circle_y(scatter, i), strip) << "trial " << i;
  for (const std::int64_t i : top) EXPECT_LT(circle_y(scatter, i), strip - 10) << "trial " << i;
  // s31 fresh-user finding 14: "at fidelity rung 1 of 1" read as "rung 1 of 1 rung", and a
  // copy's tip had no rung. Rungs are named 0-based, as the trials' reasons do.
  EXPECT_NE(scatter.find(fmt::format("<title>trial {}: arch-{} | accuracy 99.5 at rung 0 of rungs 0-1 |",
                                     screened.front(), screened.front())),
            std::string::npos);
  const search::Trial& trained = e.record.trials[top.front()];
  EXPECT_NE(scatter.find(fmt::format("<title>trial {}: arch-{} | accuracy {:.4g} at rung 1 of rungs 0-1, full fidelity |",
                                     trained.index, trained.index, *trained.metrics.accuracy)),
            std::string::npos);
  EXPECT_EQ(scatter.find(" of 1"), std::string::npos);
  search::Trial copy = trained;  // another genome, the same network: its evaluation at rung 1
  copy.index = static_cast<std::int64_t>(e.record.trials.size());
  copy.accuracy_evaluated = false;
  copy.copy_of = trained.index;
  copy.reason = fmt::format("accuracy at rung 1: as trial {}, the same network (not evaluated again)", trained.index);
  e.record.trials.push_back(copy);
  e.record.fitness.push_back(e.record.fitness[trained.index]);
  EXPECT_NE(part(render_report({e}), "<h3>All trials")
                .find(fmt::format("<title>trial {}: arch-{} | accuracy {:.4g} at rung 1 of rungs 0-1, full fidelity |",
                                  copy.index, trained.index, *trained.metrics.accuracy)),
            std::string::npos);
}

// s31 fresh-user finding 14: one failure was listed twice, its evaluation's trial and its
// copies' (" (as trial 2, the same network)"), so the most frequent looked like two.
TEST(SearchReport, ACopysFailureIsCountedWithItsEvaluation) {
  ExperimentReport e = synthetic_experiment("runs/fails", 20);
  search::ExperimentRecord& r = e.record;
  const std::string boom = "'python3' exited with status 1; stderr ends: 'boom'";
  const auto add = [&](const std::string& source, std::optional<std::int64_t> source_trial) {
    search::Trial t = finished_copy(source, source_trial, {0, std::nullopt, boom});
    t.index = static_cast<std::int64_t>(r.trials.size());
    t.genome.genes = {4, 4, static_cast<std::uint16_t>(t.index)};
    t.arch = "boom-arch";
    r.fitness.push_back({});
    r.trials.push_back(t);
    return t.index;
  };
  const std::int64_t first = add("", std::nullopt);
  ASSERT_EQ(r.trials[first].reason, "accuracy: " + boom);
  for (int k = 0; k < 3; ++k) add(fmt::format("trial {}", first), first);
  ASSERT_EQ(r.trials.back().reason, "accuracy: " + boom + fmt::format(" (as trial {}, the same network)", first));
  const std::string failed = part(render_report({e}), "<h3>Failed trials");
  // Most frequent first: above the synthetic experiment's latency failure (trial 10).
  EXPECT_NE(failed.find("<tr><th>trials</th><th>reason</th></tr>\n<tr><td class=\"num\">1, and 3 copies</td><td><code>"
                        "accuracy: " + escape_html(boom) + "</code></td></tr>\n<tr><td class=\"num\">1</td><td><code>latency: "),
            std::string::npos)
      << failed;
  EXPECT_EQ(failed.find("the same network"), std::string::npos);
  // Copies without their evaluation's trial (one never stored): a row of their own.
  r.trials[first].reason = "accuracy: another failure";
  EXPECT_NE(part(render_report({e}), "<h3>Failed trials").find("<td class=\"num\">3 copies</td>"), std::string::npos);
}

TEST(SearchReport, SaysWhetherAccuracyWasNeverAskedOrAlwaysFailed) {
  const std::string none = render_report({synthetic_experiment("runs/lat", 40, /*accuracy=*/false)});
  EXPECT_NE(none.find("No trial has an accuracy (a search without an accuracy source)"), std::string::npos);
  ExperimentReport failing = synthetic_experiment("runs/fail", 40, /*accuracy=*/false);
  failing.record.trials[1].accuracy_evaluated = true;  // asked, and its training failed
  const std::string failed = render_report({failing});
  EXPECT_EQ(failed.find("a search without an accuracy source"), std::string::npos);
  EXPECT_NE(failed.find("No trial has an accuracy: every accuracy evaluation failed"), std::string::npos);
}

TEST(SearchReport, SeveralExperimentsAreComparedInOneChart) {
  ExperimentReport a = synthetic_experiment("runs/evo", 40), b = synthetic_experiment("runs/random", 30);
  b.record.info.strategy = "random";
  const std::string page = render_report({a, b});
  EXPECT_NE(page.find("<h1>hwnas report: 2 experiments</h1>"), std::string::npos);
  const std::string comparison = part(page, "<h2>Comparison</h2>");
  EXPECT_NE(comparison.find("<a href=\"#experiment-1\">runs/evo (evolution)</a>"), std::string::npos);
  EXPECT_NE(comparison.find("<a href=\"#experiment-2\">runs/random (random)</a>"), std::string::npos);
  const std::string overlay = part(page, "<h3>Search progress");
  EXPECT_EQ(count_of(overlay, "<polyline"), 2u);
  EXPECT_NE(overlay.find(">runs/evo (evolution)</text>"), std::string::npos);
  EXPECT_NE(overlay.find(">runs/random (random)</text>"), std::string::npos);
  EXPECT_EQ(count_of(page, "<section id=\"experiment-"), 2u);
  EXPECT_EQ(count_of(page, ">best feasible so far</text>"), 1u);  // one overlay, not one per experiment
}

// s29 fresh-user finding 2: a report put 100 x mAP@0.5 and 100 x mIoU in one "accuracy"
// column and one progress chart without a word. Each axis and column names the metric, and
// experiments of different metrics get a chart each and a metric in each comparison cell.
TEST(SearchReport, AccuracyNamesItsMetricAndMetricsAreNeverMixed) {
  ExperimentReport seg = synthetic_experiment("runs/seg", 40), det = synthetic_experiment("runs/det", 40),
                   seg2 = synthetic_experiment("runs/seg2", 30);
  seg.accuracy_metric = seg2.accuracy_metric = "100 x mIoU";
  det.accuracy_metric = "100 x mAP@0.5";
  const std::string one = render_report({seg});
  EXPECT_NE(one.find(">all trials: accuracy (100 x mIoU) against latency (ms)</text>"), std::string::npos);
  EXPECT_NE(one.find("<th>accuracy (100 x mIoU)</th>"), std::string::npos);
  EXPECT_NE(one.find(">accuracy (100 x mIoU) (higher is better)</text>"), std::string::npos);
  EXPECT_EQ(one.find("accuracy (%)"), std::string::npos);

  const std::string page = render_report({seg, det, seg2});
  const std::string comparison = part(page, "<h2>Comparison</h2>");
  EXPECT_NE(comparison.find("<th>accuracy (metrics differ: each value names its own)</th>"), std::string::npos);
  EXPECT_EQ(count_of(comparison, " (100 x mIoU)</td>"), 2u) << comparison;
  EXPECT_EQ(count_of(comparison, " (100 x mAP@0.5)</td>"), 1u) << comparison;
  const std::string progress = part(page, "<h3>Search progress");
  EXPECT_EQ(count_of(progress, "<svg"), 2u);
  const std::size_t miou = progress.find("<h4>Experiments that maximise accuracy (100 x mIoU)</h4>");
  const std::size_t map = progress.find("<h4>Experiments that maximise accuracy (100 x mAP@0.5)</h4>");
  ASSERT_NE(miou, std::string::npos);
  ASSERT_NE(map, std::string::npos);
  const std::string first = progress.substr(miou, map - miou), second = progress.substr(map);
  EXPECT_NE(first.find("runs/seg2"), std::string::npos);
  EXPECT_EQ(first.find("runs/det"), std::string::npos);
  EXPECT_NE(second.find("runs/det"), std::string::npos);
  EXPECT_NE(second.find(">accuracy (100 x mAP@0.5) (higher is better)</text>"), std::string::npos);

  // One metric: the column names it, and the cells hold numbers only.
  const std::string same = part(render_report({seg, seg2}), "<h2>Comparison</h2>");
  EXPECT_NE(same.find("<th>accuracy (100 x mIoU)</th>"), std::string::npos);
  EXPECT_EQ(same.find(" (100 x mIoU)</td>"), std::string::npos);
}

// With rungs, the summary gives each rung's evaluations and copies, as hwnas search does.
TEST(SearchReport, TheSummaryCountsEachRungsEvaluationsAndCopies) {
  ExperimentReport e = synthetic_experiment("runs/rungs", 20);
  e.record.rung_costs = {{0, 8, 1, 0, 3, 1.2}, {1, 4, 0, 0, 1, 3}};
  EXPECT_NE(render_report({e}).find("<tr><th>accuracy evaluations by rung (wall time in the accuracy source)</th><td>"
                                    "rung 0: 8 (1 failed) in 1.2 s, and 3 copies; rung 1: 4 in 3.0 s, and 1 copy"
                                    "</td></tr>"),
            std::string::npos);
  e.record.rung_costs.pop_back();  // one rung: no such row
  EXPECT_EQ(render_report({e}).find("by rung"), std::string::npos);
}

// s31 fresh-user finding 14: the comparison's "accuracy evaluations" column showed a
// multi-fidelity run's candidates (3, while it made 4 evaluations), which its own section
// calls "candidates evaluated for accuracy". The column and the progress axis say so, and
// the cells give both counts as hwnas search prints them.
TEST(SearchReport, TheComparisonCountsCandidatesWhenAnExperimentHasRungs) {
  ExperimentReport mf = synthetic_experiment("runs/mf", 20), sf = synthetic_experiment("runs/sf", 20);
  mf.record.info.rungs = 2;
  for (search::Trial& t : mf.record.trials) t.rung = 1;
  mf.record.accuracy_copies = 13;
  mf.record.rung_costs = {{0, 3, 0, 0, 12, 1.2}, {1, 2, 0, 0, 1, 3}};
  const std::int64_t candidates = mf.record.accuracy_evaluations;
  ASSERT_NE(candidates, 5);
  const std::string page = render_report({mf, sf});
  const std::string comparison = part(page, "<h2>Comparison</h2>");
  EXPECT_NE(comparison.find("<th>trials</th><th>candidates evaluated for accuracy</th>"), std::string::npos);
  EXPECT_NE(comparison.find(fmt::format("<td class=\"num\">{} (5 evaluations over 2 rungs; and 13 copies)</td>",
                                        candidates)),
            std::string::npos)
      << comparison;
  EXPECT_NE(comparison.find(fmt::format("<td class=\"num\">{}</td><td class=\"num\">",
                                        sf.record.accuracy_evaluations)),
            std::string::npos);
  EXPECT_NE(part(page, "<h3>Search progress").find(">candidates evaluated for accuracy</text>"), std::string::npos);
  EXPECT_NE(part(page, "<section id=\"experiment-1\">")
                .find(fmt::format("<tr><th>candidates evaluated for accuracy</th><td>{} (5 evaluations over 2 rungs; "
                                  "and 13 copies of a network evaluated before, not counted)</td></tr>",
                                  candidates)),
            std::string::npos);

  const std::string single = render_report({sf, sf});
  EXPECT_NE(part(single, "<h2>Comparison</h2>").find("<th>trials</th><th>accuracy evaluations</th>"),
            std::string::npos);
  EXPECT_EQ(single.find("candidates"), std::string::npos);
}

// complete_report reads the metric from the stored config (toy-space cannot be rebuilt: the
// layers note says so, and the metric is still read).
TEST(SearchReport, TheMetricIsReadFromTheStoredConfig) {
  search::ExperimentRecord r = synthetic_experiment("runs/det", 10).record;
  r.info.config_yaml = "space: toy-space\naccuracy:\n  train: {task: detection, epochs: 1}\n"
                       "objective: {maximize: accuracy}\nstrategy: {name: random}\nbudget: {trials: 10}\n";
  r.info.space_fingerprint.clear();
  EXPECT_EQ(complete_report(r).accuracy_metric, "100 x mAP@0.5");
  EXPECT_EQ(complete_report(r).accuracy_baseline_name, "prior-box");
  r.info.config_yaml = "space: toy-space\nlatency: {target: edgetpu-like}\nobjective: {maximize: -latency_ms}\n"
                       "strategy: {name: random}\nbudget: {trials: 10}\n";
  EXPECT_EQ(complete_report(r).accuracy_metric, "");
  EXPECT_EQ(complete_report(r).accuracy_baseline_name, "");
}

// The trial indices whose tip in `svg` says they learnt nothing (`note`).
std::set<std::int64_t> marked_tips(const std::string& svg, const std::string& note) {
  std::set<std::int64_t> out;
  const std::regex tip("<title>trial ([0-9]+): [^<]*\\(" + note + "\\)");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), tip); it != std::sregex_iterator(); ++it)
    out.insert(std::stoll((*it)[1]));
  return out;
}

// Gives every trial with an accuracy its own trivial baseline `value` (unset: none), as the
// store of a search whose networks share one resolution holds them, and the record its range.
void set_trivial_baseline(ExperimentReport& e, std::optional<double> value) {
  for (search::Trial& t : e.record.trials) t.accuracy_baseline = t.metrics.accuracy ? value : std::nullopt;
  e.record.accuracy_baseline_range.reset();
  if (value) e.record.accuracy_baseline_range = std::pair{*value, *value};
}

// s30: a scene search stores its trivial baseline (100 x the prior-box mAP@0.5 or the
// all-background mIoU). The report names it beside the metric, draws it as a line in the
// scatter and marks every trial at or below it, by hwnas search's rule for its best trial.
TEST(SearchReport, TheTrivialBaselineIsNamedAndTrialsNoBetterAreMarked) {
  ExperimentReport e = synthetic_experiment("runs/det", 60);
  e.accuracy_metric = "100 x mAP@0.5";
  e.accuracy_baseline_name = "prior-box";
  // The baseline at a trial's accuracy ("at or below" includes it): the fourth lowest, or
  // the fastest feasible trial's (the front's first point) when that is higher.
  const search::Trial* fastest = nullptr;
  std::vector<double> accuracies;
  for (const search::Trial& t : e.record.trials)
    if (t.feasible) {
      accuracies.push_back(*t.metrics.accuracy);
      if (!fastest || *t.metrics.latency_ms < *fastest->metrics.latency_ms) fastest = &t;
    }
  std::sort(accuracies.begin(), accuracies.end());
  const double baseline = std::max(accuracies[3], *fastest->metrics.accuracy);
  set_trivial_baseline(e, baseline);
  std::set<std::int64_t> expected;
  for (const search::Trial& t : e.record.trials)
    if (t.metrics.accuracy && *t.metrics.accuracy <= baseline) expected.insert(t.index);
  ASSERT_GE(expected.size(), 4u);
  ASSERT_LT(expected.size(), accuracies.size() / 2);
  const std::string value = fmt::format("{:.4g}", baseline);
  const std::string words = "accuracy (100 x mAP@0.5; prior-box baseline " + value + ")";
  const std::string note = "no better than the prior-box baseline " + value + ": learnt nothing";

  const std::string page = render_report({e});
  EXPECT_NE(page.find(fmt::format("<tr><th>accuracy baseline (what a network that learnt nothing scores)</th><td>"
                                  "prior-box {} (100 x mAP@0.5); {} trials at or below it: they learnt nothing; "
                                  "train longer (accuracy.train.epochs, scenes, subset)</td></tr>",
                                  value, expected.size())),
            std::string::npos);
  const std::string scatter = part(page, "<h3>All trials");
  EXPECT_NE(scatter.find(">all trials: " + words + " against latency (ms)</text>"), std::string::npos);
  EXPECT_NE(scatter.find(fmt::format(">prior-box baseline {} ({} trials at or below)</text>", value, expected.size())),
            std::string::npos);
  // The dashed line (and its legend key), level with the trial whose accuracy is the baseline.
  EXPECT_EQ(count_of(scatter, "stroke=\"#9467bd\" stroke-width=\"2\" stroke-dasharray"), 2u);
  std::smatch line;
  ASSERT_TRUE(std::regex_search(scatter, line, std::regex("y1=\"([-0-9.]+)\" y2=\"([-0-9.]+)\" stroke=\"#9467bd\"")));
  EXPECT_EQ(line[1], line[2]);
  const auto at = std::find_if(e.record.trials.begin(), e.record.trials.end(), [&](const search::Trial& t) {
    return t.metrics.accuracy == baseline;
  });
  ASSERT_NE(at, e.record.trials.end());
  EXPECT_NEAR(std::stod(line[1]), circle_y(scatter, at->index), 0.11);
  EXPECT_EQ(marked_tips(scatter, note), expected);
  const std::string front = part(page, "<h3>Pareto front");
  EXPECT_NE(front.find("<th>" + words + "</th>"), std::string::npos);
  // Each row of the Pareto table is marked when its trial is no better (the fastest is).
  std::set<std::int64_t> marked_rows;
  const std::regex row("<tr><td class=\"num\">([0-9]+)</td>.*</tr>");
  for (auto it = std::sregex_iterator(front.begin(), front.end(), row); it != std::sregex_iterator(); ++it) {
    const std::int64_t i = std::stoll((*it)[1]);
    const std::string cell = fmt::format("<td class=\"num\">{:.2f} <span style=\"color: #9467bd\">({})</span></td>",
                                         *e.record.trials[i].metrics.accuracy, note);
    if ((*it)[0].str().find(cell) != std::string::npos) marked_rows.insert(i);
    EXPECT_EQ(count_of((*it)[0].str(), note), marked_rows.count(i)) << (*it)[0];
  }
  std::set<std::int64_t> front_expected;
  for (const std::int64_t i : table_trials(front))
    if (expected.count(i)) front_expected.insert(i);
  EXPECT_EQ(marked_rows, front_expected);
  EXPECT_EQ(marked_rows.count(fastest->index), 1u);
  EXPECT_EQ(count_of(part(page, "<h3>Best trial"), note), 0u);
  EXPECT_NE(part(page, "<h3>Search progress").find(">" + words + " (higher is better)</text>"), std::string::npos);

  // A lower rung's value is on another scale: only top-rung trials are compared.
  ExperimentReport rungs = e;
  rungs.record.info.rungs = 2;
  for (search::Trial& t : rungs.record.trials) t.rung = t.index == *expected.begin() ? 0 : 1;
  expected.erase(expected.begin());
  const std::string by_rung = render_report({rungs});
  EXPECT_EQ(marked_tips(part(by_rung, "<h3>All trials"), note), expected);
  // The counts say so (s31 fresh-user finding 14).
  EXPECT_NE(by_rung.find(fmt::format("prior-box {} (100 x mAP@0.5); {} top-rung trials at or below it: they learnt "
                                     "nothing; train longer (accuracy.train.epochs, scenes, subset); trials stopped "
                                     "at a lower rung are not compared</td>",
                                     value, expected.size())),
            std::string::npos);
  EXPECT_NE(by_rung.find(fmt::format(">prior-box baseline {} ({} top-rung trials at or below)</text>", value,
                                     expected.size())),
            std::string::npos);

  // No baseline, or no name for it (an accuracy that has none): the page is as it was.
  ExperimentReport plain = e;
  plain.accuracy_baseline_name.clear();
  set_trivial_baseline(plain, std::nullopt);
  const std::string without = render_report({plain});
  EXPECT_EQ(without.find("baseline " + value), std::string::npos);
  EXPECT_EQ(without.find("learnt nothing"), std::string::npos);
  ExperimentReport unnamed = e, unmeasured = e;
  unnamed.accuracy_baseline_name.clear();
  set_trivial_baseline(unmeasured, std::nullopt);
  EXPECT_EQ(render_report({unnamed}), without);
  EXPECT_EQ(render_report({unmeasured}), without);
}

// s30 fresh-user finding 1: the all-background mIoU depends on the network's resolution
// (7.29496 at 64 px, 7.29395 at 96 px), and the one value stored, the last measured, left
// 64-px trials scoring exactly their own unmarked. Each trial is compared with its own
// (Trial::accuracy_baseline); the labels show the range.
TEST(SearchReport, EachTrialIsComparedWithItsOwnTrivialBaseline) {
  ExperimentReport e = synthetic_experiment("runs/seg", 60);
  e.accuracy_metric = "100 x mIoU";
  e.accuracy_baseline_name = "all-background";
  std::vector<double> accuracies;
  for (const search::Trial& t : e.record.trials)
    if (t.feasible) accuracies.push_back(*t.metrics.accuracy);
  std::sort(accuracies.begin(), accuracies.end());
  const double low = accuracies[1], high = accuracies[8];
  ASSERT_NE(fmt::format("{:.4g}", low), fmt::format("{:.4g}", high));
  std::set<std::int64_t> expected, by_high;  // marked against their own, and what one high value would mark
  for (search::Trial& t : e.record.trials) {
    t.accuracy_baseline = t.index % 2 == 0 ? low : high;
    if (!t.metrics.accuracy) continue;
    if (*t.metrics.accuracy <= *t.accuracy_baseline) expected.insert(t.index);
    if (*t.metrics.accuracy <= high) by_high.insert(t.index);
  }
  e.record.accuracy_baseline_range = std::pair{low, high};
  ASSERT_GE(expected.size(), 4u);
  ASSERT_LT(expected.size(), by_high.size());
  const std::string range = fmt::format("{:.4g}-{:.4g}", low, high);
  const std::string words = "accuracy (100 x mIoU; all-background baseline " + range + ")";

  const std::string page = render_report({e});
  EXPECT_NE(page.find(fmt::format("<td>all-background {} (100 x mIoU, over the trials: it depends on the network&#39;s "
                                  "resolution); {} trials at or below their own: they learnt nothing; train longer "
                                  "(accuracy.train.epochs, scenes, subset)</td>",
                                  range, expected.size())),
            std::string::npos)
      << part(page, "<table>");
  const std::string scatter = part(page, "<h3>All trials");
  EXPECT_NE(scatter.find(">all trials: " + words + " against latency (ms)</text>"), std::string::npos);
  EXPECT_NE(scatter.find(fmt::format(">all-background baseline {} ({} trials at or below their own)</text>", range,
                                     expected.size())),
            std::string::npos);
  // A line at each end of the range, one legend key.
  EXPECT_EQ(count_of(scatter, "stroke=\"#9467bd\" stroke-width=\"2\" stroke-dasharray"), 3u);
  std::set<std::int64_t> marked;
  for (const double own : {low, high}) {
    const std::set<std::int64_t> m =
        marked_tips(scatter, fmt::format("no better than the all-background baseline {:.4g}: learnt nothing", own));
    for (const std::int64_t i : m) EXPECT_EQ(e.record.trials[i].accuracy_baseline, own) << "trial " << i;
    marked.insert(m.begin(), m.end());
  }
  EXPECT_EQ(marked, expected);

  // One value over every trial: named once, as before.
  for (search::Trial& t : e.record.trials) t.accuracy_baseline = high;
  e.record.accuracy_baseline_range = std::pair{high, high};
  const std::string same = render_report({e});
  EXPECT_NE(same.find(fmt::format(">all-background baseline {:.4g} ({} trials at or below)</text>", high,
                                  by_high.size())),
            std::string::npos);
  EXPECT_EQ(same.find(range), std::string::npos);
}

// Compared experiments: the accuracy column and the progress axis name the baseline only
// when every experiment has the same; each best trial is marked against its own.
TEST(SearchReport, ComparedExperimentsNameTheirTrivialBaselineOnlyWhenShared) {
  ExperimentReport a = synthetic_experiment("runs/a", 40), b = synthetic_experiment("runs/b", 40);
  for (ExperimentReport* e : {&a, &b}) {
    e->accuracy_metric = "100 x mIoU";
    e->accuracy_baseline_name = "all-background";
    set_trivial_baseline(*e, 7.27);
  }
  const std::string same = render_report({a, b});
  EXPECT_NE(part(same, "<h2>Comparison</h2>").find("<th>accuracy (100 x mIoU; all-background baseline 7.27)</th>"),
            std::string::npos);
  EXPECT_NE(part(same, "<h3>Search progress").find(">accuracy (100 x mIoU; all-background baseline 7.27) (higher is "
                                                   "better)</text>"),
            std::string::npos);
  EXPECT_EQ(count_of(part(same, "<h2>Comparison</h2>"), "learnt nothing"), 0u);

  set_trivial_baseline(b, 99);  // above every trial of b: its best learnt nothing
  const std::string differ = render_report({a, b});
  const std::string comparison = part(differ, "<h2>Comparison</h2>");
  EXPECT_NE(comparison.find("<th>accuracy (100 x mIoU)</th>"), std::string::npos);
  EXPECT_EQ(count_of(comparison, "(no better than the all-background baseline 99: learnt nothing)"), 1u);
  EXPECT_EQ(count_of(comparison, "learnt nothing"), 1u);
  EXPECT_NE(part(differ, "<h3>Search progress").find(">accuracy (100 x mIoU) (higher is better)</text>"),
            std::string::npos);
  // Each experiment's own section still names its own.
  EXPECT_NE(differ.find("<th>accuracy (100 x mIoU; all-background baseline 99)</th>"), std::string::npos);
  EXPECT_NE(differ.find("<th>accuracy (100 x mIoU; all-background baseline 7.27)</th>"), std::string::npos);
}

TEST(SearchReport, EveryUserStringIsEscaped) {
  const std::string payload = "<script>alert(1)</script><img src=x onerror=alert(2)>\" onmouseover=\"alert(3)";
  ExperimentReport e = synthetic_experiment("runs/" + payload, 30, true, payload);
  e.record.info.strategy = payload;
  e.record.info.experiment_file = payload + ".yaml";
  e.record.info.config_yaml += "# " + payload + "\n";
  e.record.info.objective_names = {payload};
  e.record.trials[3].arch = payload;
  e.record.trials[10].reason = payload;  // a failed trial
  e.baseline->arch = payload;
  e.best_layers_ms.front().first = payload;
  e.constraints.front().limit_text = payload;
  const std::string page = render_report({e, synthetic_experiment(payload, 5)});
  EXPECT_EQ(page.find("<script"), std::string::npos);
  EXPECT_EQ(page.find("<img"), std::string::npos);
  EXPECT_EQ(page.find("onmouseover=\""), std::string::npos);
  EXPECT_GE(count_of(page, "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;&quot; "
                        "onmouseover=&quot;alert(3)"),
            10u);
}

TEST(SearchReport, WithoutFeasibleTrialsOrLayerLatencies) {
  ExperimentReport e = synthetic_experiment("runs/none", 20);
  for (search::Trial& t : e.record.trials)
    if (t.status == search::TrialStatus::ok) t.status = search::TrialStatus::infeasible, t.feasible = false;
  for (auto& f : e.record.fitness) f.clear();
  e.best_layers_ms.clear();
  e.baseline_layers_ms.clear();
  e.layers_note = "the latency source is a table of whole networks";
  const std::string page = render_report({e});
  EXPECT_NE(page.find("No feasible trial."), std::string::npos);
  EXPECT_NE(page.find("runs/none (evolution): no feasible trial</text>"), std::string::npos);
  EXPECT_NE(page.find("Per-layer latency is not shown: the latency source is a table of whole networks"),
            std::string::npos);
  EXPECT_EQ(page.find("<h3>Best trial"), std::string::npos);
}

TEST(SearchReport, AnExperimentWithoutTrialsIsAUserError) {
  ExperimentReport e = synthetic_experiment("runs/empty", 0);
  try {
    render_report({synthetic_experiment("runs/full", 5), e});
    FAIL() << "no error";
  } catch (const UserError& error) {
    EXPECT_STREQ(error.what(), "runs/empty: the experiment has no trials yet; run hwnas search on it first");
  }
}

}  // namespace
}  // namespace hwnas::report
