// `hwnas fit`, `estimate` and `validate` as a user runs them.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "support/cli_runner.h"

namespace hwnas::estimate {
namespace {

using testing::expect_bad_input;
using testing::hwnas;
using testing::Result;
using testing::scratch_dir;
using testing::write_temp;

TEST(EstimateCli, FitEstimateValidate) {
  const std::string db = (scratch_dir() / "m.db").string(), est = (scratch_dir() / "p16.est").string();
  Result r = hwnas({"fit", "--target", "npu-p16", "--db", db, "--out", est, "--budget", "800", "--rounds", "1",
                    "--trees", "50"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("fusion rules (stated by the target): conv_bn_act"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("cross-validated error"), std::string::npos) << r.out;
  r = hwnas({"estimate", "mobilenet_v2", "--estimator", est, "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  for (const char* key : {"latency_ms", "peak_activation_bytes", "weight_bytes", "layers"})
    EXPECT_TRUE(j.contains(key)) << key;
  double sum = 0;
  for (const auto& l : j["layers"]) sum += l["latency_ms"].get<double>();
  EXPECT_NEAR(sum, j["latency_ms"].get<double>(), 1e-9);
  r = hwnas({"validate", "--estimator", est, "--target", "npu-p16", "--networks", "5", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto v = nlohmann::json::parse(r.out);
  for (const char* key : {"within_10pct", "within_5pct", "rmse_ms", "spearman", "networks"})
    EXPECT_TRUE(v.contains(key)) << key;
  expect_bad_input({"validate", "--estimator", est, "--target", "npu-p32", "--networks", "5"}, "fitted for 'npu-p16'");
  expect_bad_input({"validate", "--estimator", est, "--networks", "5"}, "needs --target");
  // The models of the kernels real networks hold, upsample and concat among them.
  for (const std::string model : {std::string("lraspp_mobilenet_v3_large"),
                                  std::string(HWNAS_SOURCE_DIR) + "/examples/models/tiny_residual.json"}) {
    r = hwnas({"estimate", model, "--estimator", est, "--json"});
    ASSERT_EQ(r.status, 0) << model << r.err;
    EXPECT_GT(nlohmann::json::parse(r.out)["latency_ms"].get<double>(), 0) << model;
  }
  // validate's networks hold them too.
  r = hwnas({"validate", "--estimator", est, "--target", "npu-p16", "--networks", "20", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto kinds = nlohmann::json::parse(r.out)["kernel_types"];
  for (const char* type : {"upsample", "concat", "pool", "elementwise", "group_conv"})
    EXPECT_GT(kinds.value(type, 0), 0) << type << " in " << kinds.dump();
  // A model blob XGBoost cannot read: one line naming the file and key, no stack trace.
  std::ifstream in(est);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto at = text.find("\"model_ubj_base64\": \"") + 21;
  text.erase(at + 64, text.find('"', at) - at - 64);
  const std::string cut = write_temp("cut.est", text);
  expect_bad_input({"estimate", "mobilenet_v2", "--estimator", cut}, cut + ": not a valid hwnas estimator file: 'models.");
  expect_bad_input({"validate", "--estimator", cut, "--target", "npu-p16"}, "corrupt or truncated");
}

// A budget below the lane sweeps and the kernels every type needs is refused before any
// file is created, naming the minimum.
TEST(EstimateCli, FitRefusesTooSmallABudget) {
  const std::string db = (scratch_dir() / "tiny.db").string(), est = (scratch_dir() / "tiny.est").string();
  expect_bad_input({"fit", "--target", "npu-p16", "--db", db, "--out", est, "--budget", "1"},
                   "needs at least 569 kernel measurements: 389 kernels to detect its lanes and 20 of each of the 9");
  expect_bad_input({"fit", "--target", "npu-p16", "--db", db, "--out", est, "--budget", "748", "--batch", "1,8"},
                   "give --budget 749 or more");
  EXPECT_FALSE(std::filesystem::exists(db));
  EXPECT_FALSE(std::filesystem::exists(est));
  expect_bad_input({"fit", "--target", "npu-p16", "--db", db, "--out", est, "--batch", "0"}, "--batch 0");
  expect_bad_input({"fit", "--table", "t.csv", "--latency-column", "x", "--space", "nb201", "--out", est, "--batch",
                    "8"},
                   "--batch is for kernel mode");
}

// Batch sizes are fitted (sampled, a model feature, cross-validated) when asked for, and
// estimates at other batch sizes are refused.
TEST(EstimateCli, FitsTheBatchSizesAskedFor) {
  const std::string db = (scratch_dir() / "batch.db").string(), est = (scratch_dir() / "batch.est").string();
  Result r = hwnas({"fit", "--target", "npu-p16", "--db", db, "--out", est, "--budget", "749", "--rounds", "0",
                    "--trees", "60", "--batch", "8,1"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("batch sizes fitted for (estimates refuse others): 1, 8"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  batch 8 "), std::string::npos) << r.out;
  for (const char* model : {"resnet18", "mobilenet_v2"}) {
    r = hwnas({"estimate", model, "--estimator", est, "--batch", "8", "--json"});
    ASSERT_EQ(r.status, 0) << r.err;
    const double estimated = nlohmann::json::parse(r.out)["latency_ms"].get<double>();
    r = hwnas({"simulate", model, "--target", "npu-p16", "--batch", "8", "--json"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NEAR(estimated / nlohmann::json::parse(r.out)["latency_ms"].get<double>(), 1.0, 0.3) << model;
  }
  expect_bad_input({"estimate", "resnet18", "--estimator", est, "--batch", "4"},
                   "fitted for batch sizes 1,8 only, and its estimates do not extrapolate to others; fit one with "
                   "'hwnas fit ... --batch 1,8,4'");
  r = hwnas({"validate", "--estimator", est, "--target", "npu-p16", "--networks", "6", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto v = nlohmann::json::parse(r.out);
  EXPECT_EQ(v["batches"]["1"]["count"], 3);
  EXPECT_EQ(v["batches"]["8"]["count"], 3);
}

// Adaptive sampling stops at the round whose cross-validation reaches the share asked for:
// any share is reached at once when it is tiny.
TEST(EstimateCli, FitStopsWhenCrossValidationIsGoodEnough) {
  const std::string db = (scratch_dir() / "stop.db").string(), est = (scratch_dir() / "stop.est").string();
  const Result r = hwnas({"fit", "--target", "npu-p16", "--db", db, "--out", est, "--budget", "800", "--rounds",
                          "3", "--trees", "50", "--stop-within-5pct", "0.01", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["metrics"]["rounds"].size(), 1u) << r.out;
}

TEST(EstimateCli, BadInputs) {
  expect_bad_input({"estimate", "mobilenet_v2", "--estimator", write_temp("bad.est", "not json")}, "not JSON");
  expect_bad_input({"estimate", "mobilenet_v2", "--estimator", write_temp("other.est", R"({"format":"x"})")},
                   "hwnas-estimator");
  expect_bad_input({"fit", "--out", "x.est"}, "--target and --db");
  expect_bad_input({"fit", "--table", write_temp("t.csv", "arch,lat_ms_a\n"), "--latency-column", "lat_ms_b",
                    "--space", "nb201", "--out", (scratch_dir() / "t.est").string()},
                   "no column 'lat_ms_b'");
  expect_bad_input({"fit", "--table", "/nonexistent.csv", "--latency-column", "x", "--space", "nb201", "--out", "t.est"},
                   "/nonexistent.csv");
  expect_bad_input({"fit", "--target", "npu-p16", "--db", (scratch_dir() / "b.db").string(), "--out", "e.est",
                    "--budget", "0"},
                   "--budget");
  const std::string db = (scratch_dir() / "b.db").string();
  expect_bad_input({"fit", "--target", "npu-p16", "--db", db, "--out", "e.est", "--trees", "0"}, "--trees 0");
  expect_bad_input({"fit", "--target", "npu-p16", "--db", db, "--out", "e.est", "--depth", "40"}, "--depth 40");
  expect_bad_input({"fit", "--target", "npu-p16", "--db", db, "--out", "e.est", "--eta", "0"}, "--eta 0");
  expect_bad_input({"fit", "--target", "npu-p16", "--db", db, "--out", "e.est", "--stop-within-5pct", "95"},
                   "--stop-within-5pct 95");
  expect_bad_input({"fit", "--target", "npu-p16", "--db", db, "--out", "e.est", "--predictions", "p.csv"},
                   "--predictions is for table mode");
}

// NB201 cell number `n` (0 to 15,624): its six edges' ops are n's base-5 digits.
std::string nb201_arch(int n) {
  static const char* ops[] = {"none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"};
  std::string op[6];
  for (auto& o : op) o = ops[n % 5], n /= 5;
  return "|" + op[0] + "~0|+|" + op[1] + "~0|" + op[2] + "~1|+|" + op[3] + "~0|" + op[4] + "~1|" + op[5] + "~2|";
}

// A table of NB201 cells: lat_ms_dev from op counts, lat_ms_other a scaled copy.
std::vector<std::string> write_nb201_table(const std::string& path, int rows) {
  std::mt19937_64 rng(4);
  std::uniform_int_distribution<int> cell(0, 15624);
  std::vector<std::string> archs;
  std::ofstream out(path);
  out << "index,arch,lat_ms_dev,lat_ms_other\n";
  for (int i = 0; i < rows; ++i) {
    archs.push_back(nb201_arch(cell(rng)));
    double ms = 2;
    for (std::size_t p = 0; (p = archs.back().find("conv", p)) != std::string::npos; ++p) ms += 1.5;
    out << i << "," << archs.back() << "," << ms << "," << 3 * ms << "\n";
  }
  return archs;
}

TEST(EstimateCli, TableEstimatorPredictsWhatFitPredicted) {
  const std::string csv = (scratch_dir() / "nb.csv").string(), est = (scratch_dir() / "nb.est").string(),
                    pred = (scratch_dir() / "nb.pred.csv").string();
  const std::vector<std::string> archs = write_nb201_table(csv, 40);
  Result r = hwnas({"fit", "--table", csv, "--space", "nb201", "--latency-column", "lat_ms_dev", "--train", "12",
                    "--out", est, "--predictions", pred});
  ASSERT_EQ(r.status, 0) << r.err;
  // The text says which mix the fit chose (12 rows, another device column: weighed).
  EXPECT_NE(r.out.find("lat_ms_dev: trained on 12 rows ("), std::string::npos) << r.out;
  EXPECT_TRUE(r.out.find("ridge on the other devices' log latencies)") != std::string::npos ||
              r.out.find("(the ensemble of ridge candidates)") != std::string::npos)
      << r.out;
  std::ifstream in(pred);
  std::string header, first;
  std::getline(in, header);
  std::getline(in, first);  // row 0: 0,2,ARCH,measured,predicted,split
  std::vector<std::string> cells;
  std::stringstream line(first);
  for (std::string c; std::getline(line, c, ',');) cells.push_back(c);
  ASSERT_EQ(cells.size(), 6u) << first;
  ASSERT_EQ(cells[2], archs[0]);
  r = hwnas({"estimate", "nb201:arch=" + archs[0], "--estimator", est, "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_NEAR(j["latency_ms"].get<double>(), std::stod(cells[4]), 1e-6 * std::stod(cells[4]));
  EXPECT_EQ(j["target"], "lat_ms_dev");
  EXPECT_EQ(j["estimator"], "table");
  EXPECT_GT(j["params"].get<std::int64_t>(), 0);
  EXPECT_GT(j["peak_activation_bytes"].get<std::int64_t>(), 0);
  EXPECT_TRUE(j["layers"].empty());
  // Other zoo options name themselves: the estimator predicts the table's setting only.
  for (const std::string& model : {"nb201:width=1,arch=" + archs[0], "nb201:arch=" + archs[0] + ",width=1"})
    expect_bad_input({"estimate", model, "--estimator", est}, "option 'width=1' of model 'nb201:");
  expect_bad_input({"estimate", "mobilenet_v2", "--estimator", est}, "give MODEL as nb201:arch=ARCHITECTURE");
}

// The "simulators" a fit records now: the current presets' names and identities.
std::string current_simulators() {
  static const std::string simulators = [] {
    const std::string csv = (scratch_dir() / "ids.csv").string(), est = (scratch_dir() / "ids.est").string();
    write_nb201_table(csv, 10);
    const Result r = hwnas({"fit", "--table", csv, "--space", "nb201", "--latency-column", "lat_ms_dev", "--train",
                            "5", "--out", est});
    EXPECT_EQ(r.status, 0) << r.err;
    return nlohmann::json::parse(testing::read_file(est))["simulators"].dump();
  }();
  return simulators;
}

// A hand-written table estimator whose one member reads the other device's column alone:
// log ms = log(lat_ms_other), so it predicts that column exactly, for the table's rows only.
std::string copy_other_column_estimator(const std::string& csv, const std::string& version = "3") {
  const std::string zeros5 = "[0,0,0,0,0,1]", ones = "[1,1,1,1,1,1]";
  return R"({"format":"hwnas-table-estimator","version":)" + version + R"(,"space":"nb201","simulators":)" +
         current_simulators() + R"(,"csv":")" + csv +
         R"(","arch_column":"arch","latency_column":"lat_ms_dev","combine":"geometric_mean","members":[{"transform":"log",)"
         R"("features":{"counts":true,"live":false,"simulated":false,"one_hot":false},"other_columns":["lat_ms_other"],)"
         R"("lambda":1,"mean":[0,0,0,0,0,0],"scale":)" + ones + R"(,"weights":)" + zeros5 + R"(,"intercept":0}]})";
}

// validate reads table estimators: the rows of its table the fit held out.
TEST(EstimateCli, ValidateTableEstimatorOnHeldOutRows) {
  const std::string csv = (scratch_dir() / "val.csv").string(), est = (scratch_dir() / "val.est").string();
  write_nb201_table(csv, 40);
  Result r = hwnas({"fit", "--table", csv, "--space", "nb201", "--latency-column", "lat_ms_dev", "--train", "12",
                    "--out", est, "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto holdout = nlohmann::json::parse(r.out)["holdout"];
  r = hwnas({"validate", "--estimator", est, "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto v = nlohmann::json::parse(r.out);
  EXPECT_EQ(v["rows"], 28);
  EXPECT_EQ(v["trained_on"], 12);
  for (const char* key : {"spearman", "within_10pct", "rmse_ms"})  // the fit's own held-out figures
    EXPECT_NEAR(v[key].get<double>(), holdout[key].get<double>(), 1e-9) << key;
  r = hwnas({"validate", "--estimator", est});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("28 held-out rows of " + csv), std::string::npos) << r.out;
  expect_bad_input({"validate", "--estimator", est, "--target", "npu-p16"}, "drop --target");
  // Options of kernel validation do not apply to a table estimator.
  expect_bad_input({"validate", "--estimator", est, "--networks", "3"}, "--networks does not apply to a table");
  expect_bad_input({"validate", "--estimator", est, "--seed", "3"}, "--seed does not apply to a table");
  // A file without the split (hand-written, or from an older hwnas) cannot be validated.
  expect_bad_input({"validate", "--estimator", write_temp("nosplit.est", copy_other_column_estimator(csv))},
                   "does not record which rows its fit trained on (key 'train'");
  std::ifstream in(est);
  auto doc = nlohmann::json::parse(in);
  // The split must be one fit could make: at least 5 rows trained on and 5 held out.
  const std::vector<std::pair<const char*, std::string>> splits = {
      {"-1", "is -1, too small (at least 5)"}, {"0", "is 0, too small (at least 5)"},
      {"1e300", "must be an integer, got a number"}, {"36", "is 36, too large (at most 35)"},
      {"5000", "is 5000, too large (at most 35)"}, {"18446744073709551616", "must be an integer, got a number"}};
  for (const auto& [rows, why] : splits) {
    auto bad = doc;
    bad["train"]["rows"] = nlohmann::json::parse(rows);
    expect_bad_input({"validate", "--estimator", write_temp("badsplit.est", bad.dump())},
                     "badsplit.est: key 'train.rows' " + why + "; refit it with 'hwnas fit --table'");
  }
  auto no_seed = doc;
  no_seed["train"].erase("seed");
  expect_bad_input({"validate", "--estimator", write_temp("noseed.est", no_seed.dump())},
                   "noseed.est: key 'train.seed' is missing; refit it with 'hwnas fit --table'");
  auto rows9 = doc;
  rows9["train"]["table_rows"] = 9;
  expect_bad_input({"validate", "--estimator", write_temp("rows9.est", rows9.dump())},
                   "key 'train.table_rows' is 9, too small (at least 10)");
  auto rows41 = doc;
  rows41["train"]["table_rows"] = 41;
  expect_bad_input({"validate", "--estimator", write_temp("rows41.est", rows41.dump())},
                   "has 40 rows, not the 41 it was fitted on");
  auto unknown = doc;
  unknown["train"]["zzz"] = 1;
  expect_bad_input({"validate", "--estimator", write_temp("unknown.est", unknown.dump())},
                   "key 'train.zzz' is unknown (allowed: rows, seed, table_rows)");
  std::string twice = doc.dump();
  twice.replace(twice.find("\"seed\":"), 0, "\"seed\":7,");
  expect_bad_input({"validate", "--estimator", write_temp("twice.est", twice)},
                   "twice.est: key 'train.seed' appears twice in one object");
  // 100,000 nested lists overflowed nlohmann's recursion (a segfault; fresh-user finding).
  expect_bad_input({"validate", "--estimator",
                    write_temp("deep.est", "{\"format\":" + std::string(100000, '[') + std::string(100000, ']') + "}")},
                   "deep.est: not valid JSON here: objects and arrays nested deeper than 256 levels");
  // A simulator preset edited since the fit (its identity differs): refused, naming it.
  auto edited = doc;
  edited["simulators"][1]["identity"] = "ethos-u55-128-like@0000000000000000";
  expect_bad_input({"estimate", "nb201:arch=" + nb201_arch(7), "--estimator", write_temp("edited.est", edited.dump())},
                   "edited.est: simulator preset 'ethos-u55-128-like' has changed since the fit (identity "
                   "'ethos-u55-128-like@0000000000000000', now '");
  expect_bad_input({"validate", "--estimator", write_temp("edited.est", edited.dump())},
                   "simulator preset 'ethos-u55-128-like' has changed since the fit");
  auto v2 = doc;
  v2["version"] = 2;
  v2.erase("simulators");
  expect_bad_input({"validate", "--estimator", write_temp("v2.est", v2.dump())},
                   "v2.est: not a valid table estimator file: 'version' is 2, this hwnas reads 3 (version 2 does not "
                   "record the identities of the simulator presets whose latencies are features); refit it with "
                   "'hwnas fit --table'");
  std::ofstream(csv, std::ios::app) << "40," << nb201_arch(7) << ",2,6\n";  // the table grew
  expect_bad_input({"validate", "--estimator", est}, "has 41 rows, not the 40 it was fitted on");
}

// FBNet tables name architectures in 'blocks' (../shared/data/README.md): the default.
TEST(EstimateCli, TableFitDefaultsToTheSpaceKeyColumn) {
  const std::string csv = (scratch_dir() / "fb.csv").string(), est = (scratch_dir() / "fb.est").string();
  static const char* kBlocks[] = {"k3_e1", "k3_e1_g2", "k3_e3", "k3_e6", "k5_e1", "k5_e1_g2", "k5_e3", "k5_e6", "skip"};
  std::mt19937_64 rng(3);
  std::vector<std::string> archs;
  {
    std::ofstream out(csv);
    out << "index,blocks,lat_ms_dev\n";
    for (int i = 0; i < 30; ++i) {
      std::string blocks;
      double ms = 1;
      for (int b = 0; b < 22; ++b) {
        const char* block = kBlocks[rng() % 9];
        blocks += (b ? "-" : "") + std::string(block);
        ms += std::string(block).find("e6") != std::string::npos ? 0.5 : 0.1;
      }
      archs.push_back(blocks);
      out << i << "," << blocks << "," << ms << "\n";
    }
  }
  Result r = hwnas({"fit", "--table", csv, "--space", "fbnet", "--latency-column", "lat_ms_dev", "--train", "20",
                    "--out", est});
  ASSERT_EQ(r.status, 0) << r.err;
  r = hwnas({"estimate", "fbnet:blocks=" + archs[0], "--estimator", est, "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_GT(nlohmann::json::parse(r.out)["latency_ms"].get<double>(), 0);
  expect_bad_input({"fit", "--table", csv, "--space", "nb201", "--latency-column", "lat_ms_dev", "--out", est},
                   "no column 'arch'");
}

// Table latencies are in (0, 1e7] ms in every command that reads a table.
TEST(EstimateCli, TableLatenciesPastTheLimitAreRefused) {
  const std::string csv = (scratch_dir() / "limit.csv").string();
  const std::vector<std::string> archs = write_nb201_table(csv, 12);
  std::ifstream in(csv);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto line2 = text.find('\n') + 1, end2 = text.find('\n', line2);
  const auto lat = text.find(',', text.find(',', line2) + 1) + 1;  // index,arch,lat_ms_dev,...
  text.replace(lat, text.find(',', lat) - lat, "1.5e308");
  ASSERT_LT(lat, end2);
  std::ofstream(csv) << text;
  const std::string yaml = write_temp("limit.yaml", "name: tt\ncsv: " + csv + "\nlatency_column: lat_ms_dev\n");
  const std::string hint = ":2: column 'lat_ms_dev': '1.5e308' is more than the largest latency";
  expect_bad_input({"simulate", "nb201:arch=" + archs[0], "--target", yaml}, hint);
  const std::string est = (scratch_dir() / "limit.est").string();
  expect_bad_input({"fit", "--table", csv, "--space", "nb201", "--latency-column", "lat_ms_dev", "--train", "5",
                    "--out", est},
                   hint);
  EXPECT_FALSE(std::filesystem::exists(est));
}

TEST(EstimateCli, TableFitNamesAnUnknownSpace) {
  const std::string csv = (scratch_dir() / "darts.csv").string(), est = (scratch_dir() / "darts.est").string();
  write_nb201_table(csv, 12);
  expect_bad_input({"fit", "--table", csv, "--space", "darts", "--latency-column", "lat_ms_dev", "--out", est},
                   "--space darts: unknown space 'darts'; built-in spaces: ");
  EXPECT_FALSE(std::filesystem::exists(est));
}

TEST(EstimateCli, TableEstimatorReadsOtherDevicesFromItsTable) {
  const std::string csv = (scratch_dir() / "copy.csv").string();
  const std::vector<std::string> archs = write_nb201_table(csv, 8);
  const std::string est = write_temp("copy.est", copy_other_column_estimator(csv));
  const Result r = hwnas({"estimate", "nb201:arch=" + archs[3], "--estimator", est, "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  double ms = 2;
  for (std::size_t p = 0; (p = archs[3].find("conv", p)) != std::string::npos; ++p) ms += 1.5;
  EXPECT_NEAR(nlohmann::json::parse(r.out)["latency_ms"].get<double>(), 3 * ms, 1e-9);
  int n = 0;
  while (std::find(archs.begin(), archs.end(), nb201_arch(n)) != archs.end()) ++n;
  const std::string absent = nb201_arch(n);
  expect_bad_input({"estimate", "nb201:arch=" + absent, "--estimator", est}, "the architecture is not in");
  expect_bad_input({"estimate", "fbnet:blocks=skip", "--estimator", est}, "give MODEL as nb201:arch=");
  expect_bad_input({"estimate", "nb201:arch=" + archs[3], "--estimator", est, "--batch", "8"}, "--batch 8");
  expect_bad_input({"estimate", "nb201:arch=" + archs[3], "--estimator",
                    write_temp("v9.est", copy_other_column_estimator(csv, "9"))},
                   "'version' is 9");
  expect_bad_input({"estimate", "nb201:arch=" + archs[3], "--estimator",
                    write_temp("gone.est", copy_other_column_estimator("/nonexistent/t.csv"))},
                   "/nonexistent/t.csv");
  expect_bad_input({"estimate", "nb201:arch=" + archs[3], "--estimator",
                    write_temp("vs.est", copy_other_column_estimator(csv, "\"2\""))},
                   "'version' is \"2\"");
  std::string zero_scale = copy_other_column_estimator(csv);
  zero_scale.replace(zero_scale.find("[1,1,1,1,1,1]"), 13, "[1,1,1,1,1,0]");
  expect_bad_input({"estimate", "nb201:arch=" + archs[3], "--estimator", write_temp("zero.est", zero_scale)},
                   "'scale' holds a value that is not positive");
  // A prediction past the largest latency (1e7 ms) is refused, not printed with 300 digits.
  for (const char* intercept : {"20", "800"}) {
    std::string huge = copy_other_column_estimator(csv);
    huge.replace(huge.find("\"intercept\":0"), 13, std::string("\"intercept\":") + intercept);
    expect_bad_input({"estimate", "nb201:arch=" + archs[3], "--estimator", write_temp("huge.est", huge)},
                     "huge.est: predicts ");
  }
  std::string short_weights = copy_other_column_estimator(csv);
  short_weights.replace(short_weights.find("[0,0,0,0,0,1]"), 13, "[0,0,0,0,1]");
  expect_bad_input({"estimate", "nb201:arch=" + archs[3], "--estimator", write_temp("short.est", short_weights)},
                   "differ in length");
}

// Numeric options are decimal integers (or finite decimals) in documented ranges, refused
// before any work with one line naming the option; options of the other mode are errors.
TEST(EstimateCli, NumericOptionsAreDecimalAndBounded) {
  const std::string db = (scratch_dir() / "opt.db").string(), est = (scratch_dir() / "opt.est").string();
  const std::vector<std::string> fit = {"fit", "--target", "npu-p16", "--db", db, "--out", est};
  const auto with = [&fit](std::vector<std::string> extra) {
    std::vector<std::string> args = fit;
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  };
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--budget", "010"}, "--budget 010 has a leading zero; write 10"},
      {{"--budget", "0x300"}, "--budget 0x300: must be a whole number from 1 to 1000000"},
      {{"--budget", "99999999999"}, "--budget 99999999999 is too large (at most 1000000)"},
      {{"--budget", "0"}, "--budget 0 is too small (at least 1)"},
      {{"--budget", "-5"}, "--budget -5: must be a whole number"},
      {{"--budget", "+5"}, "--budget +5: must be a whole number"},
      {{"--seed", "-1"}, "--seed -1: must be a whole number from 0 to 18446744073709551615"},
      {{"--seed", "18446744073709551616"}, "--seed 18446744073709551616 is too large (at most 18446744073709551615)"},
      {{"--rounds", "101"}, "--rounds 101 is too large (at most 100)"},
      {{"--trees", "100000"}, "--trees 100000 is too large (at most 2000)"},
      {{"--trees", "0"}, "--trees 0 is too small (at least 1)"},
      {{"--depth", "16"}, "--depth 16 is too large (at most 12)"},
      {{"--eta", "1e-40"}, "--eta 1e-40 is outside [0.001, 1]"},
      {{"--eta", "1.5"}, "--eta 1.5 is outside [0.001, 1]"},
      {{"--eta", "nan"}, "--eta 'nan': give a decimal number in [0.001, 1]"},
      {{"--eta", "0x1p-2"}, "--eta '0x1p-2': give a decimal number"},
      {{"--stop-within-5pct", "0"}, "--stop-within-5pct 0 is outside (0, 1]"},
      {{"--batch", "1,010"}, "--batch 010 has a leading zero; write 10"},
      {{"--batch", "1,1"}, "--batch: 1 is given twice; give each value once"},
      {{"--batch", "4097"}, "--batch 4097 is too large (at most 4096)"},
      {{"--space", "nb201"}, "--space is for table mode and applies only with --table"},
      {{"--train", "5"}, "--train is for table mode"},
      {{"--train", "010"}, "--train 010 has a leading zero; write 10"},
  };
  for (const auto& [extra, hint] : cases) expect_bad_input(with(extra), hint);
  const std::vector<std::string> table = {"fit", "--table", "t.csv", "--latency-column", "x", "--space", "nb201",
                                          "--out", est};
  const std::vector<std::pair<std::string, std::string>> kernel_only = {
      {"--target", "npu-p16"}, {"--db", db}, {"--budget", "5"}, {"--rounds", "0"}, {"--trees", "5"}, {"--eta", "0.5"}};
  for (const auto& [name, value] : kernel_only) {
    std::vector<std::string> args = table;
    args.insert(args.end(), {name, value});
    expect_bad_input(args, name + " is for kernel mode (--target) and does not apply with --table");
  }
  EXPECT_FALSE(std::filesystem::exists(db));
  EXPECT_FALSE(std::filesystem::exists(est));
  expect_bad_input({"profile", "--target", "npu-p16", "--db", db, "--kernels", "010"}, "--kernels 010 has a leading");
  expect_bad_input({"profile", "--target", "npu-p16", "--db", db, "--kernels", "99999999999"},
                   "--kernels 99999999999 is too large (at most 1000000)");
  expect_bad_input({"validate", "--estimator", est, "--target", "npu-p16", "--networks", "010"},
                   "--networks 010 has a leading zero; write 10");
  expect_bad_input({"validate", "--estimator", est, "--target", "npu-p16", "--networks", "99999999999"},
                   "--networks 99999999999 is too large (at most 100000)");
  expect_bad_input({"estimate", "mobilenet_v2", "--estimator", est, "--batch", "0x10"}, "--batch 0x10: must be a whole number");
  EXPECT_FALSE(std::filesystem::exists(db));
}

}  // namespace
}  // namespace hwnas::estimate
