// Below 60 training rows, fit --table weighs its ensemble against a blend with a ridge
// regression on the other devices' log latencies (table_candidates.h), and the file keeps
// each member's weight in the geometric mean.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <numeric>
#include <random>

#include "hwnas/base/error.h"
#include "hwnas/estimate/table_candidates.h"
#include "hwnas/estimate/table_fit.h"
#include "hwnas/search/table_estimator_inputs.h"
#include "hwnas/space/nb201.h"
#include "support/scratch_dir.h"

namespace hwnas::estimate {
namespace {

std::string blend_scratch(const std::string& name) {
  static const testing::ScratchDir dir("hwnas_table_blend_test");
  return (dir.path() / name).string();
}

// Rows whose features are drawn at random: op counts (5 labels, 6 edges) and the log
// latencies of `devices` other devices, log-uniform over 1-100 ms, independent of the counts.
std::vector<TableRow> random_rows(int n, std::size_t devices, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> op(0, 4);
  std::uniform_real_distribution<double> log_ms(0, std::log(100.0));
  std::vector<TableRow> rows(static_cast<std::size_t>(n));
  for (TableRow& r : rows) {
    r.counts.assign(5, 0);
    for (int e = 0; e < 6; ++e) ++r.counts[static_cast<std::size_t>(op(rng))];
    for (std::size_t d = 0; d < devices; ++d) r.others.push_back(log_ms(rng));
  }
  return rows;
}

std::vector<std::size_t> first(std::size_t n) {
  std::vector<std::size_t> train(n);
  std::iota(train.begin(), train.end(), 0);
  return train;
}

// The target is a product of powers of six other devices' latencies: linear in their logs,
// which the ensemble (at most two other devices at 20 rows, or all of them beside the op
// counts) cannot match as closely as the ridge on all of them: the ridge alone is chosen.
TEST(TableBlend, TheRidgeOnLogLatenciesRecoversAMultiplicativeRelation) {
  const std::vector<TableRow> rows = random_rows(200, 6, 1);
  std::vector<double> ms;
  for (const TableRow& r : rows) {
    const auto& o = r.others;
    ms.push_back(3.0 * std::exp(0.3 * o[0] + 0.25 * o[1] + 0.2 * o[2] + 0.15 * o[3] + 0.1 * o[4] + 0.1 * o[5]));
  }
  const TableChoice choice = choose_table_members(rows, ms, first(20));
  ASSERT_EQ(choice.mix, TableMix::ridge);
  ASSERT_TRUE(choice.ensemble_loss && choice.blend_loss && choice.ridge_loss);
  EXPECT_LT(*choice.ridge_loss, 0.5 * *choice.blend_loss);
  ASSERT_EQ(choice.members.size(), 1u);
  const TableMember& ridge = choice.members.front().member;
  EXPECT_FALSE(ridge.counts || ridge.live || ridge.simulated || ridge.one_hot);
  EXPECT_EQ(ridge.others, (std::vector<std::size_t>{0, 1, 2, 3, 4, 5}));
  EXPECT_TRUE(ridge.log_target);
  EXPECT_DOUBLE_EQ(ridge.weight, 1.0);
  // On the 180 rows it never saw: within 2% (ridge shrinks a little).
  double within = 0;
  for (std::size_t i = 20; i < rows.size(); ++i)
    within += std::fabs(predict_table_ms({ridge}, rows[i]) / ms[i] - 1) <= 0.02;
  EXPECT_GE(within / 180, 0.95);
}

// Half of the latency follows the op counts, half the other devices: neither side alone is
// clearly better than their blend, whose members weigh 1/2 on each side.
TEST(TableBlend, BlendsWhenNeitherSideIsClearlyBetter) {
  const std::vector<TableRow> rows = random_rows(200, 6, 5);
  std::vector<double> ms;
  for (const TableRow& r : rows) {
    double others = 0;
    for (double o : r.others) others += o / 6;
    ms.push_back((1 + r.counts[0] + 0.5 * r.counts[1]) * std::exp(others));
  }
  const TableChoice choice = choose_table_members(rows, ms, first(20));
  ASSERT_EQ(choice.mix, TableMix::blend);
  EXPECT_GE(*choice.ensemble_loss, 0.5 * *choice.blend_loss);
  EXPECT_GE(*choice.ridge_loss, 0.5 * *choice.blend_loss);
  ASSERT_GE(choice.members.size(), 2u);
  const TableMember& ridge = choice.members.back().member;
  EXPECT_FALSE(ridge.counts);
  EXPECT_DOUBLE_EQ(ridge.weight, 0.5);
  double ensemble_weight = 0;
  for (std::size_t k = 0; k + 1 < choice.members.size(); ++k) {
    EXPECT_TRUE(choice.members[k].member.counts);
    ensemble_weight += choice.members[k].member.weight;
  }
  EXPECT_NEAR(ensemble_weight, 0.5, 1e-12);
}

// When the op counts give the latency exactly and the other devices are noise, the
// ensemble is clearly better and is kept alone, its members weighed alike.
TEST(TableBlend, KeepsTheEnsembleWhenItIsClearlyBetter) {
  const std::vector<TableRow> rows = random_rows(100, 4, 2);
  std::vector<double> ms;
  for (const TableRow& r : rows) ms.push_back(2 + 3 * r.counts[0] + 1 * r.counts[1] + 0.5 * r.counts[2]);
  const TableChoice choice = choose_table_members(rows, ms, first(20));
  EXPECT_EQ(choice.mix, TableMix::ensemble);
  ASSERT_TRUE(choice.ensemble_loss && choice.blend_loss);
  EXPECT_LT(*choice.ensemble_loss, 0.5 * *choice.blend_loss);
  for (const ScoredMember& m : choice.members) {
    EXPECT_TRUE(m.member.counts);
    EXPECT_DOUBLE_EQ(m.member.weight, 1.0);
  }
}

// From 60 rows, or with no other device, nothing is weighed: the ensemble as before.
TEST(TableBlend, OnlyBelowSixtyRowsAndWithOtherDevices) {
  const std::vector<TableRow> rows = random_rows(100, 3, 3);
  std::vector<double> ms;
  for (const TableRow& r : rows) ms.push_back(std::exp(0.5 * r.others[0] + 0.5 * r.others[1]));
  const TableChoice many = choose_table_members(rows, ms, first(60));
  EXPECT_EQ(many.mix, TableMix::ensemble);
  EXPECT_FALSE(many.ensemble_loss.has_value());
  std::vector<TableRow> alone = rows;
  for (TableRow& r : alone) r.others.clear();
  const TableChoice none = choose_table_members(alone, ms, first(20));
  EXPECT_EQ(none.mix, TableMix::ensemble);
  EXPECT_FALSE(none.ensemble_loss.has_value());
}

std::string nb201_arch(std::mt19937_64& rng) {
  static const auto space = space::make_nb201_space();
  return space->arch(space::sample(*space, rng));
}

// The file records each member's weight ("blend_weight"); hwnas estimate predicts with
// it what fit predicted; a weight that is not above 0 is refused, naming the key.
TEST(TableBlend, TheFileKeepsTheWeights) {
  std::mt19937_64 rng(4);
  std::uniform_real_distribution<double> log_ms(0, std::log(50.0));
  std::string csv = "arch,lat_ms_dev,lat_a,lat_b,lat_c,lat_d,lat_e,lat_f\n";
  for (int i = 0; i < 60; ++i) {
    const std::string arch = nb201_arch(rng);
    double o[6], ms = 1;  // as in BlendsWhenNeitherSideIsClearlyBetter
    for (std::size_t p = 0; (p = arch.find("nor_conv_3x3", p)) != std::string::npos; ++p) ms += 1;
    for (std::size_t p = 0; (p = arch.find("nor_conv_1x1", p)) != std::string::npos; ++p) ms += 0.5;
    for (double& v : o) ms *= std::pow(v = std::exp(log_ms(rng)), 1.0 / 6);
    csv += fmt::format("{},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f}\n", arch, ms, o[0], o[1], o[2], o[3], o[4], o[5]);
  }
  const std::string path = blend_scratch("w.csv"), est = blend_scratch("w.est");
  std::ofstream(path) << csv;
  const auto summary = fit_table({path, "arch", "lat_ms_dev", 20, 1}, *space::make_nb201_space(),
                                 search::make_table_simulators(), est);
  ASSERT_EQ(summary["train"]["mix"], "blend") << summary["train"].dump();
  EXPECT_GE(summary["train"]["loo_ensemble_nested"].get<double>(), 0.5 * summary["train"]["loo_blend"].get<double>());
  EXPECT_GE(summary["train"]["loo_ridge"].get<double>(), 0.5 * summary["train"]["loo_blend"].get<double>());
  nlohmann::json doc = nlohmann::json::parse(std::ifstream(est));
  EXPECT_DOUBLE_EQ(doc["members"].back()["blend_weight"].get<double>(), 0.5);
  EXPECT_EQ(doc["members"].back()["features"]["counts"], false);
  const TableEstimator e = search::load_table_estimator(doc, est);
  const auto holdout = e.validate_holdout();
  EXPECT_DOUBLE_EQ(holdout["within_10pct"].get<double>(), summary["holdout"]["within_10pct"].get<double>());
  EXPECT_DOUBLE_EQ(holdout["rmse_ms"].get<double>(), summary["holdout"]["rmse_ms"].get<double>());
  // Without the weights (as files before them read), the members weigh alike: other figures.
  nlohmann::json alike = doc;
  for (auto& m : alike["members"]) m.erase("blend_weight");
  EXPECT_NE(search::load_table_estimator(alike, est).validate_holdout()["rmse_ms"].get<double>(),
            holdout["rmse_ms"].get<double>());

  doc["members"][0]["blend_weight"] = -1;
  try {
    search::load_table_estimator(doc, est);
    ADD_FAILURE() << "no error";
  } catch (const UserError& err) {
    EXPECT_NE(std::string(err.what()).find("key 'members[].blend_weight' must be above 0"), std::string::npos)
        << err.what();
  }
}

}  // namespace
}  // namespace hwnas::estimate
