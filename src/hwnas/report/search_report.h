// The HTML report of search experiments: `hwnas report DIR... [--out FILE.html]`
// (docs/report.md).
//
// One self-contained page (inline SVG, no script, no external resource): for several
// experiments, the best-so-far curves overlaid and a summary row each; then, per
// experiment, the scatter of every trial in the accuracy-latency plane with its Pareto
// front, constraints, baseline and the accuracy's trivial baseline (a scene task's: what a
// network that learnt nothing scores; trials no better are marked), the per-layer latency of the best architecture beside
// the baseline's, the Pareto architectures with their genomes, failure reasons and the
// stored config. A latency-only search (no accuracy) is drawn as latency against peak
// activation memory. Every user string is escaped (report/html.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hwnas/search/constraint.h"
#include "hwnas/search/experiment_store.h"
#include "hwnas/search/trial.h"

namespace hwnas::report {

/// Latency in ms of each kernel of a network, (kernel name, ms) in execution order, as
/// CostModel::layer_latency_ms gives it.
using LayerLatencies = std::vector<std::pair<std::string, double>>;

/// Everything the report shows about one experiment.
struct ExperimentReport {
  search::ExperimentRecord record;  // what read_experiment gives; at least one trial
  std::vector<search::Constraint> constraints;  // the objective's hard constraints
  /// What its accuracy is, search::accuracy_metric of the stored config ("100 x mIoU",
  /// "100 x mAP@0.5", "top-1 %", ...; "" unknown): the accuracy axes and columns name it,
  /// and experiments of different metrics are never drawn or listed as one quantity.
  std::string accuracy_metric;
  /// The name of its trivial accuracy baseline, search::accuracy_baseline_name of the stored
  /// config ("prior-box", "all-background"; "" when none is measured). With the stored
  /// values (each trial's own, Trial::accuracy_baseline: it depends on the network's
  /// resolution), what a network that learnt nothing scores: the accuracy labels name both (the range, when the trials'
  /// differ), and each trial at or below its own is marked, as hwnas search does.
  std::string accuracy_baseline_name;

  /// The space's reference network, when it has one. Its accuracy is known only when the
  /// search evaluated its genome (a trial); latency and memory come from the cost model.
  struct Baseline {
    std::string genome, arch;
    search::Metrics metrics;
    std::int32_t rung = 0;  // its trial's rung, when the search evaluated it: the scale of its accuracy
    std::optional<double> accuracy_baseline;  // its trial's trivial baseline (detail::trivial_baseline)
  };
  std::optional<Baseline> baseline;

  LayerLatencies best_layers_ms, baseline_layers_ms;
  /// Why the per-layer latencies are missing (a latency source that cannot split a network,
  /// sources that can no longer be read), shown instead of the chart; empty when present.
  std::string layers_note;
};

/// The whole HTML page. Throws UserError "DIR: the experiment has no trials yet; ..." for
/// an experiment without trials, and InternalError when `experiments` is empty.
std::string render_report(const std::vector<ExperimentReport>& experiments);

/// Completes a record read from an experiment store from its stored config: the
/// objective's constraints, the accuracy metric and its trivial baseline's name, the baseline's metrics (its trial when the
/// search evaluated its genome, else the cost model's latency and memory without accuracy) and the
/// per-layer latencies of the best and the baseline network (CostModel::layer_latency_ms,
/// the config's space and latency source rebuilt). A source that cannot be rebuilt any
/// more (a moved estimator file) does not stop the report: layers_note says why. Throws
/// UserError only for a stored config whose objective cannot be read.
ExperimentReport complete_report(search::ExperimentRecord record);

/// Where `hwnas report DIR... [--out OUT]` writes: OUT when given (it must end in .html or
/// .htm, else UserError), else DIR/report.html for one DIR. Several DIRs need --out:
/// UserError "give --out FILE.html ...".
std::string report_path(const std::vector<std::string>& dirs, const std::string& out);

/// `hwnas report`: reads every DIR (search::read_experiment; one without trials is a
/// UserError naming it, and so is a DIR that is a file, such as DIR/experiment.db: "...: is
/// a file, not an experiment directory; give the directory that holds it (hwnas report DIR)"), checks the output path (base/file_io.h check_output_path; never an
/// experiment's store), then completes and renders the experiments and writes the page
/// atomically. Nothing is written when anything fails. Returns the path written.
std::string write_report(const std::vector<std::string>& dirs, const std::string& out);

}  // namespace hwnas::report
