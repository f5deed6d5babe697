// The proxy ensembles (proxies/ensemble.h): the majority vote as a Copeland count, the
// pairwise agreement Abdelfattah et al. report, and the rank aggregation fitted on a few
// trained candidates.
#include <gtest/gtest.h>

#include "hwnas/base/error.h"
#include "hwnas/train/proxies/ensemble.h"

namespace hwnas::train::proxies {
namespace {

std::vector<ProxyScore> defined(std::vector<double> values) {
  std::vector<ProxyScore> scores;
  for (const double v : values) scores.push_back({v, true, ""});
  return scores;
}

std::vector<double> values(const std::vector<ProxyScore>& scores) {
  std::vector<double> out;
  for (const ProxyScore& s : scores) {
    EXPECT_TRUE(s.defined);
    out.push_back(s.value);
  }
  return out;
}

TEST(ProxyEnsemble, MajorityVoteCountsPairsWon) {
  // Candidates a, b, c. Proxy 1: a > b > c; proxy 2: b > a > c; proxy 3: a > c > b.
  // a beats b (2:1) and c (3:0); b beats c (2:1): Copeland 2, 1, 0.
  const ProxyTable table = {defined({3, 2, 1}), defined({2, 3, 1}), defined({3, 1, 2})};
  EXPECT_EQ(values(majority_vote(table)), (std::vector<double>{2, 1, 0}));
  // Two proxies that disagree on a pair split it: ½ each.
  EXPECT_EQ(values(majority_vote({defined({1, 2}), defined({2, 1})})), (std::vector<double>{0.5, 0.5}));
}

TEST(ProxyEnsemble, UndefinedScoresLoseEveryComparison) {
  std::vector<ProxyScore> with_undefined = defined({5, 1, 2});
  with_undefined[0] = ProxyScore{0, false, "overflow"};
  // Alone, the undefined candidate ranks last: b (1) above nothing, c (2) above both.
  EXPECT_EQ(values(majority_vote({with_undefined})), (std::vector<double>{0, 1, 2}));
}

TEST(ProxyEnsemble, PairwiseAgreementUsesTheReferenceRule) {
  // One proxy ordering 3 candidates exactly as the accuracies: every pair agrees.
  const ProxyTable table = {defined({1, 2, 3})};
  EXPECT_DOUBLE_EQ(vote_pairwise_agreement(table, std::vector<double>{10, 20, 30}), 1.0);
  EXPECT_DOUBLE_EQ(vote_pairwise_agreement(table, std::vector<double>{30, 20, 10}), 0.0);
  // Two proxies that disagree: "i above j" when at least half say so, so both orders of the
  // pair are called "above": 1 of the 2 ordered pairs is right.
  EXPECT_DOUBLE_EQ(vote_pairwise_agreement({defined({1, 2}), defined({2, 1})}, std::vector<double>{1, 2}), 0.5);
  EXPECT_THROW(vote_pairwise_agreement(table, std::vector<double>{1, 2}), UserError);
}

TEST(ProxyEnsemble, RankAggregationRecoversLinearWeights) {
  // 9 candidates; proxy 0 ranks them 0..8, proxy 1 in another order; accuracies exactly
  // 70 + 10·r0 + 2·r1 on normalised ranks: the fit recovers (almost, ridge's λ ≥ 10⁻³) the weights.
  const std::vector<double> p1 = {4, 0, 7, 2, 8, 1, 5, 3, 6};
  const ProxyTable table = {defined({0, 1, 2, 3, 4, 5, 6, 7, 8}), defined(p1)};
  const std::vector<std::size_t> trained = {0, 2, 3, 5, 6, 8};
  std::vector<double> accuracies;
  for (const std::size_t i : trained) accuracies.push_back(70 + 10 * (i / 8.0) + 2 * (p1[i] / 8.0));
  const RankAggregation fit = fit_rank_aggregation(table, trained, accuracies);
  ASSERT_EQ(fit.weights.size(), 2U);
  EXPECT_NEAR(fit.weights[0], 10, 0.2);
  EXPECT_NEAR(fit.weights[1], 2, 0.2);
  const std::vector<double> predicted = values(apply_rank_aggregation(table, fit));
  EXPECT_NEAR(predicted[4], 70 + 10 * 0.5 + 2 * 1.0, 0.2);  // an untrained candidate
}

TEST(ProxyEnsemble, RefusesMalformedInput) {
  const ProxyTable table = {defined({1, 2, 3, 4}), defined({4, 3, 2, 1})};
  const std::vector<double> acc = {1, 2, 3};
  EXPECT_THROW(fit_rank_aggregation(table, std::vector<std::size_t>{0, 1}, std::vector<double>{1, 2}), UserError);
  EXPECT_THROW(fit_rank_aggregation(table, std::vector<std::size_t>{0, 1, 9}, acc), UserError);
  EXPECT_THROW(fit_rank_aggregation(table, std::vector<std::size_t>{0, 1, 1}, acc), UserError);
  EXPECT_THROW(majority_vote({}), UserError);
  EXPECT_THROW(majority_vote({defined({1, 2}), defined({1})}), UserError);
}

}  // namespace
}  // namespace hwnas::train::proxies
