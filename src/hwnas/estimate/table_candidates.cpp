#include "hwnas/estimate/table_candidates.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <utility>

#include "hwnas/base/error.h"
#include "hwnas/estimate/ridge.h"
#include "hwnas/estimate/stats.h"

namespace hwnas::estimate {
namespace {

constexpr double kLossCap = 0.20;  // relative error beyond which a row's loss stops growing
constexpr std::size_t kEnsemble = 5;  // members averaged from 60 training rows
constexpr double kMaxDfShare = 0.5;   // below kFewRows rows, a model's degrees of freedom: at most this share of them
constexpr std::size_t kFewRows = 60;  // below it: the one-standard-error rule, no one-hot, and the blend
// The ridge on all other devices: at most this share of the rows in degrees of freedom
// (at 0.5, Gold 6226 on HELP's query set fell from 9 to 8 seeds of 10 at or above HELP).
constexpr double kRidgeDfShare = 0.4;
// The ensemble or the ridge alone is kept when its leave-one-out loss is below this share
// of the blend's: clearly better, as the ensemble is on columns its op counts predict
// almost exactly.
constexpr double kClearlyBetter = 0.5;

const std::vector<double> kLambdas = {1e-4, 1e-3, 1e-2, 0.1, 1, 10, 100, 1000};

struct Candidate {
  TableMember member;
  double score = 0;     // leave-one-out mean capped squared relative error
  double score_se = 0;  // its standard error
  std::size_t complexity = 0;
};

std::vector<Candidate> ensemble_members(const std::vector<TableRow>& rows, const std::vector<double>& latency_ms,
                                        const std::vector<std::size_t>& train) {
  const std::size_t n_train = train.size();
  const std::size_t n_others = rows.front().others.size();
  // Rank the other devices by rank correlation with the target on the training rows: with
  // few rows, one outlying row can make an unrelated device look correlated to Pearson.
  std::vector<double> target_log;
  for (std::size_t i : train) target_log.push_back(std::log(std::max(latency_ms[i], kTableFloorMs)));
  std::vector<std::pair<double, std::size_t>> ranked;
  for (std::size_t c = 0; c < n_others; ++c) {
    std::vector<double> v;
    for (std::size_t i : train) v.push_back(rows[i].others[c]);
    ranked.emplace_back(-std::fabs(spearman(v, target_log)), c);
  }
  std::sort(ranked.begin(), ranked.end());

  const std::vector<double>& lambdas = kLambdas;
  // Below 60 rows, no candidate may spend more than kMaxDfShare of the rows on degrees of
  // freedom; with more rows, a clean table (a sum of per-layer lookup entries) deserves
  // the full one-hot fit.
  const double max_df = n_train < kFewRows ? kMaxDfShare * double(n_train) : std::numeric_limits<double>::infinity();
  std::vector<Candidate> candidates;
  struct FeatureSet {
    bool live = false, simulated = false, one_hot = false;
  };
  const std::vector<FeatureSet> sets = {{}, {true, false, false}, {false, true, false}, {true, true, false},
                                        {true, true, true}, {false, false, true}};
  for (const bool log_target : {true, false})
    for (const FeatureSet& set : sets)
    for (std::size_t k : {std::size_t{0}, std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{5},
                          std::size_t{8}, ranked.size()}) {
      // Few rows cannot choose among many features: at most one other device per 10
      // training rows — or all of them at once, which ridge shrinks together — and the
      // one-hot only from 60 rows.
      const bool all_others = k == ranked.size();
      if (k > ranked.size() || (!all_others && k > std::max<std::size_t>(1, n_train / 10)) ||
          (set.one_hot && n_train < kFewRows) || (set.live && rows.front().live.empty()))
        continue;
      Candidate c;
      TableMember& m = c.member;
      m.log_target = log_target;
      m.live = set.live;
      m.simulated = set.simulated;
      m.one_hot = set.one_hot;
      for (std::size_t j = 0; j < k; ++j) m.others.push_back(ranked[j].second);
      std::vector<std::vector<double>> x;
      std::vector<double> y, ms;
      for (std::size_t i : train) {
        x.push_back(m.features(rows[i]));
        ms.push_back(std::max(latency_ms[i], kTableFloorMs));
        y.push_back(log_target ? std::log(ms.back()) : ms.back());
      }
      // Row i's loss: its leave-one-out relative error squared, capped at kLossCap, so that
      // a noisy device's outliers choose neither λ nor the model for the rows it can predict.
      const auto capped_loss = [&](std::size_t i, double residual) {
        const double e = log_target ? std::expm1(residual) : residual / ms[i];
        return std::min(e * e, kLossCap * kLossCap);
      };
      m.model = fit_ridge(x, y, lambdas, capped_loss, max_df);
      // The mean loss scores the candidate; its standard error says how sure that score is.
      double sum_sq = 0;
      for (std::size_t i = 0; i < n_train; ++i) sum_sq += std::pow(capped_loss(i, m.model.loo_residuals[i]), 2);
      const double n = double(n_train);
      c.score = m.model.loo_loss;  // the mean of the same capped losses
      c.score_se = std::sqrt(std::max(0.0, sum_sq / n - c.score * c.score) / n);
      c.complexity = x.front().size();
      candidates.push_back(std::move(c));
    }
  // The members, whose predictions are averaged (geometric mean): they err on different
  // rows. With few rows, the one-standard-error rule — the kEnsemble simplest candidates
  // within one standard error of the best, which keeps small training sets from choosing
  // by noise; with more rows, the kEnsemble candidates of lowest leave-one-out error.
  std::sort(candidates.begin(), candidates.end(),
            [](const Candidate& a, const Candidate& b) { return a.score < b.score; });
  std::vector<Candidate> members;
  if (n_train < kFewRows) {
    const double bar = candidates.front().score + candidates.front().score_se;
    std::vector<Candidate> within;
    for (const Candidate& c : candidates)
      if (c.score <= bar) within.push_back(c);
    std::stable_sort(within.begin(), within.end(),
                     [](const Candidate& a, const Candidate& b) { return a.complexity < b.complexity; });
    members.assign(within.begin(), within.begin() + std::min(kEnsemble, within.size()));
  } else {
    members.assign(candidates.begin(), candidates.begin() + std::min(kEnsemble, candidates.size()));
  }
  return members;
}

double capped_log_loss(double residual) {
  const double e = std::expm1(residual);
  return std::min(e * e, kLossCap * kLossCap);
}

// The ridge regression on the other devices' log latencies alone, in log space, λ by
// leave-one-out squared error within kRidgeDfShare of the rows.
TableMember others_ridge(const std::vector<TableRow>& rows, const std::vector<double>& latency_ms,
                         const std::vector<std::size_t>& train) {
  TableMember m;
  m.counts = false;
  for (std::size_t j = 0; j < rows.front().others.size(); ++j) m.others.push_back(j);
  std::vector<std::vector<double>> x;
  std::vector<double> y;
  for (std::size_t i : train) {
    x.push_back(m.features(rows[i]));
    y.push_back(std::log(std::max(latency_ms[i], kTableFloorMs)));
  }
  m.model = fit_ridge(x, y, kLambdas, {}, kRidgeDfShare * double(train.size()));
  return m;
}

}  // namespace

const char* table_mix_name(TableMix mix) {
  switch (mix) {
    case TableMix::ensemble: return "ensemble";
    case TableMix::blend: return "blend";
    case TableMix::ridge: return "ridge";
  }
  HWNAS_CHECK(false);
  return "";
}

TableChoice choose_table_members(const std::vector<TableRow>& rows, const std::vector<double>& latency_ms,
                                 const std::vector<std::size_t>& train) {
  HWNAS_CHECK(train.size() >= 5 && latency_ms.size() == rows.size());
  TableChoice out;
  const std::vector<Candidate> ensemble = ensemble_members(rows, latency_ms, train);
  for (const Candidate& c : ensemble) out.members.push_back({c.member, c.score});
  const std::size_t n = train.size();
  if (n >= kFewRows || rows.front().others.empty()) return out;
  TableMember ridge = others_ridge(rows, latency_ms, train);
  // The ensemble's leave-one-out error with its whole choice repeated without each row
  // (its members' own scores flatter it: they were chosen on every row); the blend's
  // residual is the mean of the ensemble's and the ridge's, in log space.
  out.ensemble_loss = 0;
  out.blend_loss = 0;
  out.ridge_loss = 0;
  for (std::size_t k = 0; k < n; ++k) {
    std::vector<std::size_t> rest = train;
    rest.erase(rest.begin() + static_cast<std::ptrdiff_t>(k));
    std::vector<TableMember> without;
    for (const Candidate& c : ensemble_members(rows, latency_ms, rest)) without.push_back(c.member);
    const std::size_t i = train[k];
    const double residual = std::log(std::max(latency_ms[i], kTableFloorMs)) - std::log(predict_table_ms(without, rows[i]));
    *out.ensemble_loss += capped_log_loss(residual) / double(n);
    *out.blend_loss += capped_log_loss(0.5 * (residual + ridge.model.loo_residuals[k])) / double(n);
    *out.ridge_loss += capped_log_loss(ridge.model.loo_residuals[k]) / double(n);
  }
  if (*out.ensemble_loss <= kClearlyBetter * *out.blend_loss) return out;  // also when all are exact
  if (*out.ridge_loss < kClearlyBetter * *out.blend_loss) {
    out.mix = TableMix::ridge;
    out.members = {{std::move(ridge), *out.ridge_loss}};
    return out;
  }
  out.mix = TableMix::blend;
  for (ScoredMember& m : out.members) m.member.weight = 0.5 / double(ensemble.size());
  ridge.weight = 0.5;
  out.members.push_back({std::move(ridge), *out.ridge_loss});
  return out;
}

}  // namespace hwnas::estimate
