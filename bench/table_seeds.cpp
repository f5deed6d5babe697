// `hwnas fit --table` over many seeds, for every latency column of a table, with each
// architecture's features computed once (a loop over `hwnas fit` recomputes them at every
// fit, ~7 s each on NB201): the same split (table_row_order), the same members
// (choose_table_members) and the same predictions as the CLI.
// Per column: mean and lowest Spearman on all held-out rows, mean share within ±10% and
// ±20%; with an `index` column (NAS-Bench-201), also Spearman on HELP's query set per seed
// (bench/rank_stats.py help_query_set: indices 900-1899 held out, without their fastest
// and slowest 10%), which bench/help_protocol.py computes from the CLI's predictions.
//   table_seeds CSV SPACE ROWS SEEDS [COLUMNS]   e.g. table_seeds nb201.csv nb201 20 1-10
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <numeric>
#include <string>
#include <vector>

#include "hwnas/base/csv.h"
#include "hwnas/estimate/stats.h"
#include "hwnas/estimate/table_candidates.h"
#include "hwnas/search/table_estimator_inputs.h"
#include "hwnas/space/models.h"
#include "hwnas/space/registry.h"

using namespace hwnas;

namespace {

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  for (std::size_t p = 0, q; p <= s.size(); p = q + 1) {
    q = std::min(s.find(',', p), s.size());
    out.push_back(s.substr(p, q - p));
  }
  return out;
}

double share_within(const std::vector<double>& measured, const std::vector<double>& predicted, double tolerance) {
  double n = 0;
  for (std::size_t i = 0; i < measured.size(); ++i) n += std::fabs(predicted[i] / measured[i] - 1) <= tolerance;
  return n / double(measured.size());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    fmt::print(stderr, "usage: table_seeds CSV SPACE ROWS FIRST-LAST [COLUMNS]\n");
    return 2;
  }
  const CsvTable table = read_csv(argv[1]);
  const auto space = space::make_space(argv[2], {});
  const std::size_t rows = std::stoul(argv[3]);
  const std::string seeds_arg = argv[4];
  const std::uint64_t first_seed = std::stoull(seeds_arg), last_seed = std::stoull(seeds_arg.substr(seeds_arg.find('-') + 1));
  const auto col = [&](const std::string& name) {
    return std::size_t(std::find(table.header.begin(), table.header.end(), name) - table.header.begin());
  };
  // HELP's query set is NAS-Bench-201's: other tables get no such column.
  const std::size_t arch_col = col(std::string(space::benchmark_key_column(*space)));
  const std::size_t index_col = space->name() == "nb201" ? col("index") : table.header.size();
  std::vector<std::size_t> lat_cols;
  for (std::size_t c = 0; c < table.header.size(); ++c)
    if (table.header[c].starts_with("lat_")) lat_cols.push_back(c);
  const std::vector<std::string> wanted = argc > 5 ? split(argv[5]) : std::vector<std::string>{};
  const estimate::TableSimulators simulators = search::make_table_simulators();
  std::vector<estimate::TableRow> base;
  std::vector<std::vector<double>> ms(table.rows.size());
  for (std::size_t i = 0; i < table.rows.size(); ++i) {
    base.push_back(estimate::table_row(*space, space->parse_arch(table.rows[i][arch_col]), simulators));
    for (std::size_t c : lat_cols) ms[i].push_back(std::stod(table.rows[i][c]));
  }
  fmt::print("## {}, {} training rows, seeds {}\n", argv[1], rows, seeds_arg);
  fmt::print("| column | mean ρ | lowest ρ | within ±10% | within ±20% |{}\n",
             index_col < table.header.size() ? " ρ on HELP's query set, per seed |" : "");
  fmt::print("|---|---|---|---|---|{}\n", index_col < table.header.size() ? "---|" : "");
  double sum_rho = 0, sum_10 = 0;
  int columns = 0;
  for (std::size_t t = 0; t < lat_cols.size(); ++t) {
    const std::string& name = table.header[lat_cols[t]];
    if (!wanted.empty() && std::find(wanted.begin(), wanted.end(), name) == wanted.end()) continue;
    std::vector<estimate::TableRow> with_others = base;
    std::vector<double> target;
    for (std::size_t i = 0; i < base.size(); ++i) {
      target.push_back(ms[i][t]);
      for (std::size_t c = 0; c < lat_cols.size(); ++c)
        if (c != t) with_others[i].others.push_back(std::log(std::max(ms[i][c], estimate::kTableFloorMs)));
    }
    double rho_sum = 0, rho_min = 1, w10 = 0, w20 = 0;
    std::string query;
    for (std::uint64_t seed = first_seed; seed <= last_seed; ++seed) {
      const std::vector<std::size_t> order = estimate::table_row_order(base.size(), seed);
      const std::vector<std::size_t> train(order.begin(), order.begin() + long(rows));
      std::vector<estimate::TableMember> members;
      for (auto& m : estimate::choose_table_members(with_others, target, train).members) members.push_back(m.member);
      std::vector<double> measured, predicted;
      std::vector<std::size_t> in_query;
      for (std::size_t k = rows; k < order.size(); ++k) {
        const std::size_t i = order[k];
        measured.push_back(target[i]);
        predicted.push_back(estimate::predict_table_ms(members, with_others[i]));
        if (index_col < table.header.size()) {
          const long index = std::stol(table.rows[i][index_col]);
          if (index >= 900 && index < 1900) in_query.push_back(measured.size() - 1);
        }
      }
      const double rho = estimate::spearman(measured, predicted);
      rho_sum += rho;
      rho_min = std::min(rho_min, rho);
      w10 += share_within(measured, predicted, 0.1);
      w20 += share_within(measured, predicted, 0.2);
      if (index_col < table.header.size()) {
        std::stable_sort(in_query.begin(), in_query.end(),
                         [&](std::size_t a, std::size_t b) { return measured[a] < measured[b]; });
        std::vector<double> qm, qp;
        for (std::size_t k = in_query.size() / 10; k < in_query.size() * 9 / 10; ++k) {
          qm.push_back(measured[in_query[k]]);
          qp.push_back(predicted[in_query[k]]);
        }
        query += fmt::format(" {:.4f}", estimate::spearman(qm, qp));
      }
    }
    const double n = double(last_seed - first_seed + 1);
    fmt::print("| {} | {:.4f} | {:.4f} | {:.3f} | {:.3f} |{}\n", name, rho_sum / n, rho_min, w10 / n, w20 / n,
               query.empty() ? "" : query + " |");
    std::fflush(stdout);
    sum_rho += rho_sum / n;
    sum_10 += w10 / n;
    ++columns;
  }
  fmt::print("| mean of {} | {:.4f} | | {:.3f} | |\n", columns, sum_rho / columns, sum_10 / columns);
}
