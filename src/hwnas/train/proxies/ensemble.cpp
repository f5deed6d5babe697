#include "hwnas/train/proxies/ensemble.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <set>

#include "hwnas/base/error.h"
#include "hwnas/estimate/ridge.h"
#include "hwnas/train/proxies/proxy_rank.h"

namespace hwnas::train::proxies {
namespace {

/// Each proxy's ranks (proxy_ranks), checking the table's shape.
std::vector<std::vector<double>> table_ranks(const ProxyTable& table) {
  if (table.empty()) throw UserError("a proxy ensemble needs the scores of at least one proxy");
  std::vector<std::vector<double>> ranks;
  for (std::size_t p = 0; p < table.size(); ++p) {
    if (table[p].size() != table[0].size())
      throw UserError(fmt::format("a proxy ensemble needs one score per candidate from every proxy; proxy {} "
                                  "has {} scores, proxy 0 has {}",
                                  p, table[p].size(), table[0].size()));
    ranks.push_back(proxy_ranks(table[p]));
  }
  return ranks;
}

/// How many proxies rank i strictly above j, and strictly below.
std::pair<std::size_t, std::size_t> votes(const std::vector<std::vector<double>>& ranks, std::size_t i,
                                          std::size_t j) {
  std::size_t above = 0, below = 0;
  for (const std::vector<double>& r : ranks) {
    above += r[i] > r[j] ? 1 : 0;
    below += r[i] < r[j] ? 1 : 0;
  }
  return {above, below};
}

std::vector<double> normalised_ranks(const std::vector<double>& ranks) {
  std::vector<double> out(ranks.size(), 0.5);
  if (ranks.size() > 1)
    for (std::size_t i = 0; i < ranks.size(); ++i) out[i] = (ranks[i] - 1) / static_cast<double>(ranks.size() - 1);
  return out;
}

}  // namespace

std::vector<std::string> default_vote_proxies() { return {"synflow", "jacob_cov", "snip"}; }

std::vector<ProxyScore> majority_vote(const ProxyTable& table) {
  const std::vector<std::vector<double>> ranks = table_ranks(table);
  const std::size_t n = table[0].size();
  std::vector<double> wins(n, 0);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j) {
      const auto [above, below] = votes(ranks, i, j);
      const double won = above > below ? 1 : above == below ? 0.5 : 0;
      wins[i] += won;
      wins[j] += 1 - won;
    }
  std::vector<ProxyScore> scores;
  for (const double w : wins) scores.push_back(ProxyScore{w, true, ""});
  return scores;
}

double vote_pairwise_agreement(const ProxyTable& table, std::span<const double> accuracies) {
  const std::vector<std::vector<double>> ranks = table_ranks(table);
  const std::size_t n = table[0].size();
  if (accuracies.size() != n)
    throw UserError(fmt::format("vote agreement: {} accuracies for {} candidates", accuracies.size(), n));
  std::size_t right = 0, total = 0;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      if (i == j || accuracies[i] == accuracies[j]) continue;
      const bool i_above = 2 * votes(ranks, i, j).first >= ranks.size();
      right += i_above == (accuracies[i] > accuracies[j]) ? 1 : 0;
      ++total;
    }
  return total == 0 ? std::numeric_limits<double>::quiet_NaN()
                    : static_cast<double>(right) / static_cast<double>(total);
}

RankAggregation fit_rank_aggregation(const ProxyTable& table, std::span<const std::size_t> trained,
                                     std::span<const double> accuracies) {
  const std::vector<std::vector<double>> ranks = table_ranks(table);
  const std::size_t n = table[0].size();
  if (trained.size() != accuracies.size())
    throw UserError(fmt::format("rank aggregation: {} trained candidates but {} accuracies", trained.size(),
                                accuracies.size()));
  if (trained.size() < 3)
    throw UserError(fmt::format("rank aggregation is fitted on at least 3 trained candidates; {} given",
                                trained.size()));
  std::set<std::size_t> seen;
  for (const std::size_t i : trained)
    if (i >= n || !seen.insert(i).second)
      throw UserError(fmt::format("rank aggregation: trained candidate {} is {} (the table has {} candidates)", i,
                                  i >= n ? "out of range" : "given twice", n));
  std::vector<std::vector<double>> normalised;
  for (const std::vector<double>& r : ranks) normalised.push_back(normalised_ranks(r));
  std::vector<std::vector<double>> x;
  for (const std::size_t i : trained) {
    std::vector<double> row;
    for (const std::vector<double>& r : normalised) row.push_back(r[i]);
    x.push_back(std::move(row));
  }
  const estimate::RidgeModel model =
      estimate::fit_ridge(x, std::vector<double>(accuracies.begin(), accuracies.end()), {1e-3, 1e-2, 0.1, 1, 10, 100, 1000});
  RankAggregation fit{{}, model.intercept, model.lambda};
  // fit_ridge works on standardised columns: back to units of normalised rank.
  for (std::size_t p = 0; p < model.weights.size(); ++p) {
    const double w = model.scale[p] > 0 ? model.weights[p] / model.scale[p] : 0;
    fit.weights.push_back(w);
    fit.intercept -= w * model.mean[p];
  }
  return fit;
}

std::vector<ProxyScore> apply_rank_aggregation(const ProxyTable& table, const RankAggregation& fit) {
  const std::vector<std::vector<double>> ranks = table_ranks(table);
  if (fit.weights.size() != table.size())
    throw UserError(fmt::format("rank aggregation fitted on {} proxies applied to {}", fit.weights.size(),
                                table.size()));
  std::vector<double> predicted(table[0].size(), fit.intercept);
  for (std::size_t p = 0; p < ranks.size(); ++p) {
    const std::vector<double> r = normalised_ranks(ranks[p]);
    for (std::size_t i = 0; i < r.size(); ++i) predicted[i] += fit.weights[p] * r[i];
  }
  std::vector<ProxyScore> scores;
  for (const double v : predicted) scores.push_back(ProxyScore{v, true, ""});
  return scores;
}

}  // namespace hwnas::train::proxies
