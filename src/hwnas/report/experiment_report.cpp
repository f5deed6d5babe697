// The report's inputs from experiment directories: complete_report, report_path,
// write_report (search_report.h).
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "hwnas/base/error.h"
#include "hwnas/base/file_io.h"
#include "hwnas/report/search_plots.h"
#include "hwnas/report/search_report.h"
#include "hwnas/search/accuracy_source.h"
#include "hwnas/search/cost_model.h"
#include "hwnas/search/experiment_config.h"
#include "hwnas/search/experiment_input.h"
#include "hwnas/search/objective.h"
#include "hwnas/search/run_search.h"

namespace hwnas::report {
namespace {

namespace fs = std::filesystem;

// The stored config as the search read it: relative paths start from the experiment
// file's directory (stored absolute), whatever the current directory is now.
search::ExperimentConfig stored_config(const search::ExperimentRecord& r) {
  const std::string file = (fs::path(r.info.base_dir) / fs::path(r.info.experiment_file).filename()).string();
  return search::parse_experiment_config(r.info.config_yaml, file, r.info.base_dir, {});
}

// The config's cost model without its accuracy source and constraints: it measures
// latency and memory of any genome, as a trial has them, and never trains or runs the
// user's accuracy program.
std::unique_ptr<search::CostModel> latency_cost_model(const search::ExperimentConfig& config,
                                                      const space::Space& space) {
  YAML::Node root = YAML::Clone(config.root);
  root.remove("accuracy");
  root.remove("multi_fidelity");  // its rungs are the accuracy source's
  YAML::Node objective;
  objective["maximize"] = config.root["latency"] ? "-latency_ms" : "-peak_activation_bytes";
  root["objective"] = objective;
  return search::make_cost_model(root, config.file, space);
}

void add_layers_and_baseline(ExperimentReport& e, const search::ExperimentConfig& config) {
  const search::ExperimentRecord& r = e.record;
  const std::unique_ptr<space::Space> space = search::make_experiment_space(config);
  if (!r.info.space_fingerprint.empty() && r.info.space_fingerprint != space::fingerprint(*space))
    throw UserError(fmt::format("space '{}' has changed since the search ran (its genes, or the networks they "
                                "decode to, differ), so its genomes would now be other networks",
                                space->name()));
  const std::unique_ptr<search::CostModel> cost = latency_cost_model(config, *space);
  if (r.info.baseline_genome) {
    const space::Genome genome = space->canonical(space::parse_genome(*r.info.baseline_genome, r.dir));
    ExperimentReport::Baseline b{space::to_text(genome), space->arch(genome), {}};
    const auto evaluated = std::find_if(r.trials.begin(), r.trials.end(),
                                        [&](const search::Trial& t) { return t.genome == genome; });
    if (evaluated != r.trials.end()) {
      b.metrics = evaluated->metrics, b.rung = evaluated->rung;
      b.accuracy_baseline = detail::trivial_baseline(e, *evaluated);
    } else {
      b.metrics = cost->evaluate(genome).metrics;
    }
    e.baseline = b;
    if (config.root["latency"]) e.baseline_layers_ms = cost->layer_latency_ms(space->decode(genome));
  }
  if (!config.root["latency"]) {
    e.layers_note = "the experiment has no latency source.";
  } else if (const std::optional<std::size_t> best = search::best_trial(r)) {
    e.best_layers_ms = cost->layer_latency_ms(space->decode(r.trials[*best].genome));
    if (e.best_layers_ms.empty())
      e.layers_note = "the latency source gives whole-network latencies only (a latency table or CSV column).";
  } else {
    e.layers_note = "no trial is feasible.";
  }
}

// `hwnas report mf3/experiment.db` (or the experiment file): DIR is positional and --out is
// the page, so the store's own "--out names the experiment's directory" does not apply
// (s31 fresh-user finding 13).
void check_is_not_a_file(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_regular_file(dir, ec)) return;
  const fs::path file(dir);
  if (file.filename() == search::kExperimentStoreFile) {
    const std::string holder = file.has_parent_path() ? file.parent_path().string() : ".";
    throw UserError(fmt::format("{}: is a file, not an experiment directory; give the directory that holds it "
                                "(hwnas report {})",
                                dir, holder));
  }
  throw UserError(fmt::format("{}: is a file, not an experiment directory; give the directory that hwnas search "
                              "wrote (its --out)",
                              dir));
}

}  // namespace

ExperimentReport complete_report(search::ExperimentRecord record) {
  ExperimentReport e;
  e.record = std::move(record);
  const search::ExperimentConfig config = stored_config(e.record);
  const search::ExperimentSection top(config.root, config.file, "");
  e.constraints =
      search::Objective::parse(top.section("objective"), top.has("accuracy"), top.has("latency")).constraints();
  e.accuracy_metric = search::accuracy_metric(config.root, config.file);
  e.accuracy_baseline_name = search::accuracy_baseline_name(config.root);
  try {
    add_layers_and_baseline(e, config);
  } catch (const UserError& error) {
    e.best_layers_ms.clear(), e.baseline_layers_ms.clear();
    e.layers_note = fmt::format("the experiment's space or latency source cannot be rebuilt from its config: {}",
                                error.what());
  }
  return e;
}

std::string report_path(const std::vector<std::string>& dirs, const std::string& out) {
  HWNAS_CHECK(!dirs.empty());
  if (!out.empty()) {
    // A report is HTML: any other name is most likely a slip that would overwrite a config
    // or another experiment's store (fresh-user finding).
    const std::string ext = fs::path(out).extension().string();
    if (ext != ".html" && ext != ".htm")
      throw UserError(fmt::format("report (--out) '{}': name the report FILE.html (it is an HTML page; a file of "
                                  "another kind, such as an experiment store or a config, is never overwritten)",
                                  out));
    return out;
  }
  if (dirs.size() > 1)
    throw UserError(fmt::format("{} experiments given: give --out FILE.html for the report that compares them",
                                dirs.size()));
  return (fs::path(dirs.front()) / "report.html").string();
}

std::string write_report(const std::vector<std::string>& dirs, const std::string& out) {
  const std::string path = report_path(dirs, out);
  std::vector<search::ExperimentRecord> records;
  std::vector<FileRole> inputs;
  for (std::size_t i = 0; i < dirs.size(); ++i) {
    const std::string& dir = dirs[i];
    check_is_not_a_file(dir);
    for (std::size_t j = 0; j < i; ++j) {
      std::error_code ec;
      if (dirs[j] == dir || fs::equivalent(dirs[j], dir, ec))
        throw UserError(fmt::format("{}: given twice (as '{}' and '{}'); name each experiment directory once", dir,
                                    dirs[j], dir));
    }
    records.push_back(search::read_experiment(dir));
    if (records.back().trials.empty())
      throw UserError(fmt::format("{}: the experiment has no trials yet; run hwnas search on it first", dir));
    inputs.push_back({(fs::path(dir) / search::kExperimentStoreFile).string(), "the experiment store of " + dir});
  }
  check_output_path(path, "report (--out)", inputs);
  std::vector<ExperimentReport> reports;
  for (search::ExperimentRecord& r : records) reports.push_back(complete_report(std::move(r)));
  write_file_atomically(path, render_report(reports), "report (--out)");
  return path;
}

}  // namespace hwnas::report
