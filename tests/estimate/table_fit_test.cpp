// Learning from whole-network tables: statistics, ridge, fit_table and its errors.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "hwnas/estimate/ridge.h"
#include "hwnas/estimate/stats.h"
#include "hwnas/estimate/table_fit.h"
#include "hwnas/base/error.h"
#include "hwnas/base/csv.h"
#include "hwnas/hw/targets/targets.h"
#include "hwnas/space/nb201.h"
#include "hwnas/search/table_estimator_inputs.h"
#include "support/scratch_dir.h"

namespace hwnas::estimate {
namespace {

const space::Space& nb201() {
  static const auto space = space::make_nb201_space();
  return *space;
}

std::string random_nb201_arch(std::mt19937_64& rng) { return nb201().arch(space::sample(nb201(), rng)); }

nlohmann::json fit(const TableFitOptions& o, const std::string& out) {
  return fit_table(o, nb201(), search::make_table_simulators(), out);
}

std::string table_scratch(const std::string& name) {
  static const testing::ScratchDir dir("hwnas_table_test");
  return (dir.path() / name).string();
}

TEST(Stats, RankCorrelations) {
  const std::vector<double> a = {1, 2, 3, 4, 5}, b = {10, 20, 30, 40, 50}, c = {5, 4, 3, 2, 1};
  EXPECT_NEAR(spearman(a, b), 1.0, 1e-12);
  EXPECT_NEAR(spearman(a, c), -1.0, 1e-12);
  EXPECT_NEAR(kendall(a, b), 1.0, 1e-12);
  EXPECT_NEAR(kendall(a, c), -1.0, 1e-12);
  // One swapped pair of 5: 9 concordant, 1 discordant.
  EXPECT_NEAR(kendall(a, std::vector<double>{1, 2, 3, 5, 4}), 0.8, 1e-12);
  EXPECT_NEAR(spearman(a, std::vector<double>{1, 2, 3, 5, 4}), 0.9, 1e-12);
}

TEST(Stats, Agreement) {
  const std::vector<double> measured = {1e-3, 2e-3, 4e-3, 8e-3};
  const std::vector<double> predicted = {1.04e-3, 2.3e-3, 4e-3, 7.9e-3};
  const auto j = agreement(measured, predicted);
  EXPECT_DOUBLE_EQ(j["within_10pct"].get<double>(), 0.75);
  EXPECT_DOUBLE_EQ(j["within_5pct"].get<double>(), 0.75);
  EXPECT_NEAR(j["spearman"].get<double>(), 1.0, 1e-12);
}

TEST(Ridge, RecoversALinearFunction) {
  std::mt19937_64 rng(3);
  std::normal_distribution<double> noise(0, 0.01);
  std::vector<std::vector<double>> x;
  std::vector<double> y;
  for (int i = 0; i < 40; ++i) {
    const double a = i % 7, b = (i * 3) % 11;
    x.push_back({a, b});
    y.push_back(2 + 3 * a - 0.5 * b + noise(rng));
  }
  const RidgeModel m = fit_ridge(x, y, {1e-6, 1e-3, 1, 100});
  EXPECT_NEAR(m.predict({4, 6}), 2 + 12 - 3, 0.05);
  EXPECT_LT(m.lambda, 1.0);
  EXPECT_EQ(m.loo_residuals.size(), 40u);
}

// λ is chosen by the caller's loss: squared error lets two wild rows pull λ up until the
// slope shrinks towards them; a capped loss ignores them and keeps the clean rows' slope.
TEST(Ridge, ChoosesLambdaByTheGivenLoss) {
  std::vector<std::vector<double>> x;
  std::vector<double> y;
  for (int i = 0; i < 30; ++i) {
    x.push_back({double(i)});
    y.push_back(i == 3 || i == 26 ? 50.0 - 2.0 * i : 2.0 * i + 0.01 * (i % 3));
  }
  const std::vector<double> lambdas = {1e-4, 1, 10, 100, 1000};
  const RidgeModel squared = fit_ridge(x, y, lambdas);
  const auto capped = [](std::size_t, double e) { return std::min(e * e, 1.0); };
  const RidgeModel robust = fit_ridge(x, y, lambdas, capped);
  EXPECT_GT(squared.lambda, robust.lambda);
  EXPECT_DOUBLE_EQ(robust.lambda, 1e-4);
  double mean = 0;
  for (std::size_t i = 0; i < y.size(); ++i) mean += capped(i, robust.loo_residuals[i]) / double(y.size());
  EXPECT_NEAR(robust.loo_loss, mean, 1e-12);
}

// A limit on degrees of freedom moves λ up until the fit spends no more than it; a limit
// nothing meets keeps the largest λ.
TEST(Ridge, KeepsDegreesOfFreedomWithinTheLimit) {
  std::mt19937_64 rng(8);
  std::normal_distribution<double> noise(0, 1);
  std::vector<std::vector<double>> x;
  std::vector<double> y;
  for (int i = 0; i < 12; ++i) {
    std::vector<double> row;
    for (int j = 0; j < 9; ++j) row.push_back(noise(rng));
    y.push_back(row[0] + 0.01 * noise(rng));
    x.push_back(row);
  }
  const std::vector<double> lambdas = {1e-4, 1e-2, 1, 10, 100, 1e4};
  const RidgeModel free = fit_ridge(x, y, lambdas);
  EXPECT_GT(free.df, 4.0);
  const RidgeModel limited = fit_ridge(x, y, lambdas, {}, 4.0);
  EXPECT_LE(limited.df, 4.0);
  EXPECT_GT(limited.lambda, free.lambda);
  const RidgeModel impossible = fit_ridge(x, y, lambdas, {}, 0.5);  // the intercept alone is 1
  EXPECT_DOUBLE_EQ(impossible.lambda, 1e4);
}

// A table whose latency is a known function of the architecture: conv3 edges cost 3 ms,
// conv1 1 ms, pools 0.5 ms, plus 2 ms; a second "device" column is a noisy copy.
std::string synthetic_table(int rows, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> noise(0, 0.02);
  std::string csv = "index,arch,lat_ms_dev,lat_ms_other\n";
  for (int i = 0; i < rows; ++i) {
    const std::string arch = random_nb201_arch(rng);
    double ms = 2;
    for (std::size_t p = 0; (p = arch.find("nor_conv_3x3", p)) != std::string::npos; ++p) ms += 3;
    for (std::size_t p = 0; (p = arch.find("nor_conv_1x1", p)) != std::string::npos; ++p) ms += 1;
    for (std::size_t p = 0; (p = arch.find("avg_pool_3x3", p)) != std::string::npos; ++p) ms += 0.5;
    csv += std::to_string(i) + "," + arch + "," + std::to_string(ms) + "," + std::to_string(ms * (1 + noise(rng))) + "\n";
  }
  return csv;
}

TEST(TableFit, LearnsAKnownTableFromFewRows) {
  const std::string csv = table_scratch("t.csv");
  std::ofstream(csv) << synthetic_table(300, 5);
  TableFitOptions o{csv, "arch", "lat_ms_dev", 20, 1};
  const auto r = fit(o, table_scratch("t.est"));
  EXPECT_EQ(r["holdout"]["count"].get<int>(), 280);
  EXPECT_GT(r["holdout"]["spearman"].get<double>(), 0.98);
  EXPECT_GT(r["holdout"]["within_10pct"].get<double>(), 0.95);
  std::ifstream est(table_scratch("t.est"));
  EXPECT_EQ(nlohmann::json::parse(est)["format"], "hwnas-table-estimator");
}

TEST(TableFit, AveragesSeveralModelsFromSixtyRows) {
  const std::string csv = table_scratch("t80.csv");
  std::ofstream(csv) << synthetic_table(300, 7);
  TableFitOptions o{csv, "arch", "lat_ms_dev", 80, 2};
  const auto r = fit(o, table_scratch("t80.est"));
  EXPECT_EQ(r["members"].size(), 5u);
  EXPECT_GT(r["holdout"]["within_10pct"].get<double>(), 0.95);
  std::ifstream est(table_scratch("t80.est"));
  const auto doc = nlohmann::json::parse(est);
  EXPECT_EQ(doc["members"].size(), 5u);
  EXPECT_EQ(doc["combine"], "geometric_mean");
  // Members are ordered by their leave-one-out error.
  EXPECT_LE(doc["members"][0]["loo_score"].get<double>(), doc["members"][4]["loo_score"].get<double>());
}

TEST(TableFit, WritesEveryRowsPrediction) {
  const std::string csv = table_scratch("tp.csv");
  std::ofstream(csv) << synthetic_table(120, 11);
  TableFitOptions o{csv, "arch", "lat_ms_dev", 30, 3};
  o.predictions = table_scratch("tp.pred.csv");
  const auto r = fit(o, table_scratch("tp.est"));
  const CsvTable in = read_csv(csv), out = read_csv(o.predictions);
  ASSERT_EQ(out.header, (std::vector<std::string>{"row", "line", "arch", "measured_ms", "predicted_ms", "split"}));
  ASSERT_EQ(out.rows.size(), in.rows.size());
  int train = 0;
  double within = 0;
  for (std::size_t i = 0; i < out.rows.size(); ++i) {
    const auto& row = out.rows[i];
    EXPECT_EQ(row[0], std::to_string(i));
    EXPECT_EQ(row[1], std::to_string(i + 2));  // line 1 is the header
    EXPECT_EQ(row[2], in.rows[i][1]);
    EXPECT_EQ(row[3], in.rows[i][2]);
    ASSERT_TRUE(row[5] == "train" || row[5] == "holdout") << row[5];
    if (row[5] == "train") {
      ++train;
    } else {
      within += std::fabs(std::stod(row[4]) / std::stod(row[3]) - 1) <= 0.1;
    }
  }
  EXPECT_EQ(train, 30);
  // The file's hold-out rows are the ones the summary scored.
  EXPECT_NEAR(within / 90, r["holdout"]["within_10pct"].get<double>(), 1e-9);
}

// A distinct NB201 architecture for each i (the table's keys need not be distinct for fit,
// but its features should differ).
std::string random_nb201_arch_of(int i) {
  std::mt19937_64 rng(static_cast<std::uint64_t>(i) + 100);
  return random_nb201_arch(rng);
}

std::string fit_error(const std::string& table, TableFitOptions o) {
  o.csv = table_scratch("bad.csv");
  std::ofstream(o.csv) << table;
  try {
    fit(o, table_scratch("bad.est"));
  } catch (const UserError& e) {
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no error";
  return "";
}

// Another device's column with a cell that is not a number (a missing measurement) is left
// out of the fit with one warning naming the column, line and cell, not dropped silently.
TEST(TableFit, AnotherDevicesColumnWithATextCellIsLeftOutWithAWarning) {
  std::string table = synthetic_table(40, 9);
  const std::string csv = table_scratch("text_cell.csv");
  std::ofstream(csv) << table;
  TableFitOptions o{csv, "arch", "lat_ms_dev", 10, 1};
  const nlohmann::json clean = fit(o, table_scratch("text_cell.est"));
  EXPECT_FALSE(clean.contains("warnings")) << clean.dump();
  const auto line4 = [&] {
    std::size_t at = 0;
    for (int i = 0; i < 3; ++i) at = table.find('\n', at) + 1;
    return at;
  }();
  const auto end = table.find('\n', line4), last = table.rfind(',', end);
  table.replace(last + 1, end - last - 1, "NA");  // lat_ms_other of line 4
  std::ofstream(csv) << table;
  const nlohmann::json r = fit(o, table_scratch("text_cell.est"));
  ASSERT_EQ(r["warnings"].size(), 1u) << r.dump();
  EXPECT_EQ(r["warnings"][0], csv + ":4: column 'lat_ms_other': 'NA' is not a number, so the column is left out of "
                                    "the other devices' latencies; make every cell of it a number to use it");
  for (const auto& m : r["members"]) EXPECT_TRUE(m["other_columns"].empty()) << m.dump();
}

TEST(TableFit, BadTablesAreOneLineErrors) {
  const std::string good = synthetic_table(40, 9);
  TableFitOptions o{"", "arch", "lat_ms_dev", 10, 1};
  TableFitOptions missing = o;
  missing.latency_column = "lat_ms_nope";
  const std::string m = fit_error(good, missing);
  EXPECT_NE(m.find("no column 'lat_ms_nope'"), std::string::npos) << m;
  EXPECT_NE(m.find("lat_ms_other"), std::string::npos) << m;  // lists the columns
  std::string non_numeric = good;
  non_numeric.replace(non_numeric.find(",", non_numeric.find('\n') + 1) + 1, 0, "");
  const auto line3 = non_numeric.find('\n', non_numeric.find('\n') + 1) + 1;  // third line
  const auto comma = non_numeric.rfind(',', non_numeric.find('\n', line3));
  const auto lat = non_numeric.rfind(',', comma - 1);
  non_numeric.replace(lat + 1, comma - lat - 1, "fast");
  const std::string n = fit_error(non_numeric, o);
  EXPECT_NE(n.find(":3: column 'lat_ms_dev'"), std::string::npos) << n;
  std::string bad_arch = good;
  const auto first = bad_arch.find('\n') + 1;
  bad_arch.replace(bad_arch.find(',', first) + 1, 1, "X");
  const std::string a = fit_error(bad_arch, o);
  EXPECT_NE(a.find(":2: column 'arch'"), std::string::npos) << a;
  // A column name given twice: refused, naming both positions (fresh-user finding).
  std::string twice = good;
  twice.replace(0, twice.find('\n'), "index,arch,lat_ms_dev,lat_ms_dev");
  EXPECT_NE(fit_error(twice, o).find("column 'lat_ms_dev' appears twice (columns 3 and 4); rename or remove one"),
            std::string::npos)
      << fit_error(twice, o);
  TableFitOptions too_many = o;
  too_many.train = 39;
  EXPECT_NE(fit_error(good, too_many).find("--train 39"), std::string::npos);
  // The latency column: every cell in (0, 1e7] ms, and not all equal.
  const auto with_latency = [&](const std::string& cell) {
    std::string t = "index,arch,lat_ms_dev\n";
    for (int i = 0; i < 12; ++i) t += std::to_string(i) + "," + random_nb201_arch_of(i) + "," + cell + "\n";
    return t;
  };
  TableFitOptions few = o;
  few.train = 5;
  EXPECT_NE(fit_error(with_latency("0"), few).find(":2: column 'lat_ms_dev': '0' is not a positive number"),
            std::string::npos);
  EXPECT_NE(fit_error(with_latency("1e300"), few).find(":2: column 'lat_ms_dev': '1e300' is more than the largest"),
            std::string::npos);
  EXPECT_NE(fit_error(with_latency("4.5"), few).find("column 'lat_ms_dev': every latency is 4.5 ms"),
            std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(table_scratch("bad.est")));
}

}  // namespace
}  // namespace hwnas::estimate

namespace hwnas::estimate {
namespace {

std::string load_error(const nlohmann::json& doc, const std::string& path, TableSimulators simulators) {
  try {
    TableEstimator::from_json(doc, path, space::make_nb201_space(), std::move(simulators));
  } catch (const UserError& e) {
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no error";
  return "";
}

// An estimator file records the identities of the simulator presets whose latencies are
// its features; a preset edited since the fit changes the features, so the file is refused.
TEST(TableFit, EstimatorRefusesSimulatorPresetsChangedSinceTheFit) {
  const std::string csv = table_scratch("ident.csv");
  std::ofstream(csv) << synthetic_table(40, 13);
  const std::string est = table_scratch("ident.est");
  fit(TableFitOptions{csv, "arch", "lat_ms_dev", 10, 1}, est);
  const nlohmann::json doc = nlohmann::json::parse(std::ifstream(est));
  EXPECT_EQ(doc["version"], kTableEstimatorVersion);
  const TableSimulators presets = search::make_table_simulators();
  ASSERT_EQ(doc["simulators"].size(), presets.size());
  for (std::size_t i = 0; i < presets.size(); ++i) {
    EXPECT_EQ(doc["simulators"][i]["name"], kTableSimulatorPresets[i]);
    EXPECT_EQ(doc["simulators"][i]["identity"], presets[i]->identity());
  }
  // The current presets: it loads and predicts.
  const CsvTable table = read_csv(csv);
  const TableEstimator e = search::load_table_estimator(doc, est);
  EXPECT_GT(e.predict_ms(table.rows[0][1]), 0);
  EXPECT_EQ(e.space().name(), "nb201");

  // ethos-u55-128-like with another clock, under the same name.
  std::string yaml;
  {
    std::ifstream in(hw::preset_dir() / "ethos-u55-128-like.yaml");
    yaml.assign(std::istreambuf_iterator<char>(in), {});
  }
  const std::size_t clock = yaml.find("clock_mhz: 500");
  ASSERT_NE(clock, std::string::npos);
  yaml.replace(clock, 14, "clock_mhz: 400");
  const std::string edited = table_scratch("ethos-u55-128-like.yaml");
  std::ofstream(edited) << yaml;
  TableSimulators changed = search::make_table_simulators();
  changed[1] = hw::make_target(edited);
  const std::string m = load_error(doc, est, std::move(changed));
  EXPECT_NE(m.find(est + ": simulator preset 'ethos-u55-128-like' has changed since the fit"), std::string::npos) << m;
  EXPECT_NE(m.find("refit it with 'hwnas fit --table'"), std::string::npos) << m;

  // Files of version 2 did not record them: refused, saying so.
  nlohmann::json old = doc;
  old["version"] = 2;
  old.erase("simulators");
  const std::string v2 = load_error(old, est, search::make_table_simulators());
  EXPECT_NE(v2.find("'version' is 2, this hwnas reads 3 (version 2 does not record the identities"), std::string::npos)
      << v2;
  nlohmann::json none = doc;
  none.erase("simulators");
  EXPECT_NE(load_error(none, est, search::make_table_simulators()).find("simulators"), std::string::npos);
  nlohmann::json other_space = doc;
  other_space["space"] = "fbnet";
  EXPECT_NE(load_error(other_space, est, search::make_table_simulators()).find("'space' is 'fbnet', not 'nb201'"),
            std::string::npos);
}

}  // namespace
}  // namespace hwnas::estimate
