// Issue 13 §1: zero-shot proxies on NAS-Bench-201 (docs/proxies.md, "Measured"). A fixed
// seeded sample of cells of ../shared/data/nb201/nb201.csv, every proxy computed by hwnas
// (train/proxies), Spearman's ρ of each against acc_cifar10, acc_cifar100 and
// acc_imagenet16 (undefined scores ranked last and tied, proxy_rank.h), beside the
// published figures, and cells scored per CPU second on one thread (process CPU time: on a
// shared machine, wall time measures the other work as well).
//
//   build/bin/proxy_nb201 [--cells 1000] [--sample-seed 0] [--seed 0] [--proxies a,b,...]
//                         [--batch 64] [--threads 1] [--data DIR] [--fmnist DIR] [--scores FILE]
//                         [--linear-regions thin|full]
//
// --data: the shared data directory ($HWNAS_DATA_DIR, else ../shared/data); --fmnist:
// Fashion-MNIST (default: Debian's); --scores: write every cell's scores as CSV (index,
// arch, the three accuracies, one column per proxy, empty when undefined), a cell at a time:
// run the same command again after an interruption and it scores only the cells missing
// (the file does not record --linear-regions: give another when changing it).
// --linear-regions: te_nas_linear_regions by TE-NAS's procedure (thin, the default: each
// cell's thin copy, C = 1, one cell, no stem, over 3,000 random 3 × 3 crops of Fashion-MNIST
// images; te_nas_linear_regions.h), or on the full network over the batch (full: every cell
// scores the batch size). The other proxies always score the full network on the batch.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <malloc.h>
#include <torch/torch.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <numeric>

#include "bench_args.h"
#include "hwnas/base/csv.h"
#include "hwnas/base/error.h"
#include "hwnas/estimate/stats.h"
#include "hwnas/space/models.h"
#include "hwnas/train/data/random.h"
#include "hwnas/train/proxies/proxy_rank.h"
#include "hwnas/train/proxies/proxy_runner.h"

namespace {

using namespace hwnas;
namespace proxies = hwnas::train::proxies;

struct Options {
  std::int64_t cells = 1000;
  std::uint64_t sample_seed = 0, seed = 0;
  std::vector<std::string> proxies;
  std::int32_t batch = 64, threads = 1;
  std::string data, fmnist, scores;
  bool thin_linear_regions = true;
};

using hwnas::bench::split_commas;

constexpr const char* kUsage =
    "usage: proxy_nb201 [--cells 1000] [--sample-seed 0] [--seed 0] [--proxies a,b,...] [--batch 64] [--threads 1]\n"
    "                   [--data DIR] [--fmnist DIR] [--scores FILE] [--linear-regions thin|full]\n"
    "--linear-regions thin (default): te_nas_linear_regions by TE-NAS's procedure, on each cell's thin copy (C = 1,\n"
    "  one cell, no stem) over 3,000 random 3x3 crops of Fashion-MNIST; full: on the network itself over the batch.\n"
    "  A --scores file does not record it: give another file when changing it.\n";

Options parse_options(int argc, char** argv) {
  Options o;
  o.data = hwnas::bench::shared_data_dir(HWNAS_SOURCE_DIR);
  o.proxies = proxies::proxy_names();
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      fmt::print("{}", kUsage);
      std::exit(0);
    }
    if (i + 1 >= argc) throw UserError(fmt::format("{} needs a value", flag));
    const std::string value = argv[++i];
    if (flag == "--cells") o.cells = std::stoll(value);
    else if (flag == "--sample-seed") o.sample_seed = std::stoull(value);
    else if (flag == "--seed") o.seed = std::stoull(value);
    else if (flag == "--proxies") o.proxies = split_commas(value);
    else if (flag == "--batch") o.batch = std::stoi(value);
    else if (flag == "--threads") o.threads = std::stoi(value);
    else if (flag == "--data") o.data = value;
    else if (flag == "--fmnist") o.fmnist = value;
    else if (flag == "--scores") o.scores = value;
    else if (flag == "--linear-regions") {
      if (value != "thin" && value != "full")
        throw UserError(fmt::format("--linear-regions must be thin (TE-NAS's thin copy, the default) or full (the "
                                    "network itself), got '{}'", value));
      o.thin_linear_regions = value == "thin";
    }
    else throw UserError(fmt::format("unknown option {}; see proxy_nb201 --help", flag));
  }
  return o;
}

