// The kernel-level estimator: fit, save/load, estimate, validate, and bad files.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include <fmt/format.h>

#include "hwnas/estimate/detect_lanes.h"
#include "hwnas/estimate/fit.h"
#include "hwnas/estimate/measure_network.h"
#include "hwnas/estimate/validate.h"
#include "hwnas/base/error.h"
#include "hwnas/graph/zoo/zoo.h"
#include "hwnas/hw/targets/targets.h"
#include "shared_estimator.h"
#include "support/scratch_dir.h"

namespace hwnas::estimate {
namespace {

std::filesystem::path scratch(const std::string& name) {
  static const testing::ScratchDir dir("hwnas_est_test");
  return dir.path() / name;
}

// One small fit shared by the tests of this file, fitted once per ctest run
// (shared_estimator.h).
const Estimator& small_estimator() { return testing::shared_estimator(scratch("")); }

// A model of every kernel type; batch is a feature the sampler never varied in a batch-1
// fit, so other batch sizes are refused, naming the fitted ones and the flag.
TEST(Estimator, FitsEveryKernelTypeAndRefusesOtherBatchSizes) {
  const Estimator& e = small_estimator();
  EXPECT_EQ(e.batches(), std::vector<std::int32_t>{1});
  const graph::Graph g = graph::build_zoo_model("mobilenet_v2");
  for (std::int32_t batch : {2, 64}) {
    try {
      e.latency_s(g, batch);
      FAIL() << batch;
    } catch (const UserError& err) {
      const std::string msg = err.what();
      EXPECT_NE(msg.find("fitted for batch sizes 1 only"), std::string::npos) << msg;
      EXPECT_NE(msg.find(fmt::format("--batch 1,{}", batch)), std::string::npos) << msg;
    }
    EXPECT_THROW(e.estimate(g, batch), UserError);
  }
  for (const std::string& type : kernel_types(e.fusion_rules())) EXPECT_TRUE(e.has_model(type)) << type;
  EXPECT_EQ(e.types().size(), kernel_types(e.fusion_rules()).size());
  EXPECT_FALSE(e.fusion_detected());
  EXPECT_TRUE(e.fusion_rules().has(hw::FusionPattern::conv_bn_act));
  EXPECT_LE(e.metrics()["measurements"].get<std::int64_t>(), 1200);
  EXPECT_GT(e.metrics()["cross_validation"]["overall"]["within_10pct"].get<double>(), 0.3);
}

TEST(Estimator, EstimatesNetworksItNeverSaw) {
  const Estimator& e = small_estimator();
  auto target = hw::make_target("npu-p16");
  // LR-ASPP and the docs' example file hold upsample and concat kernels.
  for (const std::string& model : {std::string("mobilenet_v2"), std::string("resnet18"),
                                  std::string("efficientnet_b0:res=160"), std::string("lraspp_mobilenet_v3_large"),
                                  std::string(HWNAS_SOURCE_DIR) + "/examples/models/tiny_residual.json"}) {
    const graph::Graph g = graph::load_model(model);
    const double measured = measure_network(g, *target).latency_s;
    const double estimated = e.estimate(g).latency_s;
    EXPECT_NEAR(estimated / measured, 1.0, 0.25) << model;  // a small fit; `validate` measures the real one
  }
}

// Below the lane sweeps and kMinPerType kernels of each type, a fit is refused before it
// measures anything.
TEST(Estimator, TooSmallABudgetIsRefused) {
  auto target = hw::make_target("npu-p16");
  auto store = hw::MeasurementStore::open(scratch("small_budget.db").string());
  FitOptions o;
  o.batches = {1, 8};
  const std::int64_t types = static_cast<std::int64_t>(kernel_types(*target->fusion_rules()).size());
  EXPECT_EQ(minimum_budget(*target, o).kernels, kLaneSweepKernels + kMinPerType * types * 2);
  for (std::int64_t budget : {std::int64_t{1}, minimum_budget(*target, o).kernels - 1}) {
    o.budget = budget;
    try {
      fit_estimator(*target, store, o);
      FAIL() << budget;
    } catch (const UserError& err) {
      EXPECT_NE(std::string(err.what()).find(fmt::format("needs at least {} kernel measurements",
                                                         minimum_budget(*target, o).kernels)),
                std::string::npos)
          << err.what();
    }
  }
  EXPECT_EQ(store.count(target->identity()), 0u);
}

TEST(Estimator, MemoryComesExactlyFromTheAnalysis) {
  const graph::Graph g = graph::build_zoo_model("mobilenet_v3_small");
  const NetworkEstimate n = small_estimator().estimate(g);
  const graph::Analysis a = graph::analyze(g, graph::Precision::int8);
  EXPECT_EQ(n.peak_activation_bytes, a.peak_activation_bytes);
  EXPECT_EQ(n.weight_bytes, a.total.weight_bytes);
  EXPECT_EQ(n.params, a.total.params);
}

TEST(Estimator, SaveLoadRoundTripPredictsTheSame) {
  const std::string path = scratch("p16.est").string();
  small_estimator().save(path);
  const Estimator loaded = Estimator::load(path);
  EXPECT_EQ(loaded.target_identity(), small_estimator().target_identity());
  EXPECT_EQ(loaded.types(), small_estimator().types());
  const graph::Graph g = graph::build_zoo_model("mnasnet1_0");
  EXPECT_DOUBLE_EQ(loaded.estimate(g).latency_s, small_estimator().estimate(g).latency_s);
}

TEST(Estimator, CacheGivesTheSameAnswer) {
  const graph::Graph g = graph::build_zoo_model("mobilenet_v2:width=0.75");
  small_estimator().clear_cache();
  const double cold = small_estimator().latency_s(g);
  EXPECT_DOUBLE_EQ(small_estimator().latency_s(g), cold);  // warm: from the cache
  EXPECT_DOUBLE_EQ(small_estimator().estimate(g).latency_s, cold);
}

TEST(Estimator, RefitReusesTheStore) {
  testing::copy_shared_store(scratch(""), scratch("refit.db"));  // the store the shared fit filled
  auto target = hw::make_target("npu-p16");
  auto store = hw::MeasurementStore::open(scratch("refit.db").string());
  const std::size_t before = store.count(target->identity());
  ASSERT_GT(before, 1000u);
  FitOptions o;
  o.budget = static_cast<std::int64_t>(before);  // nothing left to measure
  o.rounds = 0;
  o.xgb.rounds = 20;
  fit_estimator(*target, store, o);
  EXPECT_EQ(store.count(target->identity()), before);
}

TEST(Estimator, ValidateRefusesAnotherTarget) {
  auto other = hw::make_target("npu-p32");
  try {
    validate(small_estimator(), *other, 3, 1);
    FAIL();
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("fitted for 'npu-p16'"), std::string::npos) << e.what();
  }
}

TEST(Estimator, ValidateReportsAgreement) {
  auto target = hw::make_target("npu-p16");
  const nlohmann::json r = validate(small_estimator(), *target, 20, 3);
  EXPECT_EQ(r["networks"].get<int>(), 20);
  for (const char* key : {"within_10pct", "within_5pct", "rmse_ms", "spearman"}) EXPECT_TRUE(r.contains(key)) << key;
  EXPECT_GT(r["spearman"].get<double>(), 0.9);
}

// npu-p16 that cannot run some kernels: depthwise convolutions (some networks), or any
// kernel at all.
class PicklyTarget : public hw::Target {
 public:
  explicit PicklyTarget(bool refuse_all) : refuse_all_(refuse_all) {}
  const std::string& name() const override { return inner_->name(); }
  const std::string& identity() const override { return inner_->identity(); }
  std::optional<hw::FusionRules> fusion_rules() const override { return inner_->fusion_rules(); }
  graph::Precision precision() const override { return inner_->precision(); }
  hw::Measurement measure(const hw::Kernel& k) override {
    const auto* conv = std::get_if<graph::Conv2d>(&k.main().op);
    if ((conv != nullptr && graph::is_depthwise(*conv, k.main().inputs[0].c)) || refuse_all_)
      throw hw::UnsupportedKernel("no depthwise here");
    return inner_->measure(k);
  }

