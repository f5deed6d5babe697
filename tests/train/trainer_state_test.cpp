// Optimiser parameter groups and weight decay, and the weights and checkpoint files.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "hwnas/base/error.h"
#include "hwnas/train/checkpoint.h"
#include "hwnas/train/optimizer.h"
#include "support/scratch_dir.h"
#include "trainer_support.h"

namespace hwnas::train {
namespace {

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const UserError& e) {
    return e.what();
  }
  return "(no UserError)";
}

// One Nesterov SGD step with a zero gradient: the buffer is g + wd·p, the update
// g + μ·buffer = (1 + μ)·wd·p, so a decayed weight becomes p·(1 − lr·(1 + μ)·wd) and a 1-D
// tensor (no decay) stays.
TEST(Optimizer, WeightDecaySparesOneDimensionalTensors) {
  NamedTensors params = {{"w", torch::ones({2, 2}, torch::requires_grad())},
                         {"b", torch::ones({2}, torch::requires_grad())}};
  OptimizerConfig c;
  c.lr = 0.1;
  c.momentum = 0.9;
  c.weight_decay = 0.1;
  auto opt = make_optimizer(params, c);
  ASSERT_EQ(opt->param_groups().size(), 2u);
  for (auto& [name, t] : params) t.mutable_grad() = torch::zeros_like(t);
  opt->step();
  EXPECT_NEAR(params[0].second[0][0].item<double>(), 1 - 0.1 * 1.9 * 0.1, 1e-6);
  EXPECT_EQ(params[1].second[0].item<double>(), 1.0);
  set_learning_rate(*opt, 0.5);
  for (auto& g : opt->param_groups()) EXPECT_EQ(g.options().get_lr(), 0.5);
}

TEST(Optimizer, AdamWDecaysDecoupled) {
  NamedTensors params = {{"w", torch::ones({1, 1}, torch::requires_grad())}};
  OptimizerConfig c = default_optimizer(OptimizerKind::adamw);
  c.lr = 0.1;
  c.weight_decay = 0.5;
  auto opt = make_optimizer(params, c);
  params[0].second.mutable_grad() = torch::zeros({1, 1});
  opt->step();  // p·(1 − lr·wd), then a zero Adam step
  EXPECT_NEAR(params[0].second.item<double>(), 0.95, 1e-6);
}

TEST(Optimizer, StateRoundTripsThroughBytes) {
  NamedTensors params = {{"w", torch::ones({2, 2}, torch::requires_grad())}};
  auto opt = make_optimizer(params, OptimizerConfig{});
  params[0].second.mutable_grad() = torch::full({2, 2}, 0.5);
  opt->step();
  const std::string bytes = save_optimizer_state(*opt);
  NamedTensors again = {{"w", params[0].second.detach().clone().requires_grad_()}};
  auto restored = make_optimizer(again, OptimizerConfig{});
  load_optimizer_state(*restored, bytes, "ckpt");
  params[0].second.mutable_grad() = again[0].second.mutable_grad() = torch::full({2, 2}, 0.25);
  opt->step();
  restored->step();  // the same momentum buffer -> the same update
  EXPECT_TRUE(torch::equal(params[0].second, again[0].second));
  EXPECT_NE(message_of([&] { load_optimizer_state(*restored, "garbage", "ckpt"); }).find("ckpt: the optimizer state"),
            std::string::npos);
}

TEST(Checkpoint, WeightsAndCheckpointsRoundTrip) {
  const testing::ScratchDir dir("trainer_state");
  const std::string weights = (dir.path() / "w.pt").string(), ckpt = (dir.path() / "c.pt").string();
  const ModelStamp stamp{"tiny", "00000000000000ab", "classification", 8};
  const NamedTensors tensors = {{"conv.weight", torch::randn({4, 1, 3, 3})}, {"bn.num_batches_tracked", torch::tensor(3)}};
  write_weights(weights, {stamp, tensors});
  const WeightsFile w = read_weights(weights);
  EXPECT_EQ(w.stamp, stamp);
  ASSERT_EQ(w.tensors.size(), 2u);
  EXPECT_EQ(w.tensors[0].first, "conv.weight");
  EXPECT_TRUE(torch::equal(w.tensors[0].second, tensors[0].second));

  Checkpoint c{stamp, {{"--epochs", "3"}, {"--seed", "1"}}, 2, 1200, 3.5, 2.25, tensors, std::string("\0\1x", 3)};
  write_checkpoint(ckpt, c);
  const Checkpoint r = read_checkpoint(ckpt);
  EXPECT_EQ(r.identity, c.identity);
  EXPECT_EQ(r.epochs_done, 2);
  EXPECT_EQ(r.images_seen, 1200);
  EXPECT_EQ(r.first_loss, 2.25);
  EXPECT_EQ(r.optimizer, c.optimizer);
  EXPECT_NO_THROW(check_resumable(r, stamp, c.identity, ckpt));
  EXPECT_NE(message_of([&] { check_resumable(r, stamp, {{"--epochs", "5"}, {"--seed", "1"}}, ckpt); })
                .find("was written by a run with --epochs 3, not 5"),
            std::string::npos);
  // Another --optimizer brings another default --lr: the optimizer is the one named
  // (fresh-user finding: '--lr 0.1, not 0.002' for a changed --optimizer).
  Checkpoint sgd = c;
  sgd.identity = {{"--lr", "0.1"}, {"--optimizer", "sgd"}};
  EXPECT_NE(message_of([&] { check_resumable(sgd, stamp, {{"--lr", "0.002"}, {"--optimizer", "adamw"}}, ckpt); })
                .find("was written by a run with --optimizer sgd, not adamw"),
            std::string::npos);
  ModelStamp other = stamp;
  other.model = "big";
  EXPECT_NE(message_of([&] { check_resumable(r, other, c.identity, ckpt); }).find("a checkpoint of model 'tiny'"),
            std::string::npos);

  // The wrong kind, not a pickle at all, a truncated file: one-line errors naming the path.
  EXPECT_NE(message_of([&] { read_weights(ckpt); }).find("is a hwnas-checkpoint file, not a weights file"),
            std::string::npos);
  EXPECT_NE(message_of([&] { read_checkpoint(weights); }).find("not a checkpoint"), std::string::npos);
  std::ofstream(dir.path() / "text.pt") << "layers: []\n";
  EXPECT_NE(message_of([&] { read_weights((dir.path() / "text.pt").string()); }).find("not a weights file of hwnas"),
            std::string::npos);
  const std::string bytes = testing::read_file_bytes(weights);
  std::ofstream(dir.path() / "cut.pt", std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  const std::string cut = message_of([&] { read_weights((dir.path() / "cut.pt").string()); });
  EXPECT_NE(cut.find("cut.pt"), std::string::npos) << cut;
  EXPECT_EQ(cut.find('\n'), std::string::npos) << cut;
  EXPECT_NE(message_of([&] { read_weights((dir.path() / "absent.pt").string()); }).find("absent.pt: cannot read"),
            std::string::npos);
}

}  // namespace
}  // namespace hwnas::train
