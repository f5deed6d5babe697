// `hwnas fit`, `estimate` and `validate` as a user runs them.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

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
  Result r = hwnas({"fit", "--target", "npu-p16", "--db", db, "--out", est, "--budget", "800", "--rounds", "1"});
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
  expect_bad_input({"fit", "--target", "npu-p16", "--db", db, "--out", "e.est", "--predictions", "p.csv"},
                   "--predictions is for table mode");
}

}  // namespace
}  // namespace hwnas::estimate
