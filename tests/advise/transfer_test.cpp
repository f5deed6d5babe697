// Transfer of search results (transfer.h): patterns read from experiment stores written
// here (a hand-made Pareto front of mobilenet-det members, and a real tiny search), the
// plan they give mobilenet_v2, and the one-line errors.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <sstream>
#include <fstream>

#include "hwnas/advise/transfer.h"
#include "hwnas/base/error.h"
#include "hwnas/search/experiment_config.h"
#include "hwnas/search/experiment_store.h"
#include "hwnas/search/run_search.h"
#include "hwnas/space/models.h"
#include "space/user_error.h"
#include "support/scratch_dir.h"

namespace hwnas::advise {
namespace {

namespace fs = std::filesystem;

const testing::ScratchDir& scratch() {
  static const testing::ScratchDir dir("hwnas_transfer_test");
  return dir;
}

std::string fresh_dir(const std::string& name) {
  const fs::path dir = scratch().path() / name;
  fs::remove_all(dir);
  return dir.string();
}

// `genome` with gene `name` set to the choice labelled `label`.
void set_gene(const space::Space& s, space::Genome& genome, const std::string& name, const std::string& label) {
  for (std::size_t g = 0; g < s.genes().size(); ++g) {
    if (s.genes()[g].name != name) continue;
    const std::vector<std::string>& choices = s.genes()[g].choices;
    const auto it = std::find(choices.begin(), choices.end(), label);
    ASSERT_NE(it, choices.end()) << name << " has no choice " << label;
    genome.genes[g] = static_cast<std::uint16_t>(it - choices.begin());
    return;
  }
  FAIL() << "no gene " << name;
}

struct Member {
  space::Genome genome;
  std::vector<double> fitness;  // accuracy, -latency_ms
  search::TrialStatus status = search::TrialStatus::ok;
};

// An experiment store of `space_text` holding `members` as its trials, as a search with
// objectives accuracy and -latency_ms on edgetpu-like (P = 64) would have written it.
std::string write_experiment(const std::string& name, const std::string& space_text,
                             const std::function<std::vector<Member>(const space::Space&)>& members) {
  const std::string dir = fresh_dir(name);
  const std::string text = "space: " + space_text +
                           "\nlatency: {target: edgetpu-like}\naccuracy: {command: [python3, proxy.py, '{model}']}\n"
                           "objective: {maximize: [accuracy, -latency_ms]}\nstrategy: nsga2\nbudget: {trials: 10}\n";
  const search::ExperimentConfig config =
      search::parse_experiment_config(text, (scratch().path() / "exp.yaml").string(), scratch().path().string(), {});
  const std::unique_ptr<space::Space> s = search::make_experiment_space(config);
  search::ExperimentInfo info;
  info.config_yaml = search::normalised_yaml(config.root);
  info.experiment_file = (scratch().path() / "exp.yaml").string();
  info.base_dir = scratch().path().string();
  info.space = s->name();
  info.strategy = "nsga2";
  info.objective_names = {"accuracy", "-latency_ms"};
  if (const std::optional<space::Genome> b = s->baseline()) info.baseline_genome = space::to_text(*b);
  info.space_fingerprint = space::fingerprint(*s);
  search::ExperimentStore store = search::ExperimentStore::create(dir, info);
  std::vector<search::Trial> trials;
  std::vector<std::vector<double>> fitness;
  for (const Member& m : members(*s)) {
    search::Trial t;
    t.index = static_cast<std::int64_t>(trials.size());
    t.genome = s->canonical(m.genome);
    t.arch = s->arch(t.genome);
    t.status = m.status;
    t.feasible = m.status == search::TrialStatus::ok;
    if (t.feasible) t.metrics.accuracy = m.fitness[0], t.metrics.latency_ms = -m.fitness[1];
    trials.push_back(t);
    fitness.push_back(t.feasible ? m.fitness : std::vector<double>{});
  }
  store.commit_step(trials, fitness, {});
  return dir;
}

// Three Pareto members of mobilenet-det (MobileNetV2's 17 IBNs: quarters hold blocks 0-3,
// 4-7, 8-12, 13-16) and one dominated member that fuses every stage:
//   A: stages 2 and 3 fused (blocks 1-5), stages 6 and 7 kernel 5 and 192 channels;
//   B: stage 2 fused (blocks 1-2), stages 6 and 7 kernel 5 and 192 channels;
//   C: stages 2 and 3 fused.
std::vector<Member> det_members(const space::Space& s) {
  const space::Genome base = *s.baseline();
  const auto fuse = [&](space::Genome& g, int stage, int layers) {
    for (int l = 1; l <= layers; ++l) set_gene(s, g, fmt::format("stage{}.layer{}.block", stage, l), "fused_ibn");
  };
  const auto late_k5_aligned = [&](space::Genome& g) {
    for (int l = 1; l <= 3; ++l) set_gene(s, g, fmt::format("stage6.layer{}.kernel", l), "5");
    set_gene(s, g, "stage7.layer1.kernel", "5");
    set_gene(s, g, "stage6.channels", "192");
  };
  Member a{base, {80, -3}}, b{base, {75, -2}}, c{base, {70, -1}}, d{base, {60, -4}};
  fuse(a.genome, 2, 2), fuse(a.genome, 3, 3), late_k5_aligned(a.genome);
  fuse(b.genome, 2, 2), late_k5_aligned(b.genome);
  fuse(c.genome, 2, 2), fuse(c.genome, 3, 3);
  for (int stage = 2; stage <= 7; ++stage) fuse(d.genome, stage, stage == 4 ? 4 : stage == 7 ? 1 : stage == 2 ? 2 : 3);
  Member infeasible{base, {}, search::TrialStatus::infeasible};
  return {a, b, c, d, infeasible};
}

TEST(Transfer, QuartersOfRelativeDepth) {
  const auto sizes = [](std::size_t n) {
    std::vector<int> count(kDepthBuckets);
    for (std::size_t i = 0; i < n; ++i) ++count[static_cast<std::size_t>(depth_bucket(i, n))];
    return count;
  };
  EXPECT_EQ(sizes(17), (std::vector<int>{4, 4, 5, 4}));  // MobileNetV2's IBNs
  EXPECT_EQ(sizes(4), (std::vector<int>{1, 1, 1, 1}));
  EXPECT_EQ(sizes(2), (std::vector<int>{0, 1, 0, 1}));   // depths 0.25 and 0.75 open the 2nd and 4th quarters
  EXPECT_EQ(depth_bucket(0, 1), 2);                        // depth 0.5
  EXPECT_EQ(depth_label(3), "75-100%");
  const graph::Graph v2 = space::build_zoo_model("mobilenet_v2");
  ASSERT_EQ(ibn_like_blocks(v2).size(), 17u);
  EXPECT_EQ(v2.block_name(ibn_like_blocks(v2).front()), "features.1");
}

TEST(Transfer, PatternsOfAParetoFrontByQuarter) {
  const std::string dir = write_experiment("det", "mobilenet-det", det_members);
  const TransferPatterns p = read_patterns(dir);
  EXPECT_EQ(p.space, "mobilenet-det");
  EXPECT_EQ(p.parallelism_factor, 64);
  EXPECT_EQ(p.pareto_trials, (std::vector<std::int64_t>{0, 1, 2}));  // d is dominated, the last infeasible
  ASSERT_EQ(p.depths.size(), 4u);
  for (const DepthPattern& d : p.depths) EXPECT_EQ(d.architectures, 3);
  // Quarter 0 (blocks 0-3): A and C fuse 3 of 4 blocks, B 2 of 4 (not more than half).
  EXPECT_EQ(p.depths[0].fused, 2);
  EXPECT_EQ(p.depths[0].kernels, (std::map<std::int32_t, int>{{3, 3}}));
  EXPECT_EQ(p.depths[0].aligned, 0);
  // Quarter 1 (blocks 4-7): A and C fuse stage 3's last two of four.
  EXPECT_EQ(p.depths[1].fused, 0);
  // Quarter 3 (blocks 13-16, stages 6 and 7): A and B have kernel 5 and channels 192 and
  // 320, expanded 576, 1152, 1152, 1152: multiples of 64.
  EXPECT_EQ(p.depths[3].kernels, (std::map<std::int32_t, int>{{3, 1}, {5, 2}}));
  EXPECT_EQ(p.depths[3].aligned, 2);
  // Expansion: 6 everywhere but stage 1's IBN (expanded 32 from 32 channels: 1).
  EXPECT_DOUBLE_EQ(p.depths[0].expansion, (1.0 + 6 + 6 + 6) / 4);
  EXPECT_DOUBLE_EQ(p.depths[3].expansion, 6.0);
  ASSERT_TRUE(p.depths[0].baseline.has_value());
  EXPECT_FALSE(p.depths[0].baseline->fused);
  EXPECT_EQ(p.depths[0].baseline->kernel, 3);
  EXPECT_EQ(p.depths[0].baseline->blocks, 4);
  EXPECT_FALSE(p.depths[3].baseline->aligned);  // 160 channels

  const nlohmann::ordered_json j = patterns_json(p);
  EXPECT_EQ(j["depths"][3]["kernels"]["5"], 2);
  EXPECT_EQ(j["depths"][0]["depth"], "0-25%");
  EXPECT_EQ(j["parallelism_factor"], 64);
  const std::string text = patterns_text(p);
  EXPECT_NE(text.find("3 Pareto architectures"), std::string::npos) << text;
  EXPECT_NE(text.find("0-25%        3  2/3 (ibn)"), std::string::npos) << text;
  EXPECT_NE(text.find("k3 1, k5 2 (k3)"), std::string::npos) << text;  // the last quarter
  EXPECT_NE(text.find("2/3 (no)"), std::string::npos) << text;         // aligned there
}

TEST(Transfer, PlanForMobileNetV2FollowsThePatterns) {
  const TransferPatterns p = read_patterns(write_experiment("det_plan", "mobilenet-det", det_members));
  const graph::Graph v2 = space::build_zoo_model("mobilenet_v2");
  const TransferPlan plan = make_transfer_plan(v2, p);
  std::vector<std::string> steps;
  for (const PlannedStep& s : plan.steps) {
    std::string line = s.pass + " " + s.site;
    for (const auto& [k, v] : s.params) line += " " + k + "=" + v;
    steps.push_back(line);
  }
  // features.1-4 are the first quarter of its 17 IBNs, features.14-17 the last.
  EXPECT_EQ(steps, (std::vector<std::string>{"ibn_to_fused features.1", "ibn_to_fused features.2",
                                             "ibn_to_fused features.3", "ibn_to_fused features.4",
                                             "change_kernel features.14 kernel=5",
                                             "align_channels features.14 direction=up p=64",
                                             "change_kernel features.15 kernel=5", "change_kernel features.16 kernel=5",
                                             "change_kernel features.17 kernel=5"}))
      << plan_text(plan);
  EXPECT_EQ(plan.steps[0].why, "fused in 2 of 3 Pareto architectures at depth 0-25% (the space's baseline: ibn)");
  EXPECT_EQ(plan.steps[4].why, "kernel 5 in 2 of 3 Pareto architectures at depth 75-100% (the space's baseline: kernel 3)");
  // Aligning features.14 to 192 channels carried its residual chain (features.15, 16) along.
  EXPECT_TRUE(plan.skipped.empty()) << plan_text(plan);
  EXPECT_EQ(plan_transfer(v2, p).size(), plan.steps.size());

  // The rewritten graph is the steps applied in order.
  graph::Graph g = v2;
  for (const PlannedStep& s : plan.steps) {
    const Pass& pass = find_pass(s.pass);
    PassResult r = apply_pass(g, pass, find_site(g, pass, s.site), resolve_params(pass, s.params));
    ASSERT_TRUE(r.graph) << r.why_not;
    g = std::move(*r.graph);
  }
  EXPECT_TRUE(g.identical(plan.rewritten));
  const nlohmann::ordered_json j = plan_json(plan);
  EXPECT_EQ(j["steps"][5]["params"]["p"], "64");
  EXPECT_EQ(j["skipped"].size(), 0u);
}

TEST(Transfer, StepsAPassRefusesAreListedWithItsReason) {
  // depthwise_to_full drops features.2's spec (no spec describes an IBN with a full conv),
  // so ibn_to_fused refuses it; the plan goes on with the other blocks.
  const TransferPatterns p = read_patterns(write_experiment("det_skip", "mobilenet-det", det_members));
  const graph::Graph v2 = space::build_zoo_model("mobilenet_v2");
  const Pass& full = find_pass("depthwise_to_full");
  PassResult r = apply_pass(v2, full, find_site(v2, full, "features.2"), resolve_params(full, {}));
  ASSERT_TRUE(r.graph) << r.why_not;
  const TransferPlan plan = make_transfer_plan(*r.graph, p);
  ASSERT_EQ(plan.skipped.size(), 1u) << plan_text(plan);
  EXPECT_EQ(plan.skipped[0].step.pass, "ibn_to_fused");
  EXPECT_EQ(plan.skipped[0].step.site, "features.2");
  EXPECT_NE(plan.skipped[0].why_not.find("spec"), std::string::npos) << plan.skipped[0].why_not;
  EXPECT_EQ(plan.steps.size(), 8u) << plan_text(plan);
  EXPECT_NE(plan_text(plan).find("1 steps did not apply\n  ibn_to_fused at features.2: fused in 2 of 3"),
            std::string::npos)
      << plan_text(plan);
  EXPECT_EQ(plan_json(plan)["skipped"][0]["why_not"], plan.skipped[0].why_not);
}

TEST(Transfer, PatternsOfARealSearch) {
  // A real NSGA-II search of mobilenet-cls on edgetpu-like: 24 trials, memory and latency.
  const fs::path file = scratch().path() / "real.yaml";
  std::ofstream(file) << "space: mobilenet-cls\nlatency: {target: edgetpu-like}\n"
                         "objective: {maximize: [-latency_ms, -peak_activation_bytes]}\n"
                         "strategy: {name: nsga2, population: 8}\nbudget: {trials: 24}\nseed: 3\n";
  const std::string dir = fresh_dir("real");
  const search::SearchResult result = search::run_search(search::read_experiment_config(file.string(), {}), dir, false, {});
  const TransferPatterns p = read_patterns(dir);
  ASSERT_FALSE(p.pareto_trials.empty());
  EXPECT_EQ(p.pareto_trials.size(), search::pareto_trials(result.record).size());
  for (const DepthPattern& d : p.depths) {
    EXPECT_EQ(d.architectures, static_cast<int>(p.pareto_trials.size()));  // every member has 4+ IBNs
    int kernels = 0;
    for (const auto& [k, n] : d.kernels) {
      kernels += n;
      EXPECT_TRUE(k == 3 || k == 5) << k;
    }
    EXPECT_EQ(kernels, d.architectures);
    EXPECT_LE(d.fused, d.architectures);
  }
  const TransferPlan plan = make_transfer_plan(space::build_zoo_model("mobilenet_v2"), p);
  for (const PlannedStep& s : plan.steps) EXPECT_NE(s.why.find("Pareto architectures at depth"), std::string::npos);
}

using space::error_of;
using space::expect_message;

TEST(Transfer, Errors) {
  const std::string empty = fresh_dir("empty");
  fs::create_directories(empty);
  expect_message(error_of([&] { read_patterns(empty); }), {empty + ": not an hwnas experiment"});

  const std::string none = write_experiment("infeasible", "mobilenet-det", [](const space::Space& s) {
    return std::vector<Member>{{*s.baseline(), {}, search::TrialStatus::infeasible}};
  });
  expect_message(error_of([&] { read_patterns(none); }),
                 {none + ": no trial of the experiment is ok and feasible", "no Pareto front", "--resume"});

  const std::string nb201 = write_experiment("nb201", "nb201", [](const space::Space& s) {
    return std::vector<Member>{{space::Genome{std::vector<std::uint16_t>(s.genes().size(), 3)}, {90, -1}}};
  });
  expect_message(error_of([&] { read_patterns(nb201); }),
                 {nb201 + ": space 'nb201' has no IBN or fused-IBN blocks", "mobilenet-det"});

  // A space file edited since the search, then removed.
  const fs::path space_file = scratch().path() / "blocks.yaml";
  fs::copy_file(fs::path(HWNAS_SOURCE_DIR) / "bench/transfer/mobilenet-cls-blocks.yaml", space_file,
                fs::copy_options::overwrite_existing);
  const std::string edited = write_experiment("edited", space_file.string(), [](const space::Space& s) {
    return std::vector<Member>{{*s.baseline(), {90, -1}}};
  });
  std::string text = (std::ostringstream() << std::ifstream(space_file).rdbuf()).str();
  text.replace(text.find("kernel: [3, 5]"), 14, "kernel: [3, 7]");
  std::ofstream(space_file) << text;
  expect_message(error_of([&] { read_patterns(edited); }),
                 {edited + ": space 'mobilenet-cls-blocks' has changed since the search ran"});
  fs::remove(space_file);
  expect_message(error_of([&] { read_patterns(edited); }),
                 {edited + ": the experiment's space cannot be rebuilt from its stored config", "blocks.yaml"});

  const TransferPatterns p = read_patterns(write_experiment("det_err", "mobilenet-det", det_members));
  expect_message(error_of([&] { make_transfer_plan(space::build_zoo_model("resnet18"), p); }),
                 {"model 'resnet18': no IBN or fused-IBN block", "det_err"});
}

}  // namespace
}  // namespace hwnas::advise
