// The compiled forest predicts what XGBoost predicts.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "hwnas/estimate/forest.h"
#include "hwnas/estimate/xgb_regressor.h"
#include "hwnas/base/error.h"

namespace hwnas::estimate {
namespace {

struct Data {
  std::vector<float> x, y;
};

// A staircase and a max of two terms: what latency looks like, in 6 features.
Data make_data(std::size_t rows, std::size_t cols, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(0, 64);
  Data d;
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t c = 0; c < cols; ++c) d.x.push_back(std::floor(u(rng)));
    const float* v = &d.x[r * cols];
    d.y.push_back(std::ceil(v[0] / 16) * v[1] + std::max(v[2], 2 * v[3]) + 0.1f * v[4]);
  }
  return d;
}

void expect_same(const XgbRegressor& m, const std::vector<float>& x, std::size_t cols) {
  const std::vector<float> ours = m.predict(x, cols), theirs = m.predict_xgboost(x, cols);
  ASSERT_EQ(ours.size(), theirs.size());
  for (std::size_t i = 0; i < ours.size(); ++i)
    ASSERT_NEAR(ours[i], theirs[i], 1e-4f * (1 + std::fabs(theirs[i]))) << "row " << i;
}

TEST(Forest, PredictsWhatXgboostPredicts) {
  constexpr std::size_t cols = 6;
  const Data train = make_data(2000, cols, 1), test = make_data(1003, cols, 2);  // 1003: a ragged last block
  XgbParams p;
  p.rounds = 60;
  p.max_depth = 7;
  const XgbRegressor m = XgbRegressor::train(train.x, cols, train.y, p);
  EXPECT_EQ(m.forest().trees(), 60u);
  expect_same(m, test.x, cols);
  // A loaded model compiles to the same forest.
  const XgbRegressor loaded = XgbRegressor::load(m.save(), cols);
  EXPECT_EQ(loaded.predict(test.x, cols), m.predict(test.x, cols));
  // Rows of fewer features than the model reads are refused at load, not read past.
  EXPECT_THROW(XgbRegressor::load(m.save(), 2), UserError);
  // The model learnt something: not just a constant.
  const std::vector<float> pred = m.predict(test.x, cols);
  EXPECT_NE(pred[0], pred[1]);
}

TEST(Forest, MissingValuesFollowTheDefaultBranch) {
  constexpr std::size_t cols = 6;
  Data train = make_data(1500, cols, 3);
  for (std::size_t r = 0; r < 1500; r += 3) train.x[r * cols + 0] = std::numeric_limits<float>::quiet_NaN();
  XgbParams p;
  p.rounds = 30;
  const XgbRegressor m = XgbRegressor::train(train.x, cols, train.y, p);
  Data test = make_data(200, cols, 4);
  for (std::size_t r = 0; r < 200; r += 2) test.x[r * cols + 0] = std::numeric_limits<float>::quiet_NaN();
  expect_same(m, test.x, cols);
}

TEST(Forest, RejectsWhatIsNotAModel) {
  EXPECT_THROW(Forest::from_xgboost_json("{}"), UserError);
  EXPECT_THROW(Forest::from_xgboost_json("not json"), UserError);
  EXPECT_THROW(Forest::from_xgboost_json(
                   R"({"learner": {"learner_model_param": {"base_score": "0.5"}, "gradient_booster": {"name": "gbtree",
                       "model": {"trees": [{"left_children": [1, -1], "right_children": [2, -1],
                       "split_indices": [0, 0], "split_conditions": [1, 2], "default_left": [0, 0]}]}}}})"),
               UserError);
}

}  // namespace
}  // namespace hwnas::estimate
