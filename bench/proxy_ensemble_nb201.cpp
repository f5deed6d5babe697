// Issue 13 §1: the proxy ensembles (train/proxies/ensemble.h) on NAS-Bench-201, from the
// per-cell scores proxy_nb201 --scores writes (docs/proxies.md, "Ensembles"). Torch-free:
// it ranks scores that are already computed.
//
//   build/bin/proxy_ensemble_nb201 --scores FILE[,FILE...] [--vote synflow,jacob_cov,snip]
//                                  [--fit a,b,...] [--trained 20] [--draws 20] [--seed 0]
//
// Prints, for CIFAR-10, CIFAR-100 and ImageNet16-120:
// - the majority vote of --vote (a Copeland count): Spearman's ρ against the accuracy over
//   every cell, and the pairwise agreement Abdelfattah et al. report for their vote (0.82
//   on CIFAR-10: not a ρ);
// - the rank aggregation of --fit (default: every proxy column) fitted on --trained cells
//   drawn at random (their accuracy on that dataset known, as if trained), --draws times:
//   mean and standard deviation of ρ over the other cells, and the weights of the first draw.
// Undefined scores (empty cells of the CSV) rank last and tied, as everywhere. Several
// --scores files (runs of proxy_nb201 with other proxies on the same sample) are joined on
// their `index` column: the cells of the first, each proxy column from the first file that
// has it.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <numeric>

#include "bench_args.h"
#include "hwnas/base/csv.h"
#include "hwnas/base/error.h"
#include "hwnas/estimate/stats.h"
#include "hwnas/train/data/random.h"
#include "hwnas/train/proxies/ensemble.h"
#include "hwnas/train/proxies/proxy_rank.h"

namespace {

using namespace hwnas;
namespace proxies = hwnas::train::proxies;

struct Options {
  std::string scores;
  std::vector<std::string> vote = proxies::default_vote_proxies(), fit;
  std::int64_t trained = 20, draws = 20;
  std::uint64_t seed = 0;
};

using hwnas::bench::split_commas;

Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) throw UserError(fmt::format("{} needs a value", flag));
    const std::string value = argv[++i];
    if (flag == "--scores") o.scores = value;
    else if (flag == "--vote") o.vote = split_commas(value);
    else if (flag == "--fit") o.fit = split_commas(value);
    else if (flag == "--trained") o.trained = std::stoll(value);
    else if (flag == "--draws") o.draws = std::stoll(value);
    else if (flag == "--seed") o.seed = std::stoull(value);
    else throw UserError(fmt::format("unknown option {}", flag));
  }
  if (o.scores.empty()) throw UserError("--scores FILE (written by proxy_nb201 --scores) is required");
  return o;
}

constexpr std::array<const char*, 3> kDatasets = {"acc_cifar10", "acc_cifar100", "acc_imagenet16"};

