// The advisor on a small hand-built graph and a small MobileNetV2, valued by the estimator
// tests' shared npu-p16 estimator (tests/estimate/shared_estimator.h): the menu and its
// classes, candidate deltas, ranking, the greedy combination under limits, the lossy rule,
// the backward pass, target identity, and apply_plan.
#include <gtest/gtest.h>

#include <algorithm>

#include "estimate/shared_estimator.h"
#include "hwnas/advise/advisor.h"
#include "hwnas/advise/advisor_explain.h"
#include "hwnas/advise/advisor_menu.h"
#include "hwnas/advise/advisor_report.h"
#include "hwnas/base/error.h"
#include "hwnas/graph/analysis.h"
#include "hwnas/graph/blocks.h"
#include "hwnas/hw/targets/targets.h"
#include "hwnas/space/models.h"
#include "support/scratch_dir.h"

namespace hwnas::advise {
namespace {

using namespace hwnas::graph;

const estimate::Estimator& est() {
  static const testing::ScratchDir dir("hwnas_advisor_test");
  return testing::shared_estimator(dir.path());
}

// 16x32x32 -> ibn a (16 -> 96 -> 24, 3x3, stride 2) -> ibn b (24 -> 144 -> 24, residual)
// -> conv_bn_act c (1x1 to 40, hardswish) -> output.
Graph small() {
  Graph g("small");
  NodeId x = g.add("x", Input{16, 32, 32}, {});
  x = ibn(g, x, {.out = 24, .expanded = 96, .kernel = 3, .stride = 2}, "a").output;
  x = ibn(g, x, {.out = 24, .expanded = 144, .kernel = 3, .stride = 1}, "b").output;
  x = conv_bn_act(g, x, {.out = 40, .act = ActKind::hardswish}, "c");
  g.add("out", Output{}, {x});
  return g;
}

const Change* find(const std::vector<Change>& list, std::string_view pass, std::string_view site) {
  for (const Change& c : list)
    if (c.pass == pass && c.site == site) return &c;
  return nullptr;
}

TEST(AdvisorMenu, SettingsAndClasses) {
  const Graph g = space::load_model("mobilenet_v2:width=0.5,in_ch=1,classes=10,res=48");
  const auto params_of = [&](std::string_view pass) {
    std::vector<std::pair<Params, bool>> out;
    for (const MenuSetting& s : menu(g, find_pass(pass), 16)) out.emplace_back(s.params, s.lossy);
    return out;
  };
  using P = std::vector<std::pair<Params, bool>>;
  EXPECT_EQ(params_of("ibn_to_fused"), (P{{{}, false}}));
  EXPECT_EQ(params_of("align_channels"), (P{{{{"p", "16"}, {"direction", "up"}}, false},
                                            {{{"p", "16"}, {"direction", "down"}}, true}}));
  EXPECT_EQ(params_of("even_channels"), (P{{{{"to", "max"}}, false}, {{{"to", "min"}}, true}}));
  EXPECT_EQ(params_of("change_kernel"), (P{{{{"kernel", "3"}}, true}, {{{"kernel", "5"}}, true}}));
  EXPECT_EQ(params_of("move_se"), (P{{{}, true}}));
  // 48: 7/8 -> 42 -> 40; 3/4 -> 36 -> 40 (again); 1/2 -> 24 -> at least 32.
  EXPECT_EQ(params_of("scale_resolution"), (P{{{{"resolution", "40"}}, true}, {{{"resolution", "32"}}, true}}));
  EXPECT_EQ(params_of("scale_channels"), (P{{{{"width", "0.75"}, {"divisor", "16"}}, true},
                                            {{{"width", "0.5"}, {"divisor", "16"}}, true},
                                            {{{"width", "0.75"}, {"divisor", "8"}}, true},
                                            {{{"width", "0.5"}, {"divisor", "8"}}, true}}));
  EXPECT_EQ(menu(g, find_pass("scale_channels"), 8).size(), 2u);
  EXPECT_FALSE(is_lossy(find_pass("align_channels"), {{"p", "32"}, {"direction", "up"}}));
  EXPECT_TRUE(is_lossy(find_pass("remove_se"), {}));
  // A pass the table does not know: its defaults, lossy; skipped when they are no valid setting.
  const Pass made_up{.name = "made_up", .description = "test", .sites = SiteKind::graph, .params = {},
                     .apply = [](const Graph&, const Site&, const Params&) -> PassResult {
                       throw UserError("bad default");
                     }};
  ASSERT_EQ(menu(g, made_up, 16).size(), 1u);
  EXPECT_TRUE(menu(g, made_up, 16)[0].lossy);
  EXPECT_TRUE(candidates(g, {&made_up}, 16).empty());
  // Settings that give one graph are one candidate: halving 32 and 64 channels gives
  // multiples of 16, so divisor 8 and 16 agree at width 0.5 (not at 0.75: 24 or 32).
  Graph even("even");
  NodeId x = even.add("x", Input{16, 16, 16}, {});
  x = ibn(even, x, {.out = 32, .expanded = 64, .kernel = 3, .stride = 1}, "a").output;
  x = conv_bn_act(even, x, {.out = 64, .act = ActKind::relu}, "b");
  even.add("out", Output{}, {x});
  const std::vector<Candidate> scaled = candidates(even, {&find_pass("scale_channels")}, 16);
  ASSERT_EQ(scaled.size(), 3u);
  EXPECT_EQ(scaled[2].params.at("divisor"), "8");
  EXPECT_EQ(scaled[2].params.at("width"), "0.75");
  EXPECT_THROW(select_passes("ibn_to_fused,nope"), UserError);
  EXPECT_EQ(select_passes("remove_se,ibn_to_fused").front()->name, "ibn_to_fused");  // registry order
}

TEST(Advisor, CandidatesAndTheirDeltasOnASmallGraph) {
  const Graph g = small();
  const Evaluator ev(est(), nullptr, "shared.est");
  const Advice a = advise(g, ev, {.steps = 0});
  const Change* fused = find(a.ranked, "ibn_to_fused", "a");
  ASSERT_NE(fused, nullptr);
  // 1x1 16->96 at 32x32 (1024·16·96) and 3x3 depthwise at 16x16 (256·96·9) become a 3x3 conv
  // 16->96 at stride 2 (256·96·16·9).
  EXPECT_EQ(fused->after.macs - fused->before.macs, 256 * 96 * 16 * 9 - 1024 * 16 * 96 - 256 * 96 * 9);
  EXPECT_EQ(fused->before.macs, analyze(g, Precision::int8).total.macs);
  EXPECT_FALSE(fused->lossy);
  const PassResult r = apply_pass(g, find_pass("ibn_to_fused"), Site{0}, {});
  EXPECT_DOUBLE_EQ(fused->after.latency_s, est().latency_s(*r.graph));
  EXPECT_DOUBLE_EQ(fused->before.latency_s, est().latency_s(g));
  EXPECT_EQ(fused->after.weight_bytes, analyze(*r.graph, est().precision()).total.weight_bytes);
  // Without a target the explanation gives the estimator's latency of the site's kernels.
  EXPECT_NE(fused->explanation.find("3x3 depthwise conv 96 ch at 16x16"), std::string::npos) << fused->explanation;
  EXPECT_NE(fused->explanation.find("3x3 conv 16->96 at 16x16"), std::string::npos) << fused->explanation;
  EXPECT_NE(fused->explanation.find("MACs +" ), std::string::npos);
  // swap_activation only where the model has the activation: c's hardswish.
  ASSERT_NE(find(a.ranked, "swap_activation", "c"), nullptr);
  EXPECT_TRUE(find(a.ranked, "swap_activation", "c")->lossy);
  EXPECT_EQ(std::count_if(a.ranked.begin(), a.ranked.end(), [](const Change& c) { return c.pass == "swap_activation"; }), 1);
  // Ranked by estimated gain, largest first.
  for (std::size_t i = 1; i < a.ranked.size(); ++i)
    EXPECT_GE(a.ranked[i - 1].before.latency_s - a.ranked[i - 1].after.latency_s,
              a.ranked[i].before.latency_s - a.ranked[i].after.latency_s);
  EXPECT_TRUE(a.steps.empty());
  EXPECT_FALSE(a.spearman);
}

TEST(Advisor, StructuralOnlyUnlessALimitIsViolatedOrLossy) {
  const Graph g = space::load_model("mobilenet_v2:width=0.5,res=96");
  const Evaluator ev(est(), nullptr, "shared.est");
  const Advice a = advise(g, ev, {});
  // Lossy candidates gain most (scaling), yet none is used without a violated limit.
  ASSERT_FALSE(a.ranked.empty());
  EXPECT_TRUE(a.ranked.front().lossy);
  ASSERT_FALSE(a.steps.empty());
  for (const Change& c : a.steps) EXPECT_FALSE(c.lossy) << c.pass << " at " << c.site;
  EXPECT_LT(a.final.latency_s, a.baseline.latency_s);
  for (std::size_t i = 1; i < a.steps.size(); ++i)
    EXPECT_DOUBLE_EQ(a.steps[i].before.latency_s, a.steps[i - 1].after.latency_s);
  EXPECT_DOUBLE_EQ(a.final.latency_s, a.steps.back().after.latency_s);
  const Advice lossy = advise(g, ev, {.lossy = true});
  EXPECT_TRUE(std::any_of(lossy.steps.begin(), lossy.steps.end(), [](const Change& c) { return c.lossy; }));
  EXPECT_LT(lossy.final.latency_s, a.final.latency_s);
}

TEST(Advisor, MeetsAMemoryLimitOrSaysItCannot) {
  const Graph g = space::load_model("mobilenet_v2:width=0.5,in_ch=1,classes=10,res=48");
  const Evaluator ev(est(), nullptr, "shared.est");
  const Advice a = advise(g, ev, {.limits = parse_limits("weight_bytes=60%,peak_activation_bytes=60%")});
  EXPECT_TRUE(a.limits_met);
  ASSERT_EQ(a.limits.size(), 2u);
  EXPECT_LE(a.final.weight_bytes, 0.6 * a.baseline.weight_bytes);
  EXPECT_LE(a.final.peak_activation_bytes, 0.6 * a.baseline.peak_activation_bytes);
  EXPECT_TRUE(std::any_of(a.steps.begin(), a.steps.end(), [](const Change& c) { return c.lossy; }));
  EXPECT_NE(advice_text(a, {}, 20).find("limits met: weight_bytes"), std::string::npos);

  const Advice no = advise(g, ev, {.limits = parse_limits("weight_bytes=100")});
  EXPECT_FALSE(no.limits_met);
  EXPECT_FALSE(no.limits[0].met);
  EXPECT_LT(no.final.weight_bytes, no.baseline.weight_bytes);  // it still got as close as it could
  EXPECT_NE(advice_text(no, {}, 20).find("limits not met: weight_bytes"), std::string::npos);
  // A candidate that breaks a limit the model met is marked.
  const Advice lat = advise(g, ev, {.limits = parse_limits("weight_bytes=101%"), .steps = 0});
  const Change* full = find(lat.ranked, "depthwise_to_full", "features.16");
  ASSERT_NE(full, nullptr);
  EXPECT_EQ(full->breaks, std::vector<std::string>{"weight_bytes"});
}

TEST(Advisor, MeetsLimitsKeepingTheMostCapacity) {
  // One width halving leaves the peak activations just over 53%; of the candidates that
  // then meet both limits the fusion that removes an expanded tensor keeps the most MACs
  // and parameters (a second halving, the fastest, would cut three quarters of them).
  const Graph g = space::load_model("mobilenet_v2:width=0.5,in_ch=1,classes=10,res=48");
  const Evaluator ev(est(), nullptr, "shared.est");
  const Advice a = advise(g, ev, {.limits = parse_limits("weight_bytes=53%,peak_activation_bytes=53%")});
  EXPECT_TRUE(a.limits_met);
  const auto lossy = std::count_if(a.steps.begin(), a.steps.end(), [](const Change& c) { return c.lossy; });
  EXPECT_EQ(lossy, 1);
  EXPECT_GT(a.final.weight_bytes, 0.35 * a.baseline.weight_bytes);  // two halvings leave about 0.15
}

TEST(Advisor, BackwardPassDropsAUselessStep) {
  const Graph g = space::load_model("mobilenet_v2:width=0.5,res=96");
  const Evaluator ev(est(), nullptr, "shared.est");
  // depthwise_to_full at a late, wide block only costs; the fusion at features.2 helps.
  const std::vector<PlannedStep> steps = {{"depthwise_to_full", "features.16", {}, ""},
                                          {"ibn_to_fused", "features.2", {}, ""}};
  std::vector<PlannedStep> dropped;
  const std::vector<PlannedStep> kept = drop_useless_steps(g, steps, ev, {}, &dropped);
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0].pass, "ibn_to_fused");
  ASSERT_EQ(dropped.size(), 1u);
  EXPECT_EQ(dropped[0].site, "features.16");
}

