// hwnas advise --finetune (advise/finetune.h): the metric before and after in the JSON, the
// text and the summary page, the fine-tuned weights that hwnas evaluate loads with the
// combined model, and every refusal as one line, exit 2, nothing written. The baseline is
// a tiny MobileNetV2 trained in the test on 1% of Fashion-MNIST (skipped, or failed under
// HWNAS_REQUIRE_ALL_TESTS, when Fashion-MNIST is absent).
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "estimate/shared_estimator.h"
#include "hwnas/advise/finetune.h"
#include "support/cli_runner.h"
#include "train/cli_support.h"

namespace hwnas::testing {
namespace {

namespace fs = std::filesystem;

constexpr const char* kModel = "mobilenet_v2:width=0.25,in_ch=1,classes=10,res=32";

std::string estimator_file() { return shared_estimator_file(scratch_dir()).string(); }

std::string at(const std::string& name) { return (scratch_dir() / name).string(); }

// base.pt (and base.ckpt, the same run's checkpoint): 37 steps on 600 images (about 17%
// top-1: not the 10% of a constant answer, so that before and after differ), measured on
// 500 held-out training images, made once per test process.
const std::string& baseline_weights() {
  static const std::string path = [] {
    const std::vector<std::string> args = {"train", kModel, "--subset", "0.01", "--epochs", "1", "--threads", "1",
                                           "--batch", "16", "--lr", "0.02", "--validation", "500", "--save",
                                           at("base.pt"), "--checkpoint", at("base.ckpt")};
    const Result r = hwnas(args);
    EXPECT_EQ(r.status, 0) << describe(args, r);
    return at("base.pt");
  }();
  return path;
}

std::vector<std::string> advise(std::vector<std::string> more, const std::string& model = kModel) {
  std::vector<std::string> args = {"advise", model, "--estimator", estimator_file(), "--limit", "weight_bytes=60%"};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

// Refused: one line, exit 2, and neither the model, its weights nor the summary written.
void expect_refused(const std::vector<std::string>& args, const std::string& hint) {
  for (const char* f : {"e.yaml", "e.pt", "e.md"}) fs::remove(at(f));
  expect_bad_input(args, hint);
  for (const char* f : {"e.yaml", "e.pt", "e.md"}) EXPECT_FALSE(fs::exists(at(f))) << f;
}

TEST(AdviseFinetune, ReportsTheMetricBeforeAndAfter) {
  REQUIRE_FASHION_MNIST();
  const std::string out = at("m2.yaml"), md = at("m2.md");
  const std::vector<std::string> args =
      advise({"--out", out, "--summary", md, "--finetune", baseline_weights(), "--finetune-subset", "0.01",
              "--finetune-threads", "1", "--finetune-lr", "0.05", "--json"});
  const Result r = hwnas(args);
  ASSERT_EQ(r.status, 0) << describe(args, r);
  const nlohmann::json f = nlohmann::json::parse(r.out).at("finetune");
  EXPECT_EQ(f.at("weights"), baseline_weights());
  EXPECT_EQ(f.at("save"), at("m2.pt"));  // --out with .pt
  EXPECT_EQ(f.at("epochs"), 1);
  EXPECT_EQ(f.at("lr"), 0.05);
  EXPECT_EQ(f.at("task"), "classification");
  EXPECT_EQ(f.at("resolution"), 32);
  EXPECT_EQ(f.at("train_images"), 600);
  // The combination halves the width: tensors are sliced to their leading channels.
  EXPECT_GT(f.at("init_from").at("sliced_tensors").get<int>(), 0);
  EXPECT_GT(f.at("init_from").at("copied_params").get<int>(), 0);
  EXPECT_EQ(f.at("after").at("metrics").at("test_images"), 10000);
  // Before: the baseline's own weights, as hwnas evaluate measures them.
  const Result before = hwnas({"evaluate", kModel, "--weights", baseline_weights(), "--threads", "1", "--json"});
  ASSERT_EQ(before.status, 0) << before.err;
  EXPECT_EQ(f.at("before").at("accuracy"), nlohmann::json::parse(before.out).at("accuracy"));
  // After: the written weights load with the written model and measure what the JSON says.
  const Result after = hwnas({"evaluate", out, "--weights", at("m2.pt"), "--threads", "1", "--json"});
  ASSERT_EQ(after.status, 0) << after.err;
  EXPECT_EQ(f.at("after").at("accuracy"), nlohmann::json::parse(after.out).at("accuracy"));
  const std::string page = read_file(md);
  EXPECT_NE(page.find("## Fine-tuning"), std::string::npos) << page;
  EXPECT_NE(page.find("| top-1 |"), std::string::npos) << page;
  // Progress on stderr: both steps and the trainer's epoch lines.
  EXPECT_NE(r.err.find("fine-tune 1/2: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("epoch 1/1 done"), std::string::npos) << r.err;
}

TEST(AdviseFinetune, RefusedBeforeAnyTraining) {
  const std::string est = estimator_file(), junk = write_temp("junk.pt", "not a weights file");
  const std::string e = at("e.yaml");
  expect_refused(advise({"--finetune-epochs", "2", "--out", e}), "--finetune-epochs is for fine-tuning");
  expect_refused(advise({"--data", scratch_dir().string(), "--out", e}), "--data is for fine-tuning");
  expect_refused(advise({"--finetune", junk}), "give --out MODEL2.yaml");
  expect_refused(advise({"--finetune", junk, "--out", at("e.py")}), "--out " + at("e.py") + ": with --finetune");
  expect_refused(advise({"--finetune", at("none.pt"), "--out", e}), "none.pt: cannot read the weights file");
  expect_refused(advise({"--finetune", junk, "--out", e, "--finetune-save", junk}), "the baseline's weights");
  expect_refused(advise({"--finetune", junk, "--out", e, "--data", scratch_dir().string(), "--finetune-save",
                         at("e.pt")}),
                 "e.pt: the fine-tuned weights (--finetune-save) would be written into the dataset directory");
  expect_refused(advise({"--finetune", junk, "--out", e, "--finetune-lr", "0"}), "--finetune-lr 0");
  expect_refused(advise({"--finetune", junk, "--out", e, "--finetune-subset", "2"}), "--finetune-subset");
  expect_refused(advise({"--finetune", junk, "--out", e, "--finetune-epochs", "0"}), "--finetune-epochs");
}

TEST(AdviseFinetune, RefusedByTheTrainer) {
  REQUIRE_FASHION_MNIST();
  const std::string base = baseline_weights(), e = at("e.yaml");
  const std::string junk = write_temp("junk.pt", "not a weights file");
  expect_refused(advise({"--finetune", junk, "--out", e}), "--finetune " + junk + ": not a weights file");
  expect_refused(advise({"--finetune", at("base.ckpt"), "--out", e}), "a training checkpoint, not a weights file");
  expect_refused(advise({"--finetune", base, "--out", e}, "mobilenet_v2:width=0.5,in_ch=1,classes=10,res=32"),
                 "these weights are for another model");
  expect_refused(advise({"--finetune", base, "--out", e}, "mobilenet_v2:width=0.25,in_ch=1,classes=10,res=48"),
                 "the weights were trained at 32x32");
  const std::string empty = at("empty");
  fs::create_directories(empty);
  expect_refused(advise({"--finetune", base, "--out", e, "--data", empty}), "--data " + empty + ": has no");
  // A training that diverges: exit 3, its reason naming the step and the option to lower.
  const Result r = hwnas(advise({"--finetune", base, "--out", e, "--finetune-lr", "1e8", "--finetune-subset", "0.01",
                                 "--finetune-threads", "1", "--json"}));
  EXPECT_EQ(r.status, 3) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("hwnas: fine-tuning, step 2 (training " + e + "): "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("lower --finetune-lr; nothing written\n"), std::string::npos) << r.err;
  for (const char* f : {"e.yaml", "e.pt"}) EXPECT_FALSE(fs::exists(at(f))) << f;
}

TEST(AdviseFinetune, TextNamesEveryMetricOfTheTask) {
  advise::FinetuneResult r;
  r.baseline.task = "detection";
  r.baseline.before.metrics = {{"map_50", 0.25}, {"map_50_95", 0.1}, {"test_images", 100}};
  r.after.metrics = {{"map_50", 0.3}, {"map_50_95", 0.125}, {"test_images", 100}};
  r.epochs = 2;
  r.lr = 0.01;
  r.train_images = 1000;
  r.resolution = 96;
  r.threads = 1;
  r.init_from = {{"copied_tensors", 3}, {"sliced_tensors", 1}, {"copied_params", 50}, {"network_params", 100},
                 {"skipped", nlohmann::json::array({1})}};
  advise::FinetuneOptions o;
  o.weights = "det.pt";
  o.save = "det2.pt";
  const std::string text = advise::finetune_text(r, o);
  EXPECT_NE(text.find("fine-tuned from det.pt: 2 epochs at lr 0.01 (SGD, weight decay 0), 1000 training scenes at 96x96"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("3 tensors copied, 1 by leading channels, 50 of 100 parameters (50.0%); 1 tensor at default"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("mAP@0.5 0.2500 -> 0.3000 (+0.0500), mAP@[.5:.95] 0.1000 -> 0.1250 (+0.0250) on 100 test scenes"),
            std::string::npos)
      << text;
  const advise::SummarySection s = advise::finetune_section(r, o);
  ASSERT_EQ(s.rows.size(), 2u);
  EXPECT_EQ(s.header[1], "baseline (det.pt)");
  EXPECT_EQ(s.rows[1][0], "mAP@[.5:.95]");
}

}  // namespace
}  // namespace hwnas::testing