int run(const Options& o) {
  const std::vector<std::string> files = split_commas(o.scores);
  CsvTable table = read_csv(files.at(0));
  for (std::size_t f = 1; f < files.size(); ++f) {
    const CsvTable more = read_csv(files[f]);
    const auto index_of = [&](const CsvTable& t) {
      const auto it = std::find(t.header.begin(), t.header.end(), "index");
      if (it == t.header.end()) throw UserError(fmt::format("a --scores file has no column 'index'"));
      return static_cast<std::size_t>(it - t.header.begin());
    };
    std::map<std::string, const std::vector<std::string>*> by_index;
    for (const auto& row : more.rows) by_index[row[index_of(more)]] = &row;
    const std::size_t first_proxy = static_cast<std::size_t>(
        std::find(more.header.begin(), more.header.end(), "acc_imagenet16") - more.header.begin() + 1);
    for (std::size_t c = first_proxy; c < more.header.size(); ++c) {
      if (std::find(table.header.begin(), table.header.end(), more.header[c]) != table.header.end()) continue;
      table.header.push_back(more.header[c]);
      for (auto& row : table.rows) {
        const auto it = by_index.find(row[index_of(table)]);
        if (it == by_index.end())
          throw UserError(fmt::format("{} has no cell {} of {}", files[f], row[index_of(table)], files[0]));
        row.push_back((*it->second)[c]);
      }
    }
  }
  const auto column = [&](const std::string& name) {
    const auto it = std::find(table.header.begin(), table.header.end(), name);
    if (it == table.header.end()) throw UserError(fmt::format("{} has no column '{}'", o.scores, name));
    return static_cast<std::size_t>(it - table.header.begin());
  };
  const std::size_t n = table.rows.size();
  if (n < static_cast<std::size_t>(o.trained) + 2)
    throw UserError(fmt::format("{} has {} cells; --trained {} leaves too few to rank", o.scores, n, o.trained));
  std::array<std::vector<double>, 3> acc;
  for (std::size_t d = 0; d < 3; ++d)
    for (const auto& row : table.rows) acc[d].push_back(std::stod(row[column(kDatasets[d])]));
  const auto scores_of = [&](const std::string& proxy) {
    const std::size_t c = column(proxy);
    std::vector<proxies::ProxyScore> s;
    for (const auto& row : table.rows)
      s.push_back(row[c].empty() ? proxies::ProxyScore{0, false, "undefined"} : proxies::ProxyScore{std::stod(row[c]), true, ""});
    return s;
  };
  std::vector<std::string> fit_names = o.fit;
  if (fit_names.empty())
    for (std::size_t c = column("acc_imagenet16") + 1; c < table.header.size(); ++c) fit_names.push_back(table.header[c]);

  proxies::ProxyTable vote_table, fit_table;
  for (const std::string& name : o.vote) vote_table.push_back(scores_of(name));
  for (const std::string& name : fit_names) fit_table.push_back(scores_of(name));

  fmt::print("{} cells from {}\n", n, o.scores);
  fmt::print("| ensemble | ρ CIFAR-10 | ρ CIFAR-100 | ρ ImageNet16-120 | note |\n|---|---|---|---|---|\n");
  const std::vector<double> vote_ranks = proxies::proxy_ranks(proxies::majority_vote(vote_table));
  std::array<double, 3> rho{}, agreement{};
  for (std::size_t d = 0; d < 3; ++d) {
    rho[d] = estimate::spearman(vote_ranks, acc[d]);
    agreement[d] = proxies::vote_pairwise_agreement(vote_table, acc[d]);
  }
  fmt::print("| vote ({}) | {:.3f} | {:.3f} | {:.3f} | pairwise agreement {:.3f} / {:.3f} / {:.3f} |\n",
             fmt::join(o.vote, ", "), rho[0], rho[1], rho[2], agreement[0], agreement[1], agreement[2]);

  std::array<std::vector<double>, 3> fitted_rho;
  std::vector<double> first_weights;
  train::SplitMix random(o.seed, 0xe5);
  for (std::int64_t draw = 0; draw < o.draws; ++draw) {
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    for (std::int64_t i = 0; i < o.trained; ++i)
      std::swap(order[static_cast<std::size_t>(i)],
                order[static_cast<std::size_t>(random.integer(i, static_cast<std::int64_t>(n) - 1))]);
    const std::vector<std::size_t> trained(order.begin(), order.begin() + o.trained);
    for (std::size_t d = 0; d < 3; ++d) {
      std::vector<double> trained_acc;
      for (const std::size_t i : trained) trained_acc.push_back(acc[d][i]);
      const proxies::RankAggregation fit = proxies::fit_rank_aggregation(fit_table, trained, trained_acc);
      if (draw == 0 && d == 0) first_weights = fit.weights;
      const std::vector<proxies::ProxyScore> predicted = proxies::apply_rank_aggregation(fit_table, fit);
      std::vector<double> rest_score, rest_acc;
      for (std::size_t k = static_cast<std::size_t>(o.trained); k < n; ++k) {
        rest_score.push_back(predicted[order[k]].value);
        rest_acc.push_back(acc[d][order[k]]);
      }
      fitted_rho[d].push_back(estimate::spearman(rest_score, rest_acc));
    }
  }
  const auto mean_sd = [](const std::vector<double>& v) {
    const double mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
    double ss = 0;
    for (const double x : v) ss += (x - mean) * (x - mean);
    return fmt::format("{:.3f} ± {:.3f}", mean, v.size() > 1 ? std::sqrt(ss / static_cast<double>(v.size() - 1)) : 0.0);
  };
  std::vector<std::string> weights;
  for (std::size_t p = 0; p < fit_names.size(); ++p) weights.push_back(fmt::format("{} {:.2f}", fit_names[p], first_weights[p]));
  fmt::print("| rank aggregation of {} proxies, fitted on {} trained cells ({} draws) | {} | {} | {} | CIFAR-10 weights "
             "of draw 1: {} |\n",
             fit_names.size(), o.trained, o.draws, mean_sd(fitted_rho[0]), mean_sd(fitted_rho[1]),
             mean_sd(fitted_rho[2]), fmt::join(weights, ", "));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(parse_options(argc, argv));
  } catch (const std::exception& e) {
    fmt::print(stderr, "proxy_ensemble_nb201: {}\n", e.what());
    return 2;
  }
}
