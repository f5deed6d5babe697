// search_nb201: how many accuracy evaluations each search strategy needs on NAS-Bench-201
// (issue 10's "Done when"; docs/strategies.md, "Measured").
//
// For each latency source (a latency column of the shared nb201.csv, a target, an
// estimator file) it evaluates all 15,625 cells through the product's cost model with the
// real CIFAR-10 accuracies (acc_cifar10) and the constraint latency_ms <= the median
// latency of the source over all cells, takes the exhaustive constrained optimum, then
// runs every strategy (search/strategy.h, default parameters) for --seeds seeds and prints
// the median number of accuracy evaluations until the best feasible trial is within
// --tolerance points of the optimum, with its ratio to random's. Then NSGA-II's Pareto
// front of accuracy and pixel3 latency after --hv-evaluations evaluations: its hypervolume
// over the exhaustive front's, median of --hv-seeds seeds (random's beside it).
//
//   search_nb201 [--data DIR] [--seeds 20] [--tolerance 0.2] [--max-evaluations 15625]
//                [--strategies random,evolution,...] [--source SOURCE]... [--hv-seeds 10]
//                [--hv-evaluations 500] [--cap STRATEGY=N]... [--jobs 1]
//                [--curves DIR [--curve-evaluations 400]] [--count-screened]
// --curves: also an SVG of best-so-far curves per source in DIR (search_nb201_curves.h),
// from runs of --curve-evaluations evaluations each (the same seeds).
// --cap: that strategy's runs stop at N evaluations (the median is exact while more than
// half the runs reach the target first); --jobs: seeds run side by side in threads.
// --count-screened: a genome over the latency limit costs an evaluation too (by default the
// cost model screens it out for free, as hwnas's search does), as in the reference
// figures for random and evolution, measured by a search that trained every candidate.
// A strategy may carry parameters, NAME:KEY=VALUE:...: e.g. local:order=random.
// SOURCE: csv:COLUMN (a latency column of nb201.csv), target:NAME_OR_FILE, estimator:FILE.
// Default sources: csv:lat_ms_pixel3, csv:lat_ms_eyeriss, csv:lat_ms_raspi4.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <limits>
#include <map>
#include <mutex>
#include <thread>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench_args.h"
#include "hwnas/base/error.h"
#include "hwnas/search/pareto.h"
#include "hwnas/space/nb201.h"
#include "search_nb201_curves.h"
#include "search_nb201_landscape.h"

namespace hwnas::bench {
namespace {

struct Options {
  std::string data;
  int seeds = 20, hv_seeds = 10;
  double tolerance = 0.2;
  std::int64_t max_evaluations = 15625, hv_evaluations = 500;
  std::map<std::string, std::int64_t> caps;  // --cap STRATEGY=N: that strategy's max_evaluations
  int jobs = 1;
  std::vector<std::string> strategies = {"random", "evolution", "reinforce", "local", "bananas"};
  std::vector<std::string> sources;
  std::string curves;  // --curves DIR; empty: none
  std::int64_t curve_evaluations = 400;
  bool count_screened = false;  // --count-screened: over-limit genomes cost an evaluation too
};

using hwnas::bench::split_commas;

Options parse_options(int argc, char** argv) {
  Options o;
  o.data = hwnas::bench::shared_data_dir(HWNAS_SOURCE_DIR);
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--count-screened") {
      o.count_screened = true;
      continue;
    }
    if (i + 1 >= argc) throw UserError(fmt::format("{} needs a value", flag));
    const std::string value = argv[++i];
    if (flag == "--data") o.data = value;
    else if (flag == "--seeds") o.seeds = std::stoi(value);
    else if (flag == "--hv-seeds") o.hv_seeds = std::stoi(value);
    else if (flag == "--tolerance") o.tolerance = std::stod(value);
    else if (flag == "--max-evaluations") o.max_evaluations = std::stoll(value);
    else if (flag == "--hv-evaluations") o.hv_evaluations = std::stoll(value);
    else if (flag == "--strategies") o.strategies = split_commas(value);
    else if (flag == "--source") o.sources.push_back(value);
    else if (flag == "--curves") o.curves = value;
    else if (flag == "--curve-evaluations") o.curve_evaluations = std::stoll(value);
    else if (flag == "--jobs") o.jobs = std::max(1, std::stoi(value));
    else if (flag == "--cap" && value.find('=') != std::string::npos)
      o.caps[value.substr(0, value.find('='))] = std::stoll(value.substr(value.find('=') + 1));
    else throw UserError(fmt::format("unknown option {}", flag));
  }
  if (o.sources.empty()) o.sources = {"csv:lat_ms_pixel3", "csv:lat_ms_eyeriss", "csv:lat_ms_raspi4"};
  return o;
}