 private:
  std::unique_ptr<hw::Target> inner_ = hw::make_target("npu-p16");
  bool refuse_all_;
};

TEST(Estimator, ValidateSkipsNetworksTheTargetCannotRun) {
  PicklyTarget some(false);
  const nlohmann::json r = validate(small_estimator(), some, 20, 3);
  EXPECT_EQ(r["networks"].get<int>(), 20);
  EXPECT_EQ(r["count"].get<int>(), 20);
  EXPECT_GT(r["skipped"].get<int>(), 0);
  EXPECT_NE(r["skipped_because"].get<std::string>().find("no depthwise here"), std::string::npos);
  PicklyTarget none(true);
  try {
    validate(small_estimator(), none, 5, 3);
    FAIL();
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot run most validation networks"), std::string::npos) << e.what();
  }
}

// Bad files: one line naming the file.
std::string load_error(const std::string& text) {
  const std::string path = scratch("bad.est").string();
  std::ofstream(path) << text;
  try {
    Estimator::load(path);
  } catch (const UserError& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
    return msg;
  }
  ADD_FAILURE() << "no error for " << text.substr(0, 60);
  return "";
}

TEST(Estimator, BadFilesAreOneLineErrors) {
  EXPECT_NE(load_error("\x01\x02garbage").find("not JSON"), std::string::npos);
  EXPECT_NE(load_error(R"({"format": "something-else"})").find("hwnas-estimator"), std::string::npos);
  EXPECT_NE(load_error(R"({"format": "hwnas-estimator", "version": 99})").find("version 99"), std::string::npos);
  const std::string path = scratch("p16.est").string();
  small_estimator().save(path);
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto at = text.find("\"model_ubj_base64\": \"");
  ASSERT_NE(at, std::string::npos);
  std::string corrupt = text;
  corrupt.replace(at + 21, 8, "!!!!!!!!");
  EXPECT_NE(load_error(corrupt).find("not base64"), std::string::npos);
  std::string truncated = text;
  truncated.replace(at + 21, 40, "AAAA");
  EXPECT_NE(load_error(truncated).find("corrupt"), std::string::npos);
  // Blobs XGBoost cannot read: its message is many lines with a stack trace; ours is one
  // short line naming the key.
  const std::size_t begin = at + 21, end = text.find('"', begin);
  std::mt19937_64 rng(5);
  for (std::size_t keep : {std::size_t{8}, std::size_t{64}, (end - begin) / 2 / 4 * 4}) {
    std::string cut = text;
    cut.replace(begin + keep, end - begin - keep, "");  // the blob truncated
    const std::string msg = load_error(cut);
    EXPECT_NE(msg.find("'models."), std::string::npos) << msg;
    EXPECT_LT(msg.size(), 400u) << msg;
  }
  std::string garbage = text;
  for (std::size_t i = begin + 40; i < end; ++i)  // valid base64 of random bytes after the header
    garbage[i] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[rng() % 64];
  const std::string msg = load_error(garbage);
  EXPECT_NE(msg.find("'models."), std::string::npos) << msg;
  EXPECT_LT(msg.size(), 400u) << msg;
  // Models trained on other features (an older hwnas) are refused, not misread.
  auto doc = nlohmann::json::parse(text);
  doc["model_features"].erase(doc["model_features"].size() - 1);
  EXPECT_NE(load_error(doc.dump()).find("other features"), std::string::npos);
  for (const char* batches : {"[1e300]", "[0]", "[]", "\"1\"", "[8, 1]", "[1, 1]"}) {
    doc = nlohmann::json::parse(text);
    doc["batches"] = nlohmann::json::parse(batches);
    EXPECT_NE(load_error(doc.dump()).find("'batches' is not"), std::string::npos) << batches;
  }
  doc = nlohmann::json::parse(text);
  doc["lanes"]["cout"] = -3;
  EXPECT_NE(load_error(doc.dump()).find("key 'lanes.cout' is -3, too small (at least 0)"), std::string::npos);
  doc["lanes"]["cout"] = 2147483648;  // checked before narrowing to 32 bits
  EXPECT_NE(load_error(doc.dump()).find("key 'lanes.cout' is 2147483648, too large (at most 2147483647)"),
            std::string::npos);
  doc["lanes"]["cout"] = 18446744073709551615u;
  EXPECT_NE(load_error(doc.dump()).find("too large"), std::string::npos);
  doc["lanes"]["cout"] = "16";
  EXPECT_NE(load_error(doc.dump()).find("key 'lanes.cout' must be an integer, got a string"), std::string::npos);
  doc = nlohmann::json::parse(text);
  doc["models"]["conv"].erase("roofline");
  EXPECT_NE(load_error(doc.dump()).find("key 'models.conv.roofline' is missing; refit it with 'hwnas fit'"),
            std::string::npos);
  doc = nlohmann::json::parse(text);
  doc["models"]["conv"]["samples"] = 9223372036854775808u;
  EXPECT_NE(load_error(doc.dump()).find("key 'models.conv.samples' is 9223372036854775808, too large"),
            std::string::npos);
  doc = nlohmann::json::parse(text);
  doc["target"].erase("precision");
  EXPECT_NE(load_error(doc.dump()).find("key 'target.precision' is missing"), std::string::npos);
  EXPECT_THROW(Estimator::load("/nonexistent/x.est"), UserError);
}

// Keys: each object holds only the keys hwnas writes, each once (the parser would keep the
// last of two silently), at any depth; nlohmann's own exception text never shows.
TEST(Estimator, DuplicateAndUnknownKeysAreRefused) {
  const std::string path = scratch("keys.est").string();
  small_estimator().save(path);
  std::ifstream in(path);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Replaces the first `from` after `anchor` (metrics holds keys of the same names).
  const auto with = [&](const std::string& anchor, const std::string& from, const std::string& to) {
    std::string t = text;
    const auto at = t.find(from, t.find(anchor));
    EXPECT_NE(at, std::string::npos) << from;
    return t.replace(at, from.size(), to);
  };
  const std::string type = nlohmann::json::parse(text)["models"].begin().key(), models = "\n \"models\":";
  EXPECT_NE(load_error(with("", "\"batches\":", "\"batches\": [1, 3, 8], \"batches\":"))
                .find("key 'batches' appears twice in one object"),
            std::string::npos);
  EXPECT_NE(load_error(with("\"lanes\":", "\"cin\":", "\"cin\": 4, \"cin\":")).find("key 'lanes.cin' appears twice"),
            std::string::npos);
  EXPECT_NE(load_error(with(models, "\"k\":", "\"k\": 1, \"k\":"))
                .find("key 'models." + type + ".roofline.k' appears twice"),
            std::string::npos);
  EXPECT_NE(load_error(with("", "\"format\":", "\"zzz\": 1, \"format\":")).find("key 'zzz' is unknown (allowed: "),
            std::string::npos);
  EXPECT_NE(load_error(with("\"lanes\":", "\"cin\":", "\"lane\": 1, \"cin\":")).find("key 'lanes.lane' is unknown"),
            std::string::npos);
  EXPECT_NE(load_error(with(models, "\"samples\":", "\"sample\": 1, \"samples\":"))
                .find("key 'models." + type + ".sample' is unknown"),
            std::string::npos);
  for (const std::string& t : {with("\"lanes\":", "\"cin\":", "\"cin\": 4, \"cin\":"),
                               with("", "\"format\":", "\"zzz\": 1, \"format\":")})
    EXPECT_EQ(load_error(t).find("json.exception"), std::string::npos);
}

}  // namespace
}  // namespace hwnas::estimate
