// The training loop on a tiny network and synthetic batches: it learns, it is
// deterministic, a diverging run fails with the reason, and a resumed run ends as an
// uninterrupted one.
#include <gtest/gtest.h>

#include "hwnas/base/error.h"
#include "hwnas/train/trainer.h"
#include "support/scratch_dir.h"
#include "trainer_support.h"

namespace hwnas::train {
namespace {

using testing::synthetic_set;
using testing::tiny_classifier;

TrainOptions quick_options() {
  TrainOptions o;
  o.epochs = 4;
  o.batch = 16;
  o.seed = 5;
  o.threads = 1;
  o.optimizer.lr = 0.2;
  return o;
}

const ModelStamp kStamp{"tiny", "0", "classification", 8};

struct Outcome {
  FitResult fit;
  NamedTensors state;
  double accuracy = 0;
};

Outcome train(const TrainOptions& o, std::uint64_t init_seed = 1, const ProgressCallback& progress = {}) {
  torch::set_num_threads(o.threads);
  static const testing::SyntheticSet data = synthetic_set(240);
  Network net(tiny_classifier(), init_seed);
  TrainableModel m = trainable(net);
  Outcome r;
  r.fit = fit_classifier(m, data.images.size(0), data.source(), o, kStamp, progress);
  r.state = net->named_state();
  if (!r.fit.failed) {
    const ClassScores s = predict_classes(m, data.images.size(0), data.source(), 64);
    std::int64_t correct = 0;
    for (std::size_t i = 0; i < s.labels.size(); ++i) {
      const float* row = s.scores.data() + i * 3;
      correct += std::max_element(row, row + 3) - row == s.labels[i];
    }
    r.accuracy = static_cast<double>(correct) / static_cast<double>(s.labels.size());
  }
  return r;
}

bool same_state(const NamedTensors& a, const NamedTensors& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].first != b[i].first || !torch::equal(a[i].second, b[i].second)) return false;
  return true;
}

TEST(TrainingLoop, LearnsASeparableTask) {
  const Outcome r = train(quick_options());
  ASSERT_FALSE(r.fit.failed) << r.fit.failure;
  EXPECT_EQ(r.fit.epochs_done, 4);
  EXPECT_EQ(r.fit.images, 4 * 15 * 16);  // 240 / 16 steps of 16 images per epoch
  EXPECT_GT(r.accuracy, 0.9);            // chance is 1/3
  EXPECT_LT(r.fit.final_loss, 0.8);      // ln 3 = 1.10 at the start
}

TEST(TrainingLoop, SameSeedAndThreadsGiveTheSameWeights) {
  const Outcome a = train(quick_options()), b = train(quick_options());
  EXPECT_TRUE(same_state(a.state, b.state));
  EXPECT_EQ(a.fit.final_loss, b.fit.final_loss);
  TrainOptions other = quick_options();
  other.seed = 6;  // another order and augmentation, same initial weights
  EXPECT_FALSE(same_state(a.state, train(other).state));
  TrainOptions adamw = quick_options();
  adamw.optimizer = default_optimizer(OptimizerKind::adamw);
  const Outcome c = train(adamw), d = train(adamw);
  EXPECT_TRUE(same_state(c.state, d.state));
  EXPECT_FALSE(same_state(a.state, c.state));
}

TEST(TrainingLoop, AnyLossRunsThroughTheOneLoop) {
  // fit() with the classifier's loss written out by hand ends where fit_classifier does:
  // the loop owns nothing of the task but the loss it is given.
  TrainOptions o = quick_options();
  o.label_smoothing = 0;
  torch::set_num_threads(o.threads);
  static const testing::SyntheticSet data = synthetic_set(240);
  Network net(tiny_classifier(), 1);
  TrainableModel m = trainable(net);
  std::int64_t calls = 0;
  const BatchLoss loss = [&](std::span<const std::int64_t> positions, std::uint64_t seed, RunStep) {
    ++calls;
    const LabelledBatch b = data.source()(positions, seed);
    return torch::nn::functional::cross_entropy(net->forward(b.images).front().flatten(1), b.labels);
  };
  const FitResult by_hand = fit(m, data.images.size(0), loss, o, kStamp, {});
  ASSERT_FALSE(by_hand.failed) << by_hand.failure;
  EXPECT_EQ(calls, 4 * 15);  // one call per step
  EXPECT_TRUE(same_state(net->named_state(), train(o).state));
}

TEST(TrainingLoop, ADivergingRunFailsWithTheReason) {
  TrainOptions o = quick_options();
  o.optimizer.lr = 1e6;
  o.warmup = 0;
  Outcome r;
  ASSERT_NO_THROW(r = train(o));
  ASSERT_TRUE(r.fit.failed);
  EXPECT_NE(r.fit.failure.find("at epoch 1 step "), std::string::npos) << r.fit.failure;
  EXPECT_NE(r.fit.failure.find("diverged; lower --lr"), std::string::npos) << r.fit.failure;
  EXPECT_EQ(r.fit.failure.find('\n'), std::string::npos);
  EXPECT_LT(r.fit.epochs_done, o.epochs);
}

TEST(TrainingLoop, AResumedRunEndsAsAnUninterruptedOne) {
  const testing::ScratchDir dir("trainer_loop");
  TrainOptions o = quick_options();
  o.checkpoint = (dir.path() / "run.ckpt").string();
  const Outcome whole = train(o);
  // Stopped in epoch 3 (an exception where kill -9 would strike): epoch 2's checkpoint stays.
  struct Stop {};
  EXPECT_THROW(train(o, 1, [](const StepProgress& p) { if (p.epoch == 2 && p.step == 3) throw Stop{}; }), Stop);
  o.resume = true;
  const Outcome resumed = train(o, /*init_seed=*/99);  // the checkpoint's weights replace these
  ASSERT_FALSE(resumed.fit.failed);
  EXPECT_EQ(resumed.fit.resumed_from_epoch, 2);
  EXPECT_EQ(resumed.fit.images, 2 * 15 * 16);
  EXPECT_TRUE(same_state(whole.state, resumed.state));

  TrainOptions changed = o;
  changed.optimizer.lr = 0.3;
  try {
    train(changed);
    ADD_FAILURE() << "resumed under another --lr";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("was written by a run with --lr 0.2, not 0.3"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace hwnas::train
