// hwnas advise as a user runs it: the JSON shape and the files written, and every bad
// input as one line on stderr, exit 2, nothing on stdout and no file written.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "estimate/shared_estimator.h"
#include "hwnas/advise/advisor_report.h"
#include "hwnas/estimate/estimator.h"
#include "support/cli_runner.h"

namespace hwnas::testing {
namespace {

namespace fs = std::filesystem;

constexpr const char* kModel = "mobilenet_v2:width=0.5,in_ch=1,classes=10,res=48";

// The shared npu-p16 estimator's file.
std::string estimator_file() { return shared_estimator_file(scratch_dir()).string(); }

TEST(AdviseCli, JsonShapeAndFiles) {
  const std::string out = (scratch_dir() / "advised.onnx").string(), md = (scratch_dir() / "advice.html").string();
  const std::vector<std::string> args = {"advise", kModel, "--estimator", estimator_file(), "--target", "npu-p16",
                                         "--limit", "weight_bytes=60%", "--out", out, "--summary", md, "--json"};
  const Result r = hwnas(args);
  ASSERT_EQ(r.status, 0) << describe(args, r);
  const nlohmann::json j = nlohmann::json::parse(r.out);
  for (const char* key : {"model", "estimator", "target", "baseline", "limits", "candidates", "spearman", "max_error",
                          "max_error_gains", "steps", "dropped", "skipped", "final", "limits_met", "evaluated", "out",
                          "summary"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j["target"], "npu-p16");
  EXPECT_EQ(j["estimator"]["parallelism"], 16);
  EXPECT_TRUE(j["limits_met"].get<bool>());
  EXPECT_TRUE(j["spearman"].is_number());
  EXPECT_TRUE(j["baseline"]["measured_latency_ms"].is_number());
  ASSERT_FALSE(j["candidates"].empty());
  for (const char* key : {"pass", "site", "kind", "params", "lossy", "what", "latency_ms_before", "latency_ms_after",
                          "gain_ms", "gain_percent", "measured_ms_before", "measured_ms_after", "macs_after",
                          "params_after", "weight_bytes_after", "peak_activation_bytes_after", "breaks",
                          "explanation", "why"})
    EXPECT_TRUE(j["candidates"][0].contains(key)) << key;
  ASSERT_FALSE(j["steps"].empty());
  EXPECT_LE(j["final"]["weight_bytes"].get<double>(), 0.6 * j["baseline"]["weight_bytes"].get<double>());
  EXPECT_TRUE(fs::exists(out));
  const std::string page = read_file(md);
  EXPECT_NE(page.find("<table>"), std::string::npos);
  // The combination's steps carry their class; a lossy one the warning to retrain.
  EXPECT_NE(page.find("<th>class</th>"), std::string::npos) << page;
  EXPECT_NE(page.find("<td>lossy</td>"), std::string::npos) << page;
  EXPECT_NE(page.find("train the result again"), std::string::npos) << page;
  // The written model is the combination: hwnas inspect reads it with the final MACs.
  const Result inspect = hwnas({"inspect", out, "--json"});
  ASSERT_EQ(inspect.status, 0) << inspect.err;
  EXPECT_EQ(nlohmann::json::parse(inspect.out)["macs"], j["final"]["macs"]);
  // The text form: the ranked list, then the combination.
  const Result text = hwnas({"advise", kModel, "--estimator", estimator_file(), "--passes", "ibn_to_fused"});
  ASSERT_EQ(text.status, 0) << text.err;
  EXPECT_NE(text.out.find("candidates, largest estimated gain first"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("combination:"), std::string::npos) << text.out;
  EXPECT_EQ(text.out.find("scale_channels"), std::string::npos) << text.out;
  // Limits that cannot be met are advice, not bad input.
  const Result unmet = hwnas({"advise", kModel, "--estimator", estimator_file(), "--limit", "weight_bytes=100",
                              "--steps", "2"});
  EXPECT_EQ(unmet.status, 0) << unmet.err;
  EXPECT_NE(unmet.out.find("limits not met: weight_bytes"), std::string::npos) << unmet.out;
}

TEST(AdviseCli, AbsurdLimitsReadAsNumbers) {
  // Three significant digits beyond the usual range: not "0.000 ms", not 25 digits of MB.
  const Result tiny = hwnas({"advise", kModel, "--estimator", estimator_file(), "--limit",
                             "latency_ms=0.000001,weight_bytes=1e30,peak_activation_bytes=0.5", "--steps", "0"});
  ASSERT_EQ(tiny.status, 0) << tiny.err;
  EXPECT_NE(tiny.out.find(" ms > 1e-06 ms"), std::string::npos) << tiny.out;
  EXPECT_NE(tiny.out.find(" > 0.5 B"), std::string::npos) << tiny.out;
  EXPECT_NE(tiny.out.find(" <= 1e+30 B"), std::string::npos) << tiny.out;
}

TEST(AdviseCli, FromAFinishedSearch) {
  // A small NSGA-II search of mobilenet-cls on npu-p16 (the estimator's target), then its
  // Pareto architectures' patterns applied to another model.
  const std::string exp = write_temp("from.yaml",
                                     "space: mobilenet-cls\nlatency: {target: npu-p16}\n"
                                     "objective: {maximize: [-latency_ms, -peak_activation_bytes]}\n"
                                     "strategy: {name: nsga2, population: 8}\nbudget: {trials: 16}\nseed: 2\n");
  const std::string dir = (scratch_dir() / "from-run").string();
  const Result search = hwnas({"search", exp, "--out", dir});
  ASSERT_EQ(search.status, 0) << search.err;
  const std::vector<std::string> args = {"advise", kModel, "--estimator", estimator_file(), "--from", dir, "--json"};
  const Result r = hwnas(args);
  ASSERT_EQ(r.status, 0) << describe(args, r);
  const nlohmann::json j = nlohmann::json::parse(r.out);
  ASSERT_TRUE(j.contains("transfer"));
  EXPECT_EQ(j["transfer"]["patterns"]["space"], "mobilenet-cls");
  const nlohmann::json& plan = j["transfer"]["plan"]["steps"];
  ASSERT_FALSE(plan.empty());  // seed 2: 3 Pareto architectures, fusion at 25-100% depth
  // Every planned step applies to the model it was planned on, but the steps estimated to
  // make it slower, and the lossy ones (no limit is violated), are skipped with the reason.
  EXPECT_EQ(j["steps"].size() + j["skipped"].size(), plan.size());
  ASSERT_FALSE(j["skipped"].empty());
  bool slower = false, lossy = false;
  for (const auto& k : j["skipped"]) {
    slower = slower || k["why_not"].get<std::string>().find("it makes the model slower") != std::string::npos;
    lossy = lossy || k["why_not"].get<std::string>().starts_with("lossy (it changes what the network computes)");
  }
  EXPECT_TRUE(slower) << j["skipped"].dump(1);
  EXPECT_TRUE(lossy) << j["skipped"].dump(1);  // change_kernel kernel=5
  for (const auto& s : j["steps"]) {
    EXPECT_LE(s["latency_ms_after"].get<double>(), s["latency_ms_before"].get<double>()) << s.dump(1);
    EXPECT_FALSE(s["lossy"].get<bool>()) << s.dump(1);
  }
  EXPECT_LE(j["final"]["latency_ms"].get<double>(), j["baseline"]["latency_ms"].get<double>());
  EXPECT_TRUE(j["candidates"].empty());  // a plan is applied, not ranked
  const std::string summary = (scratch_dir() / "from-advice.md").string();
  const Result text = hwnas({"advise", kModel, "--estimator", estimator_file(), "--from", dir, "--summary", summary});
  ASSERT_EQ(text.status, 0) << text.err;
  // The page names the experiment, shows its patterns, each step's why and the skipped steps.
  const std::string page = read_file(summary);
  EXPECT_NE(page.find("## Transfer from " + dir), std::string::npos) << page;
  EXPECT_NE(page.find("depth    archs"), std::string::npos) << page;
  EXPECT_NE(page.find("why (the plan)"), std::string::npos) << page;
  EXPECT_NE(page.find("Pareto architectures at depth"), std::string::npos) << page;
  EXPECT_NE(page.find("## Skipped steps"), std::string::npos) << page;
  EXPECT_NE(text.out.find("patterns of " + dir), std::string::npos) << text.out;
  EXPECT_NE(text.out.find(": skipped, it makes the model slower"), std::string::npos) << text.out;
  EXPECT_EQ(text.out.find("warning: the result is estimated slower"), std::string::npos) << text.out;
  // --whole-plan applies every step, as planned, and warns that the result is slower.
  const Result whole = hwnas({"advise", kModel, "--estimator", estimator_file(), "--from", dir, "--whole-plan", "--json"});
  ASSERT_EQ(whole.status, 0) << whole.err;
  const nlohmann::json w = nlohmann::json::parse(whole.out);
  ASSERT_EQ(w["steps"].size(), plan.size());
  for (std::size_t i = 0; i < plan.size(); ++i) {
    EXPECT_EQ(w["steps"][i]["pass"], plan[i]["pass"]);
    EXPECT_EQ(w["steps"][i]["site"], plan[i]["site"]);
  }
  const Result whole_text = hwnas({"advise", kModel, "--estimator", estimator_file(), "--from", dir, "--whole-plan"});
  ASSERT_EQ(whole_text.status, 0) << whole_text.err;
  EXPECT_NE(whole_text.out.find("warning: the result is estimated slower than the model (+"), std::string::npos)
      << whole_text.out;
  // --lossy lets the lossy steps in (still only those the estimate does not make worse).
  const Result lossy_run = hwnas({"advise", kModel, "--estimator", estimator_file(), "--from", dir, "--lossy", "--json"});
  ASSERT_EQ(lossy_run.status, 0) << lossy_run.err;
  for (const auto& k : nlohmann::json::parse(lossy_run.out)["skipped"])
    EXPECT_FALSE(k["why_not"].get<std::string>().starts_with("lossy")) << k.dump(1);
}

// An advice with a target's figures: three candidates (-0.100, -0.050, +0.100 ms) on a
// 1 ms model, the estimator's agreement as given.
advise::Advice fake_advice(double rho, double error) {
  advise::Advice a;
  a.model = "m";
  a.baseline.latency_s = 1e-3;
  a.baseline.measured_s = 1e-3;
  for (const double after : {0.9e-3, 0.95e-3, 1.1e-3}) {
    advise::Change c{"ibn_to_fused", "b", "ibn"};
    c.before = a.baseline;
    c.after.latency_s = after;
    c.after.measured_s = after;
    a.ranked.push_back(c);
  }
  a.final = a.baseline;
  a.spearman = rho;
  a.max_error = a.max_error_gains = error;
  return a;
}

TEST(AdviseReport, AChangeBelowTheShownPrecisionNeitherGainsNorHurts) {
  advise::Advice a = fake_advice(1, 0.01);
  a.ranked[2].after.latency_s = a.ranked[2].before.latency_s + 1e-12;  // shown as +0.000 ms
  const std::string text = advise::advice_text(a, {}, 20);
  EXPECT_EQ(text.find("hurts:"), std::string::npos) << text;
  EXPECT_NE(text.find("(0 hurt)"), std::string::npos) << text;
  EXPECT_NE(text.find("after the 2 candidates that gain"), std::string::npos) << text;
}

TEST(AdviseReport, TheEstimatorVerdictFollowsItsFigures) {
  const std::string good = advise::advice_text(fake_advice(0.99, 0.01), {}, 20);
  EXPECT_NE(good.find("gains rank alike: Spearman 0.990 over 3 candidates"), std::string::npos) << good;
  EXPECT_EQ(good.find("refit"), std::string::npos) << good;
  const std::string off = advise::advice_text(fake_advice(0.956, 0.227), {}, 20);
  EXPECT_NE(off.find("rank alike"), std::string::npos) << off;
  EXPECT_NE(off.find("misjudges this model (off by more than 5%): refit it with a larger --budget"), std::string::npos)
      << off;
  const std::string unlike = advise::advice_text(fake_advice(0.5, 0.01), {}, 20);
  EXPECT_NE(unlike.find("rank differently: Spearman 0.500 (below 0.9)"), std::string::npos) << unlike;
  EXPECT_NE(unlike.find("refit it with a larger --budget"), std::string::npos) << unlike;
  EXPECT_NE(advise::advice_summary(fake_advice(0.956, 0.227), {}, false).find("refit it with a larger --budget"),
            std::string::npos);
}

TEST(AdviseCli, NothingToRewriteSaysWhy) {
  const std::vector<std::string> args = {"advise",  "resnet18", "--estimator", estimator_file(),
                                         "--target", "npu-p16",  "--passes",    "ibn_to_fused,align_channels"};
  const Result text = hwnas(args);
  ASSERT_EQ(text.status, 0) << describe(args, text);
  EXPECT_NE(text.out.find("0 candidates: no pass applies anywhere on the model\n  ibn_to_fused ("), std::string::npos)
      << text.out;
  std::vector<std::string> json_args = args;
  json_args.push_back("--json");
  const Result json = hwnas(json_args);
  ASSERT_EQ(json.status, 0) << json.err;
  const nlohmann::json j = nlohmann::json::parse(json.out);
  EXPECT_TRUE(j["candidates"].empty());
  ASSERT_FALSE(j["refusals"].empty());
  EXPECT_FALSE(j["refusals"][0]["reasons"].empty());
  EXPECT_TRUE(j["max_error_gains"].is_null());  // no candidate gains
}

TEST(AdviseCli, BadInputIsOneLineAndWritesNothing) {
  const std::string est = estimator_file(), out = (scratch_dir() / "never.yaml").string();
  const std::string model_file = write_temp("m.yaml", "");
  const std::string corrupt = write_temp("corrupt.est", "{\"format\": \"hwnas-estimator\"");
  const auto base = [&](std::vector<std::string> more) {
    std::vector<std::string> a = {"advise", kModel, "--estimator", est, "--out", out};
    a.insert(a.end(), more.begin(), more.end());
    return a;
  };
  expect_bad_input(base({"--passes", "ibn_to_fused,fuse_all"}), "--passes 'fuse_all': no such pass");
  expect_bad_input(base({"--limit", "weight_bytes"}), "--limit 'weight_bytes': write KEY=VALUE");
  expect_bad_input(base({"--limit", "flops=3"}), "--limit flops: no such limit");
  expect_bad_input(base({"--limit", "latency_ms=0"}), "--limit latency_ms=0: the value must be a positive number");
  expect_bad_input(base({"--limit", "weight_bytes=-5%"}), "the value must be a positive number");
  expect_bad_input({"advise", kModel, "--estimator", "/nonexistent/x.est"}, "/nonexistent/x.est");
  expect_bad_input({"advise", kModel, "--estimator", corrupt, "--out", out}, "corrupt.est");
  expect_bad_input(base({"--target", "edgetpu-like"}),
                   "fit one for it with 'hwnas fit --target edgetpu-like --db edgetpu-like.db --out "
                   "edgetpu-like.est' (docs/estimator.md)");
  // The --target argument as given (a description file), quoted for the shell when needed.
  const std::string odd = write_temp("my npu's.yaml",
                                     "name: \"my npu \\u2713\"\nclock_mhz: 800\nprecision: int8\nparallelism_factor: 24\n"
                                     "input_lanes: 12\nspatial_lanes: 3\nvector_lanes: 40\ndepthwise_mode: vector\n"
                                     "sram_kib: 700\nweight_sram_kib: 300\nsram_gb_per_s: 50\ndram_gb_per_s: 6\n"
                                     "dram_latency_ns: 300\nlayer_overhead_cycles: 700\nfuse: [conv_bn_act]\n");
  expect_bad_input(base({"--target", odd}), "'hwnas fit --target '" + odd.substr(0, odd.find('\'')) +
                                                "'\\''s.yaml' --db 'my npu'\\''s.db' --out 'my npu'\\''s.est'");
  expect_bad_input(base({"--from", scratch_dir().string(), "--passes", "ibn_to_fused"}),
                   "the plan comes from the experiment's patterns, so --passes does not apply");
  expect_bad_input(base({"--from", scratch_dir().string(), "--steps", "3"}), "so --steps does not apply");
  expect_bad_input(base({"--whole-plan"}), "--whole-plan applies every step of a plan from --from");
  expect_bad_input(base({"--from", scratch_dir().string()}), ": not an hwnas experiment");
  expect_bad_input(base({"--from", scratch_dir().string(), "--all"}), "--all lists every ranked candidate");
  expect_bad_input(base({"--passes", ""}), "--passes '': no pass named; give a comma-separated list of ibn_to_fused");
  expect_bad_input(base({"--passes", "ibn_to_fused,"}), "--passes '': no pass named");
  write_temp("board.csv", "index,arch,lat_ms_dev\n0,a,3.5\n");
  const std::string table =
      write_temp("board.yaml", "name: board\nkind: table\ncsv: board.csv\nlatency_column: lat_ms_dev\n");
  expect_bad_input(base({"--target", table}), "table of whole-network latencies");
  expect_bad_input({"advise", kModel, "--estimator", est, "--out", "x.txt"}, "--out");
  expect_bad_input({"advise", model_file, "--estimator", est, "--out", model_file}, "the model (MODEL)");
  const std::string est_json = (scratch_dir() / "p16.json").string();  // an estimator file may have any name
  fs::copy_file(est, est_json, fs::copy_options::overwrite_existing);
  expect_bad_input({"advise", kModel, "--estimator", est_json, "--out", est_json}, "the estimator (--estimator)");
  expect_bad_input(base({"--summary", (scratch_dir() / "s.txt").string()}), "--summary");
  expect_bad_input(base({"--steps", "-1"}), "--steps");
  EXPECT_FALSE(fs::exists(out));
  EXPECT_FALSE(fs::exists(scratch_dir() / "s.txt"));
}

}  // namespace
}  // namespace hwnas::testing