TEST(Advisor, ApplyPlanSkipsWhatCannotApply) {
  const Graph g = small();
  const Evaluator ev(est(), nullptr, "shared.est");
  const Advice a = apply_plan(g,
                              {{"ibn_to_fused", "c", {}, "fuse the head"},
                               {"ibn_to_fused", "a", {}, "fused in early stages"},
                               {"no_such_pass", "a", {}, ""},
                               {"ibn_to_fused", "a", {}, "again"}},
                              ev);
  ASSERT_EQ(a.steps.size(), 1u);
  EXPECT_EQ(a.steps[0].site, "a");
  EXPECT_EQ(a.steps[0].why, "fused in early stages");
  ASSERT_EQ(a.skipped.size(), 3u);
  EXPECT_NE(a.skipped[0].why_not.find("block 'c'"), std::string::npos) << a.skipped[0].why_not;
  EXPECT_NE(a.skipped[1].why_not.find("no such pass"), std::string::npos) << a.skipped[1].why_not;
  EXPECT_FALSE(a.skipped[2].why_not.empty());  // a is a fused IBN now
  EXPECT_DOUBLE_EQ(a.final.latency_s, a.steps[0].after.latency_s);
  EXPECT_NE(advice_text(a, {}, 20).find("skipped ibn_to_fused at c"), std::string::npos);
}

