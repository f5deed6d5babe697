// Ensembles of zero-shot proxies (issue 13 §1): combining several proxies' scores of the
// same candidates into one score per candidate. Torch-free: they work on the scores
// (proxy_score.h), not on networks. Higher is better, as for every proxy. Each proxy's
// scores are ranked by proxy_ranks (proxy_rank.h): an undefined score ranks below every
// defined one, tied with the other undefined ones, so no NaN reaches an ensemble.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "hwnas/train/proxies/proxy_score.h"

namespace hwnas::train::proxies {

/// Scores of several proxies for the same candidates: table[p][i] is proxy p's score of
/// candidate i. Every row has one score per candidate.
using ProxyTable = std::vector<std::vector<ProxyScore>>;

/// The proxies Abdelfattah et al. vote between ("Zero-Cost Proxies for Lightweight NAS",
/// ICLR 2021, §4.2): synflow, jacob_cov, snip.
std::vector<std::string> default_vote_proxies();

/// The majority vote as a score (a Copeland count): candidate i gets 1 for every other
/// candidate j that more proxies rank above j than below it, and ½ when as many do.
/// Abdelfattah et al. vote pair by pair (reference code read:
/// github.com/SamsungLabs/zero-cost-nas, notebooks/nasbench201_correlations.ipynb, `vote`);
/// counting each candidate's won pairs turns that vote into a ranking. O(n² · proxies).
/// Always defined. Throws UserError when `table` is empty or its rows differ in length.
std::vector<ProxyScore> majority_vote(const ProxyTable& table);

/// The statistic Abdelfattah et al. report for their vote (0.82 on NAS-Bench-201 CIFAR-10):
/// the fraction of ordered pairs (i, j) of candidates with different accuracies for which
/// the vote orders them as the accuracies do. The vote says "i above j" when at least half
/// of the proxies rank i strictly above j (their rule; with an odd count, a strict
/// majority). It is a pairwise agreement, not a Spearman ρ. NaN for fewer than two distinct
/// accuracies. Throws UserError when `accuracies` does not match the table.
double vote_pairwise_agreement(const ProxyTable& table, std::span<const double> accuracies);

/// A rank aggregation fitted on a few trained candidates: accuracy ≈ b + Σ_p w_p · r_p(i),
/// r_p(i) ∈ [0, 1] candidate i's rank under proxy p among all candidates of the table,
/// normalised ((rank − 1) / (n − 1); ½ for a single candidate). w and b: ridge regression
/// (estimate/ridge.h: standardised columns, unpenalised intercept) on the `trained`
/// candidates' ranks and `accuracies`, λ chosen among {10⁻³, 10⁻², …, 10³} by leave-one-out
/// error (a large λ leaves weights proportional to each proxy's covariance with the
/// accuracy: a correlation-weighted vote). Needs at least 3 trained candidates.
struct RankAggregation {
  std::vector<double> weights;  // per proxy, accuracy units per unit of normalised rank
  double intercept = 0;
  double lambda = 0;            // the λ chosen
};
/// Throws UserError when fewer than 3 candidates are given, an index is out of range or
/// repeated, `accuracies` does not match `trained`, or the table is malformed.
RankAggregation fit_rank_aggregation(const ProxyTable& table, std::span<const std::size_t> trained,
                                     std::span<const double> accuracies);
/// The fitted score of every candidate of `table` (the predicted accuracy). Always defined.
std::vector<ProxyScore> apply_rank_aggregation(const ProxyTable& table, const RankAggregation& fit);

}  // namespace hwnas::train::proxies