// Spearman's ρ published by the reference (github.com/SamsungLabs/zero-cost-nas,
// notebooks/nasbench201_correlations.ipynb, "Table 1": all 15,625 cells, |ρ| against the
// test accuracy, NaN scores omitted) for CIFAR-10, CIFAR-100, ImageNet16-120.
const std::map<std::string, std::array<double, 3>> kPublished = {
    {"grad_norm", {0.594, 0.637, 0.578}}, {"snip", {0.596, 0.637, 0.578}}, {"grasp", {0.514, 0.547, 0.549}},
    {"fisher", {0.36, 0.385, 0.327}},     {"synflow", {0.737, 0.763, 0.751}}, {"jacob_cov", {0.731, 0.704, 0.701}},
};

int run(const Options& o) {
  const std::string csv_path = o.data + "/nb201/nb201.csv";
  const CsvTable table = read_csv(csv_path);
  const auto column = [&](const std::string& name) {
    const auto it = std::find(table.header.begin(), table.header.end(), name);
    if (it == table.header.end()) throw UserError(fmt::format("{} has no column {}", csv_path, name));
    return static_cast<std::size_t>(it - table.header.begin());
  };
  const std::size_t arch_col = column("arch"), index_col = column("index");
  const std::array<std::size_t, 3> acc_cols = {column("acc_cifar10"), column("acc_cifar100"), column("acc_imagenet16")};
  const std::int64_t rows = static_cast<std::int64_t>(table.rows.size());
  if (o.cells < 2 || o.cells > rows) throw UserError(fmt::format("--cells must be in [2, {}]", rows));

  // A partial Fisher–Yates shuffle of the rows by splitmix64: the same cells on any machine.
  std::vector<std::int64_t> order(static_cast<std::size_t>(rows));
  std::iota(order.begin(), order.end(), 0);
  train::SplitMix random(o.sample_seed, 0x201);
  for (std::int64_t i = 0; i < o.cells; ++i)
    std::swap(order[static_cast<std::size_t>(i)], order[static_cast<std::size_t>(random.integer(i, rows - 1))]);
  order.resize(static_cast<std::size_t>(o.cells));

  torch::set_num_threads(o.threads);
  proxies::ProxyRunOptions ro;
  ro.proxies = o.proxies;
  ro.data_dir = o.fmnist;
  ro.batch = o.batch;
  ro.seed = o.seed;
  ro.thin_linear_regions = o.thin_linear_regions;
  proxies::ProxyRunner runner(ro);
  runner.read_data();  // a missing dataset is said before any cell is scored

  const std::size_t n = order.size(), p = o.proxies.size();
  std::vector<std::vector<proxies::ProxyScore>> scores(p);
  std::vector<double> seconds(p, 0.0);
  std::array<std::vector<double>, 3> acc;
  const std::string header =
      fmt::format("index,arch,acc_cifar10,acc_cifar100,acc_imagenet16,{}", fmt::join(o.proxies, ","));
  // --scores is written a cell at a time; a file left by an interrupted run of the same
  // sample and proxies is kept, and its cells are not scored again.
  std::size_t cached = 0;
  std::ofstream out;
  if (!o.scores.empty()) {
    if (std::ifstream(o.scores).good()) {
      const CsvTable done = read_csv(o.scores);
      if (fmt::format("{}", fmt::join(done.header, ",")) != header)
        throw UserError(fmt::format("{} holds scores of other proxies (header {}); give another --scores or remove it",
                                    o.scores, fmt::join(done.header, ",")));
      for (const std::vector<std::string>& r : done.rows) {
        if (cached == n || r.size() != 5 + p || r[0] != table.rows[static_cast<std::size_t>(order[cached])][index_col])
          throw UserError(fmt::format("{} row {} is not cell {} of this sample (--cells, --sample-seed); give another "
                                      "--scores or remove it", o.scores, cached + 2, cached + 1));
        for (std::size_t k = 0; k < p; ++k)
          scores[k].push_back(r[5 + k].empty() ? proxies::ProxyScore{} : proxies::ProxyScore{std::stod(r[5 + k]), true, ""});
        ++cached;
      }
      out.open(o.scores, std::ios::app);
    } else {
      out.open(o.scores);
      out << header << "\n" << std::flush;
    }
    if (!out) throw UserError(fmt::format("cannot write {}", o.scores));
    if (cached > 0) fmt::print(stderr, "{}: {} of {} cells already scored, kept\n", o.scores, cached, n);
  }
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < n; ++i) {
    const std::vector<std::string>& row = table.rows[static_cast<std::size_t>(order[i])];
    for (std::size_t d = 0; d < 3; ++d) acc[d].push_back(std::stod(row[acc_cols[d]]));
    if (i < cached) continue;
    const proxies::ModelScores s = runner.score(space::load_model("nb201:arch=" + row[arch_col]));
    for (std::size_t k = 0; k < p; ++k) {
      scores[k].push_back(s.scores[k]);
      seconds[k] += s.cpu_seconds[k];
    }
    if (out.is_open()) {
      out << row[index_col] << "," << row[arch_col] << "," << row[acc_cols[0]] << "," << row[acc_cols[1]] << ","
          << row[acc_cols[2]];
      for (std::size_t k = 0; k < p; ++k)
        out << "," << (s.scores[k].defined ? fmt::format("{:.17g}", s.scores[k].value) : "");
      out << "\n" << std::flush;
    }
    if ((i + 1) % 100 == 0)
      fmt::print(stderr, "{}/{} cells, {:.0f} s\n", i + 1, n,
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }

  fmt::print("NAS-Bench-201: {} cells (sample seed {}), proxies seeded {}, batch {} of Fashion-MNIST, {} thread(s){}\n",
             n, o.sample_seed, o.seed, o.batch, o.threads,
             std::find(o.proxies.begin(), o.proxies.end(), "te_nas_linear_regions") == o.proxies.end() ? ""
             : o.thin_linear_regions ? "; te_nas_linear_regions on thin copies, 3000 crops of 3x3"
                                     : "; te_nas_linear_regions on the full networks");
  fmt::print("| proxy | ρ CIFAR-10 | ρ CIFAR-100 | ρ ImageNet16-120 | published (C10 / C100 / IN16) | undefined | "
             "cells per CPU s |\n|---|---|---|---|---|---|---|\n");
  for (std::size_t k = 0; k < p; ++k) {
    const std::vector<double> ranks = proxies::proxy_ranks(scores[k]);
    std::array<double, 3> rho{};
    for (std::size_t d = 0; d < 3; ++d) rho[d] = estimate::spearman(ranks, acc[d]);
    const auto undefined =
        std::count_if(scores[k].begin(), scores[k].end(), [](const proxies::ProxyScore& s) { return !s.defined; });
    const auto pub = kPublished.find(o.proxies[k]);
    const std::string published =
        pub == kPublished.end() ? "—" : fmt::format("{:.3f} / {:.3f} / {:.3f}", pub->second[0], pub->second[1], pub->second[2]);
    // Cells per CPU second of the cells scored in this run ("—" when all came from --scores).
    const std::string rate =
        n == cached ? "—" : fmt::format("{:.1f}", static_cast<double>(n - cached) / seconds[k]);
    fmt::print("| {} | {:.3f} | {:.3f} | {:.3f} | {} | {} | {} |\n", o.proxies[k], rho[0], rho[1], rho[2], published,
               undefined, rate);
  }
  const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  fmt::print("all proxies: {:.1f} s wall, {:.1f} s CPU for the {} cells scored in this run\n", total,
             std::accumulate(seconds.begin(), seconds.end(), 0.0), n - cached);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  try {
    return run(parse_options(argc, argv));
  } catch (const std::exception& e) {
    fmt::print(stderr, "proxy_nb201: {}\n", e.what());
    return 2;
  }
}