TEST(Advisor, MeasuresOnTheEstimatorsTargetAndRefusesAnother) {
  const auto p16 = hw::make_target("npu-p16");
  const Evaluator ev(est(), p16.get(), "shared.est");
  const Advice a = advise(small(), ev, {.steps = 0});
  ASSERT_TRUE(a.spearman);
  ASSERT_TRUE(a.max_error);
  ASSERT_TRUE(a.baseline.measured_s);
  for (const Change& c : a.ranked) ASSERT_TRUE(c.after.measured_s);
  const Change* fused = find(a.ranked, "ibn_to_fused", "a");
  ASSERT_NE(fused, nullptr);
  // With measurements the explanation names utilisation and bound.
  EXPECT_NE(fused->explanation.find("of the MAC array ("), std::string::npos) << fused->explanation;
  EXPECT_NE(fused->explanation.find("-bound"), std::string::npos) << fused->explanation;
  const auto etpu = hw::make_target("edgetpu-like");
  try {
    const Evaluator other(est(), etpu.get(), "shared.est");
    ADD_FAILURE() << "an estimator of npu-p16 was accepted for edgetpu-like";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("hwnas fit --target edgetpu-like"), std::string::npos) << e.what();
  }
}

TEST(AdvisorReport, GainsThenHurtsAndTheSummary) {
  const Graph g = space::load_model("mobilenet_v2:width=0.5,res=96");
  const Evaluator ev(est(), nullptr, "shared.est");
  const Advice a = advise(g, ev, {.steps = 3});
  const auto listed = [](const std::string& text) {
    std::vector<std::string> rows;
    for (std::size_t at = text.find("gain first"); at != std::string::npos && at < text.find("\ncombination");) {
      const std::size_t end = text.find('\n', at + 1);
      const std::string line = text.substr(at + 1, end - at - 1);
      if (line.size() > 6 && line[5] == '.') rows.push_back(line);
      at = end;
    }
    return rows;
  };
  std::size_t hurts = 0;
  for (const Change& c : a.ranked) hurts += c.after.latency_s > c.before.latency_s ? 1 : 0;
  ASSERT_GT(a.ranked.size(), 25u);
  ASSERT_GE(hurts, 5u);
  const AdviceSource src{"shared.est", "npu-p16", "", "", ""};
  const std::string cut = advice_text(a, src, 20);
  const std::vector<std::string> rows = listed(cut);
  // At most 20 that do not hurt, then the 5 that hurt most.
  const std::size_t first = std::min<std::size_t>(20, a.ranked.size() - hurts);
  ASSERT_EQ(rows.size(), first + 5) << cut;
  EXPECT_NE(rows.back().find(" " + std::to_string(a.ranked.size()) + ". "), std::string::npos) << rows.back();
  EXPECT_LT(cut.find("hurts:"), cut.find(rows[first]));
  EXPECT_GT(cut.find("hurts:"), cut.find(rows[first - 1]));
  EXPECT_EQ(listed(advice_text(a, src, 0)).size(), a.ranked.size());
  const std::string md = advice_summary(a, src, false);
  for (const char* part : {"# hwnas advise: mobilenet_v2", "## Baseline and result", "## Recommendations",
                           "## Combination",
                           "| # | rewrite | class | estimated after | change | what it changes | explanation |"})
    EXPECT_NE(md.find(part), std::string::npos) << part;
  const std::string html = advice_summary(a, src, true);
  EXPECT_NE(html.find("<h2>Combination</h2>"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
}

TEST(AdvisorLimits, ParseAndObjective) {
  const std::vector<Limit> l = parse_limits("latency_ms=2.5,weight_bytes=53%");
  ASSERT_EQ(l.size(), 2u);
  EXPECT_EQ(l[0].key, "latency_ms");
  EXPECT_DOUBLE_EQ(l[0].value, 2.5);
  EXPECT_TRUE(l[1].percent);
  for (const char* bad : {"", "latency_ms", "=3", "speed=1", "latency_ms=0", "latency_ms=-1", "weight_bytes=1e400",
                          "weight_bytes=5%%", "weight_bytes=2000%", "latency_ms=1,latency_ms=2", "latency_ms=nan"})
    EXPECT_THROW(parse_limits(bad), UserError) << bad;
  Figures base{.latency_s = 2e-3, .weight_bytes = 1000, .peak_activation_bytes = 500};
  const std::vector<Limit> abs = absolute_limits(parse_limits("weight_bytes=50%,latency_ms=4"), base);
  EXPECT_DOUBLE_EQ(abs[0].value, 500);
  const Objective o = objective(abs, base);
  EXPECT_DOUBLE_EQ(o.violation, 1.0);  // 1000 / 500 - 1; latency 2 ms is within 4 ms
  EXPECT_TRUE(improves({0.5, 9}, o, 0.001));
  EXPECT_FALSE(improves({1.0, 2e-3 * 0.9995}, o, 0.001));  // less than 0.1% faster
  EXPECT_TRUE(improves({1.0, 2e-3 * 0.99}, o, 0.001));
}

}  // namespace
}  // namespace hwnas::advise
