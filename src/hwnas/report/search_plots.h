// Internal to the report module: the charts of search_report.h, built from experiments.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "hwnas/report/search_report.h"

namespace hwnas::report::detail {

/// A quantity a scatter axis shows.
enum class Quantity { accuracy, latency_ms, peak_activation_kib, weight_kib };

/// "accuracy (100 x mIoU)" (`metric`: ExperimentReport::accuracy_metric; "accuracy (%)"
/// when it is ""), "latency (ms)", "peak activation memory (KiB)", "weight memory (KiB)".
std::string quantity_label(Quantity q, const std::string& metric = {});
/// The rungs with an evaluation (record.rung_costs also lists one with copies only).
std::int64_t evaluated_rungs(const search::ExperimentRecord& r);
/// Whether the record's count of accuracy evaluations is of candidates, each counted once
/// however many rungs evaluated it (ExperimentRecord::accuracy_evaluations, with evaluations
/// at more than one rung): the page then says "candidates evaluated for accuracy", as hwnas
/// search does.
bool counts_candidates(const search::ExperimentRecord& r);
/// How the page names a trial's rung of `rungs` (> 1), 0-based as the trials' reasons
/// ("accuracy at rung 1: ...") and the by-rung counts do: "rung 1 of rungs 0-2", and for the
/// top rung "rung 2 of rungs 0-2, full fidelity".
std::string rung_text(std::int32_t rung, std::int32_t rungs);
/// The trivial accuracy baseline (what a network that learnt nothing scores) trial `t` is
/// compared with, when the stored config names one (accuracy_baseline_name): its own,
/// Trial::accuracy_baseline, which depends on the network's resolution (s30 fresh-user
/// finding 1); unset otherwise, and in a store written before trials kept theirs.
std::optional<double> trivial_baseline(const ExperimentReport& e, const search::Trial& t);
/// The lowest and highest trivial baseline of the top-rung trials (record.
/// accuracy_baseline_range), when the stored config names one; unset otherwise.
std::optional<std::pair<double, double>> trivial_baseline_range(const ExperimentReport& e);
/// "7.27", or "7.294-7.295" when the range's ends differ at 4 significant digits.
std::string range_text(const std::pair<double, double>& range);
/// What its accuracy is, for quantity_label: "100 x mAP@0.5; prior-box baseline 0.2" (or
/// "... baseline 7.294-7.295" when the trials' differ) with a trivial baseline, else
/// e.accuracy_metric.
std::string accuracy_words(const ExperimentReport& e);
/// Whether `m`'s accuracy, of a trial at `rung` whose trivial baseline is `baseline`
/// (trivial_baseline), is at or below it (hwnas search's rule, search::
/// no_better_than_baseline). Only the top rung's accuracy is compared: the baseline is on its
/// scale.
bool no_better_than_baseline(const ExperimentReport& e, const search::Metrics& m, std::int32_t rung,
                             std::optional<double> baseline);
bool no_better_than_baseline(const ExperimentReport& e, const search::Trial& t);
/// "no better than the prior-box baseline 0.2: learnt nothing" for such an accuracy (its own
/// baseline named), else "".
std::string learnt_nothing_note(const ExperimentReport& e, const search::Metrics& m, std::int32_t rung,
                                std::optional<double> baseline);
std::string learnt_nothing_note(const ExperimentReport& e, const search::Trial& t);
/// The quantity of `m`; unset when it was not computed (accuracy, latency).
std::optional<double> quantity_value(const search::Metrics& m, Quantity q);

/// The scatter's axes: y accuracy when any trial has one, else peak activation memory;
/// x latency when any trial has one, else peak activation memory (weight memory when y is
/// peak activation memory already). Higher is better for accuracy only.
struct Plane {
  Quantity x = Quantity::latency_ms, y = Quantity::accuracy;
};
Plane choose_plane(const search::ExperimentRecord& record);

/// The ok, feasible trials on the Pareto front of the plane (search::pareto_front: higher
/// accuracy, lower latency and memory), x ascending.
std::vector<std::size_t> plane_front(const search::ExperimentRecord& record, const Plane& plane);

/// One network of a front: the trial shown, and the trials that are copies of it (the
/// same network, its accuracy copied: search::Trial::copy_of), with every metric equal.
struct FrontNetwork {
  std::size_t trial = 0;
  std::vector<std::size_t> copies;
};
/// The networks of `front` (plane_front's trials, in its order): each copy is folded into
/// the first earlier trial of the front with the same metrics that it copies or that copies
/// the same evaluation (Trial::copy_of); a copy without copy_of (an older store, or an
/// evaluation whose trial was never stored) into the first earlier one with the same
/// metrics (s30 fresh-user finding 4: copies of one network crowded the
/// table).
std::vector<FrontNetwork> front_networks(const search::ExperimentRecord& record, const std::vector<std::size_t>& front);
/// "3 architectures" or, with copies folded in, "1 architecture, and 3 copies of it" ("2
/// architectures, and 1 copy of one of them").
std::string front_count_text(const std::vector<FrontNetwork>& networks);

/// How an experiment is named in legends and headings: "DIR (strategy)".
std::string experiment_label(const ExperimentReport& e);

/// Every trial of `e` in `plane` (feasible, infeasible and failed apart; a trial without y
/// on the n/a strip), the front, constraint lines of the plane's metrics, the baseline, and
/// with accuracy on y the trivial baseline's line (two, at the lowest and the highest, when
/// the trials' differ; trials no better than their own marked in their tips).
/// With accuracy on y, only top-rung trials are drawn at their accuracy: those a lower
/// rung stopped (a proxy's percentile, a supernet's shared-weight top-1, a shorter
/// training) go on the n/a strip, their value in their tip (docs/hybrid.md, "Scales never mix").
/// With `y_at_least`, only the trials whose y is at least that (a zoom on the front).
std::string trials_scatter(const ExperimentReport& e, const Plane& plane, const std::vector<std::size_t>& front,
                           std::optional<double> y_at_least = std::nullopt);

/// Where a zoom on the front starts, when the front spans less than half of the feasible
/// trials' accuracy range (outliers such as NB201's 10% cells flatten the front): a
/// quarter of the front's span below its least accurate point. Unset otherwise, and for
/// planes without accuracy.
std::optional<double> front_zoom(const search::ExperimentRecord& record, const Plane& plane,
                                 const std::vector<std::size_t>& front);

/// Progress against accuracy evaluations (trials for a search without accuracy), one
/// staircase per experiment: the best feasible first objective so far; for Pareto searches
/// of 2 or 3 objectives, the hypervolume of the feasible
/// front so far (search/pareto.h), the reference point being each objective's worst
/// feasible value over all the experiments, less 5% of its range.
/// Every experiment must have the same objectives and, when they include accuracy, the
/// same accuracy metric, which the y axis names, with the trivial baseline when every
/// experiment has the same (search_report.cpp draws one chart per such group).
std::string best_so_far_chart(const std::vector<ExperimentReport>& experiments);

/// HTML: the per-layer latency of the best trial beside the baseline's (the same scale),
/// or e.layers_note.
std::string layer_charts(const ExperimentReport& e);

}  // namespace hwnas::report::detail
