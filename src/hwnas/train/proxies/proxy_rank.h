// Ranking proxy scores (proxy_score.h) so that undefined ones never reach a correlation or a
// search as NaN. Torch-free. Spearman's ρ and Kendall's τ of the ranks against accuracies
// are estimate/stats.h's (spearman, kendall), which treat tied ranks as ties.
#pragma once

#include <span>
#include <vector>

#include "hwnas/train/proxies/proxy_score.h"

namespace hwnas::train::proxies {

/// Average ranks of `scores`, 1 for the lowest: defined scores by value (equal values share
/// the mean of their ranks), every undefined score below every defined one and tied with
/// the other undefined ones (they share the mean of ranks 1…u). Always finite; empty for
/// no scores.
std::vector<double> proxy_ranks(std::span<const ProxyScore> scores);

/// Percentile of `score` among `reference` in [0, 100]: 100 × (number of reference scores
/// ranked below it + half of those tied with it) / reference.size(), ranked as proxy_ranks
/// does (an undefined score ties with the undefined reference scores, below the defined).
/// 50 for an empty reference. Monotone in the score: a search maximising it ranks
/// candidates as the proxy does.
double proxy_percentile(const ProxyScore& score, std::span<const ProxyScore> reference);

}  // namespace hwnas::train::proxies