/// The experiment file's latency: section of a SOURCE argument.
YAML::Node latency_section(const std::string& source, const std::string& csv) {
  YAML::Node latency;
  const std::size_t colon = source.find(':');
  const std::string kind = source.substr(0, colon), value = colon == std::string::npos ? "" : source.substr(colon + 1);
  if (kind == "csv") {
    latency["csv"] = csv;
    latency["column"] = value;
  } else if (kind == "target" || kind == "estimator") {
    latency[kind] = value;
  } else {
    throw UserError(fmt::format("--source {}: write csv:COLUMN, target:NAME_OR_FILE or estimator:FILE", source));
  }
  return latency;
}

YAML::Node experiment(const YAML::Node& latency, const std::string& csv, const YAML::Node& maximize,
                      std::optional<double> limit_ms) {
  YAML::Node e;
  e["latency"] = latency;
  e["accuracy"]["csv"] = csv;
  e["accuracy"]["column"] = "acc_cifar10";
  e["objective"]["maximize"] = maximize;
  if (limit_ms) e["objective"]["constraints"].push_back(fmt::format("latency_ms <= {:.17g}", *limit_ms));
  return e;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

/// Seeds 1..o.seeds of `strategy`, o.jobs at a time.
std::vector<Replay> replays(const Options& o, const Landscape& land, const std::string& strategy,
                            std::optional<double> target, std::int64_t max_evaluations, int seeds = 0) {
  std::vector<Replay> out(static_cast<std::size_t>(seeds > 0 ? seeds : o.seeds));
  std::size_t next = 0;
  std::mutex mutex;
  const auto work = [&] {
    for (;;) {
      std::size_t i;
      {
        const std::lock_guard lock(mutex);
        if (next >= out.size()) return;
        i = next++;
      }
      out[i] = replay(land, strategy, i + 1, target, max_evaluations, o.count_screened);
    }
  };
  std::vector<std::thread> threads;
  for (int j = 1; j < o.jobs; ++j) threads.emplace_back(work);
  work();
  for (std::thread& t : threads) t.join();
  return out;
}

/// One row of the evaluations table: per strategy the median over seeds (a run that never
/// reached the target counts as infinitely long), and the ratio to the first strategy's.
void constrained_row(const Options& o, const space::Space& nb201, const std::string& source, const std::string& csv) {
  auto start = std::chrono::steady_clock::now();
  const YAML::Node latency = latency_section(source, csv);
  const double limit = Landscape(nb201, experiment(latency, csv, YAML::Node("accuracy"), std::nullopt)).median_latency_ms();
  const Landscape land(nb201, experiment(latency, csv, YAML::Node("accuracy"), limit));
  const std::optional<double> optimum = land.best_feasible_accuracy();
  HWNAS_CHECK(optimum.has_value());
  std::cerr << fmt::format("{}: two exhaustive passes in {:.1f} s\n", source, seconds_since(start));
  std::string row = fmt::format("| {} | {:.4g} | {} | {:.2f} |", source, limit, land.feasible_count(), *optimum);
  std::optional<double> first;
  for (const std::string& strategy : o.strategies) {
    start = std::chrono::steady_clock::now();
    const std::int64_t cap = o.caps.contains(strategy) ? o.caps.at(strategy) : o.max_evaluations;
    const std::vector<Replay> runs = replays(o, land, strategy, *optimum - o.tolerance, cap);
    std::vector<double> counts;
    int missed = 0;
    for (const Replay& r : runs) {
      counts.push_back(r.evaluations_to_target ? double(*r.evaluations_to_target)
                                               : std::numeric_limits<double>::infinity());
      missed += r.evaluations_to_target ? 0 : 1;
    }
    const double m = median(counts);
    if (!first) first = m;
    std::string cell = std::isinf(m) ? fmt::format("> {}", cap) : fmt::format("{:g}", m);
    if (std::isfinite(m) && std::isfinite(*first)) cell += fmt::format(" ({:.2f})", m / *first);
    if (missed > 0) cell += fmt::format(" [{}/{} missed]", missed, o.seeds);
    row += " " + cell + " |";
    std::cerr << fmt::format("  {}: median {} in {:.1f} s for {} seeds\n", strategy, cell, seconds_since(start), o.seeds);
  }
  std::cout << row << std::endl;
  if (o.curves.empty()) return;
  std::vector<std::pair<std::string, std::vector<Replay>>> runs;
  for (const std::string& strategy : o.strategies)
    runs.emplace_back(strategy, replays(o, land, strategy, std::nullopt,
                                        std::min(o.curve_evaluations, o.caps.contains(strategy) ? o.caps.at(strategy)
                                                                                                : o.max_evaluations)));
  // KIND-STEM: csv-lat_ms_pixel3, target-edgetpu-like, estimator-edgetpu-like (the file's stem).
  const std::string value = source.substr(source.find(':') + 1);
  std::string name = source.substr(0, source.find(':')) + "-" +
                     std::filesystem::path(value).stem().string();
  std::replace_if(name.begin(), name.end(), [](char c) { return !std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_'; }, '-');
  const std::string path = o.curves + "/search-curves-" + name + ".svg";
  write_best_so_far_curves(path, source, *optimum, o.tolerance, runs, o.curve_evaluations);
  std::cerr << fmt::format("  curves: {}\n", path);
}

/// NSGA-II's (and random's) hypervolume after o.hv_evaluations, over the exhaustive
/// front's, for accuracy and -latency_ms of `source`.
void hypervolume_rows(const Options& o, const space::Space& nb201, const std::string& source, const std::string& csv) {
  YAML::Node maximize;
  maximize.push_back("accuracy");
  maximize.push_back("-latency_ms");
  const Landscape land(nb201, experiment(latency_section(source, csv), csv, maximize, std::nullopt));
  std::vector<std::vector<double>> all;
  for (const search::Trial& t : land.trials()) {
    const search::Feedback f = land.cost_model().feedback(t);
    if (f.status == search::Feedback::Status::ok) all.push_back(f.fitness);
  }
  std::vector<std::vector<double>> front;
  for (std::size_t i : search::pareto_front(all)) front.push_back(all[i]);
  // References: the worst accuracy and latency of the space; the exhaustive front's nadir.
  std::vector<double> worst = all.front(), nadir = front.front();
  for (const auto& p : all)
    for (std::size_t k = 0; k < 2; ++k) worst[k] = std::min(worst[k], p[k]);
  for (const auto& p : front)
    for (std::size_t k = 0; k < 2; ++k) nadir[k] = std::min(nadir[k], p[k]);
  std::cout << fmt::format("Exhaustive front ({}): {} of {} cells; reference points (accuracy, -latency_ms): "
                           "space's worst ({:.2f}, {:.4g}), front's nadir ({:.2f}, {:.4g})\n\n",
                           source, front.size(), all.size(), worst[0], worst[1], nadir[0], nadir[1]);
  std::cout << "| strategy | evaluations | seeds | HV ratio, space's worst: median (min-max) | HV ratio, front's nadir: "
               "median (min-max) |\n|---|---|---|---|---|\n";
  for (const std::string strategy : {"nsga2", "random"}) {
    std::vector<double> by_worst, by_nadir;
    for (const Replay& r : replays(o, land, strategy, std::nullopt, o.hv_evaluations, o.hv_seeds)) {
      by_worst.push_back(search::hypervolume(r.fitness, worst) / search::hypervolume(front, worst));
      by_nadir.push_back(search::hypervolume(r.fitness, nadir) / search::hypervolume(front, nadir));
    }
    const auto cell = [](const std::vector<double>& v) {
      return fmt::format("{:.4f} ({:.4f}-{:.4f})", median(v), *std::min_element(v.begin(), v.end()),
                         *std::max_element(v.begin(), v.end()));
    };
    std::cout << fmt::format("| {} | {} | {} | {} | {} |\n", strategy, o.hv_evaluations, o.hv_seeds, cell(by_worst),
                             cell(by_nadir));
  }
}

int run(int argc, char** argv) {
  const Options o = parse_options(argc, argv);
  const std::string csv = o.data + "/nb201/nb201.csv";
  const std::unique_ptr<space::Space> nb201 = space::make_nb201_space();
  std::cout << fmt::format("NB201, acc_cifar10, constraint latency_ms <= the source's median over all 15,625 cells; "
                           "median accuracy evaluations over {} seeds until the best feasible trial is within {} pt "
                           "of the exhaustive optimum (ratio to {}); runs stop at {} evaluations.\n\n",
                           o.seeds, o.tolerance, o.strategies.front(), o.max_evaluations);
  std::string header = "| latency source | limit ms | feasible | optimum |", rule = "|---|---|---|---|";
  for (const std::string& s : o.strategies) {
    header += " " + s + " |";
    rule += "---|";
  }
  std::cout << header << "\n" << rule << std::endl;
  for (const std::string& source : o.sources) constrained_row(o, *nb201, source, csv);
  std::cout << "\n";
  if (o.hv_seeds > 0) hypervolume_rows(o, *nb201, "csv:lat_ms_pixel3", csv);
  return 0;
}

}  // namespace
}  // namespace hwnas::bench

int main(int argc, char** argv) {
  try {
    return hwnas::bench::run(argc, argv);
  } catch (const hwnas::UserError& e) {
    std::cerr << "search_nb201: " << e.what() << "\n";
    return 2;
  } catch (const std::invalid_argument& e) {  // std::stoi and friends on a bad number
    std::cerr << "search_nb201: an option's value is not a number\n";
    return 2;
  }
}
