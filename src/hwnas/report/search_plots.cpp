#include "hwnas/report/search_plots.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string_view>

#include "hwnas/base/error.h"
#include "hwnas/report/html.h"
#include "hwnas/report/svg_plot.h"
#include "hwnas/search/accuracy_source.h"
#include "hwnas/search/pareto.h"

namespace hwnas::report::detail {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The constraint metric a quantity shows, and the factor from the metric's unit to it.
std::optional<std::pair<search::Metric, double>> constrained_metric(Quantity q) {
  switch (q) {
    case Quantity::accuracy: return std::nullopt;
    case Quantity::latency_ms: return std::pair{search::Metric::latency_ms, 1.0};
    case Quantity::peak_activation_kib: return std::pair{search::Metric::peak_activation_bytes, 1 / 1024.0};
    case Quantity::weight_kib: return std::pair{search::Metric::weight_bytes, 1 / 1024.0};
  }
  return std::nullopt;
}

std::string short_number(double v) { return fmt::format("{:.4g}", v); }

std::int32_t top_rung(const search::ExperimentRecord& r) { return std::max(r.info.rungs, 1) - 1; }

std::string trial_tip(const ExperimentReport& e, const search::Trial& t) {
  const std::int32_t rungs = e.record.info.rungs;
  std::string tip = fmt::format("trial {}: {}", t.index, t.arch);
  if (t.metrics.accuracy) tip += fmt::format(" | accuracy {}", short_number(*t.metrics.accuracy));
  // A copy's too: its value is its rung's (s31 fresh-user finding 14).
  if (rungs > 1 && t.metrics.accuracy) tip += " at " + rung_text(t.rung, rungs);
  if (const std::string note = learnt_nothing_note(e, t); !note.empty()) tip += " (" + note + ")";
  if (t.metrics.latency_ms) tip += fmt::format(" | latency {} ms", short_number(*t.metrics.latency_ms));
  tip += fmt::format(" | peak activation {} KiB", short_number(t.metrics.peak_activation_bytes / 1024.0));
  if (!t.reason.empty()) tip += fmt::format(" | {}: {}", search::status_name(t.status), t.reason);
  return tip;
}

bool feasible_ok(const search::Trial& t) { return t.status == search::TrialStatus::ok && t.feasible; }

/// Feasible, and its accuracy is of the full fidelity (the top rung of a multi-fidelity
/// search): what the front and the best-so-far count, as search::best_trial does.
bool final_ok(const search::ExperimentRecord& r, const search::Trial& t) {
  return feasible_ok(t) && t.rung == top_rung(r);
}

}  // namespace

std::int64_t evaluated_rungs(const search::ExperimentRecord& r) {
  return std::count_if(r.rung_costs.begin(), r.rung_costs.end(),
                       [](const search::RungCost& c) { return c.evaluations > 0; });
}

bool counts_candidates(const search::ExperimentRecord& r) { return evaluated_rungs(r) > 1; }

std::string rung_text(std::int32_t rung, std::int32_t rungs) {
  return fmt::format("rung {} of rungs 0-{}{}", rung, rungs - 1, rung == rungs - 1 ? ", full fidelity" : "");
}

std::optional<double> trivial_baseline(const ExperimentReport& e, const search::Trial& t) {
  if (e.accuracy_baseline_name.empty()) return std::nullopt;
  return t.accuracy_baseline;
}

std::optional<std::pair<double, double>> trivial_baseline_range(const ExperimentReport& e) {
  if (e.accuracy_baseline_name.empty()) return std::nullopt;
  return e.record.accuracy_baseline_range;
}

std::string range_text(const std::pair<double, double>& range) {
  const std::string lo = short_number(range.first), hi = short_number(range.second);
  return lo == hi ? lo : lo + "-" + hi;
}

std::string accuracy_words(const ExperimentReport& e) {
  const auto range = trivial_baseline_range(e);
  return range ? fmt::format("{}; {} baseline {}", e.accuracy_metric, e.accuracy_baseline_name, range_text(*range))
               : e.accuracy_metric;
}

bool no_better_than_baseline(const ExperimentReport& e, const search::Metrics& m, std::int32_t rung,
                             std::optional<double> baseline) {
  return !e.accuracy_baseline_name.empty() && baseline && m.accuracy && rung == top_rung(e.record) &&
         search::no_better_than_baseline(*m.accuracy, *baseline);
}

bool no_better_than_baseline(const ExperimentReport& e, const search::Trial& t) {
  return no_better_than_baseline(e, t.metrics, t.rung, trivial_baseline(e, t));
}

std::string learnt_nothing_note(const ExperimentReport& e, const search::Metrics& m, std::int32_t rung,
                                std::optional<double> baseline) {
  if (!no_better_than_baseline(e, m, rung, baseline)) return "";
  return fmt::format("no better than the {} baseline {}: learnt nothing", e.accuracy_baseline_name,
                     short_number(*baseline));
}

std::string learnt_nothing_note(const ExperimentReport& e, const search::Trial& t) {
  return learnt_nothing_note(e, t.metrics, t.rung, trivial_baseline(e, t));
}

std::string quantity_label(Quantity q, const std::string& metric) {
  switch (q) {
    case Quantity::accuracy: return metric.empty() ? "accuracy (%)" : "accuracy (" + metric + ")";
    case Quantity::latency_ms: return "latency (ms)";
    case Quantity::peak_activation_kib: return "peak activation memory (KiB)";
    case Quantity::weight_kib: return "weight memory (KiB)";
  }
  return "";
}

std::optional<double> quantity_value(const search::Metrics& m, Quantity q) {
  switch (q) {
    case Quantity::accuracy: return m.accuracy;
    case Quantity::latency_ms: return m.latency_ms;
    case Quantity::peak_activation_kib: return m.peak_activation_bytes / 1024.0;
    case Quantity::weight_kib: return m.weight_bytes / 1024.0;
  }
  return std::nullopt;
}

Plane choose_plane(const search::ExperimentRecord& record) {
  const auto any = [&](auto has) { return std::any_of(record.trials.begin(), record.trials.end(), has); };
  Plane p;
  p.y = any([](const search::Trial& t) { return t.metrics.accuracy.has_value(); }) ? Quantity::accuracy
                                                                                    : Quantity::peak_activation_kib;
  if (!any([](const search::Trial& t) { return t.metrics.latency_ms.has_value(); }))
    p.x = p.y == Quantity::accuracy ? Quantity::peak_activation_kib : Quantity::weight_kib;
  return p;
}

std::vector<std::size_t> plane_front(const search::ExperimentRecord& record, const Plane& plane) {
  std::vector<std::size_t> candidates;
  std::vector<std::vector<double>> points;  // maximised: ±y, -x
  for (std::size_t i = 0; i < record.trials.size(); ++i) {
    const search::Trial& t = record.trials[i];
    const auto x = quantity_value(t.metrics, plane.x), y = quantity_value(t.metrics, plane.y);
    if (!final_ok(record, t) || !x || !y) continue;
    candidates.push_back(i);
    points.push_back({plane.y == Quantity::accuracy ? *y : -*y, -*x});
  }
  std::vector<std::size_t> front;
  for (std::size_t k : search::pareto_front(points)) front.push_back(candidates[k]);
  std::stable_sort(front.begin(), front.end(), [&](std::size_t a, std::size_t b) {
    return *quantity_value(record.trials[a].metrics, plane.x) < *quantity_value(record.trials[b].metrics, plane.x);
  });
  return front;
}

std::optional<double> front_zoom(const search::ExperimentRecord& record, const Plane& plane,
                                 const std::vector<std::size_t>& front) {
  if (plane.y != Quantity::accuracy || front.empty()) return std::nullopt;
  double lo = 1e300, hi = -1e300, front_lo = 1e300;
  for (const search::Trial& t : record.trials)
    if (final_ok(record, t) && t.metrics.accuracy) lo = std::min(lo, *t.metrics.accuracy), hi = std::max(hi, *t.metrics.accuracy);
  for (std::size_t i : front) front_lo = std::min(front_lo, *record.trials[i].metrics.accuracy);
  if (hi - front_lo >= 0.5 * (hi - lo)) return std::nullopt;
  return front_lo - 0.25 * (hi - front_lo);
}

std::vector<FrontNetwork> front_networks(const search::ExperimentRecord& record,
                                         const std::vector<std::size_t>& front) {
  const auto same_metrics = [](const search::Metrics& a, const search::Metrics& b) {
    return a.accuracy == b.accuracy && a.latency_ms == b.latency_ms &&
           a.peak_activation_bytes == b.peak_activation_bytes && a.weight_bytes == b.weight_bytes &&
           a.params == b.params && a.macs == b.macs;
  };
  std::vector<FrontNetwork> networks;
  for (std::size_t i : front) {
    const search::Trial& t = record.trials[i];
    // A copy goes with the trial whose evaluation it took, or another copy of it; without
    // the trial's index (an older store, or an evaluation whose trial was never stored)
    // with the first trial shown of its metrics.
    const bool copy = t.status == search::TrialStatus::ok && search::accuracy_copied(t);
    const std::optional<std::int64_t> source = t.copy_of;
    const auto network = std::find_if(networks.begin(), networks.end(), [&](const FrontNetwork& n) {
      const search::Trial& shown = record.trials[n.trial];
      if (!copy || !same_metrics(shown.metrics, t.metrics)) return false;
      return !source || *source == shown.index || source == shown.copy_of;
    });
    if (network != networks.end()) network->copies.push_back(i);
    else networks.push_back({i, {}});
  }
  return networks;
}

std::string front_count_text(const std::vector<FrontNetwork>& networks) {
  std::size_t copies = 0;
  for (const FrontNetwork& n : networks) copies += n.copies.size();
  const std::string architectures = fmt::format("{} architecture{}", networks.size(), networks.size() == 1 ? "" : "s");
  if (copies == 0) return architectures;
  return fmt::format("{}, and {} cop{} of {}", architectures, copies, copies == 1 ? "y" : "ies",
                     networks.size() == 1 ? "it" : copies == 1 ? "one of them" : "them");
}

std::string experiment_label(const ExperimentReport& e) {
  return fmt::format("{} ({})", e.record.dir, e.record.info.strategy);
}

std::string trials_scatter(const ExperimentReport& e, const Plane& plane, const std::vector<std::size_t>& front,
                           std::optional<double> y_at_least) {
  PointGroup feasible{"", {}, {}, {}, "#1f77b4", Marker::circle};
  PointGroup infeasible{"", {}, {}, {}, "#ff7f0e", Marker::cross};
  PointGroup failed{"", {}, {}, {}, "#d62728", Marker::triangle};
  PointGroup screened{"", {}, {}, {}, "#9e9e9e", Marker::circle};  // stopped below the top rung
  std::size_t not_drawn = 0, learnt_nothing = 0;
  const std::int32_t rungs = e.record.info.rungs;
  for (const search::Trial& t : e.record.trials) {
    PointGroup& g = final_ok(e.record, t)                  ? feasible
                    : feasible_ok(t)                      ? screened
                    : t.status == search::TrialStatus::failed ? failed
                                                              : infeasible;
    const auto x = quantity_value(t.metrics, plane.x);
    // A trial stopped below the top rung has its rung's value (a proxy's percentile, a
    // shared-weight top-1, a shorter training's top-1), not the top rung's accuracy: it is
    // drawn on the n/a strip, its value in its tip.
    const bool other_scale = &g == &screened && plane.y == Quantity::accuracy;
    const auto y = other_scale ? std::nullopt : quantity_value(t.metrics, plane.y);
    if (y_at_least && (!y || *y < *y_at_least)) continue;
    if (!x) ++not_drawn;
    if (y && plane.y == Quantity::accuracy && no_better_than_baseline(e, t)) ++learnt_nothing;
    g.x.push_back(x.value_or(kNaN));
    g.y.push_back(y.value_or(kNaN));
    g.tips.push_back(trial_tip(e, t));
  }
  feasible.label = fmt::format("feasible{} ({})", rungs > 1 ? ", full fidelity" : "", feasible.x.size());
  screened.label = fmt::format("screened out at a lower fidelity rung ({}){}", screened.x.size(),
                               plane.y == Quantity::accuracy ? ", on n/a: values of lower rungs are on other scales"
                                                             : "");
  infeasible.label = fmt::format("infeasible ({})", infeasible.x.size());
  failed.label = fmt::format("failed ({})", failed.x.size());
  if (y_at_least)  // a zoom names only what it shows
    for (PointGroup* g : {&feasible, &infeasible, &failed, &screened})
      if (g->x.empty()) g->label.clear();
  std::vector<PointGroup> groups = {feasible, infeasible, failed};
  if (rungs > 1) groups.insert(groups.begin(), screened);
  // Copies of one network (the same point) are counted as one, their number beside it.
  const std::vector<FrontNetwork> networks = front_networks(e.record, front);
  const std::size_t copies = front.size() - networks.size();
  PointGroup pareto{copies == 0 ? fmt::format("Pareto front ({})", front.size())
                                : fmt::format("Pareto front ({}, and {} cop{})", networks.size(), copies,
                                              copies == 1 ? "y" : "ies"),
                    {}, {}, {}, "#2ca02c", Marker::ring, 6.5, true};
  for (std::size_t i : front) {
    const search::Trial& t = e.record.trials[i];
    pareto.x.push_back(*quantity_value(t.metrics, plane.x));
    pareto.y.push_back(*quantity_value(t.metrics, plane.y));
    pareto.tips.push_back("Pareto front: " + trial_tip(e, t));
  }
  groups.push_back(pareto);
  const std::optional<double> baseline_y = e.baseline ? quantity_value(e.baseline->metrics, plane.y) : std::nullopt;
  if (e.baseline && (!y_at_least || (baseline_y && *baseline_y >= *y_at_least))) {
    const search::Metrics& m = e.baseline->metrics;
    const std::string note = learnt_nothing_note(e, m, e.baseline->rung, e.baseline->accuracy_baseline);
    groups.push_back({baseline_y ? "baseline" : "baseline (accuracy not evaluated)",
                      {quantity_value(m, plane.x).value_or(kNaN)},
                      {baseline_y.value_or(kNaN)},
                      {"baseline: " + e.baseline->arch + (note.empty() ? "" : " (" + note + ")")},
                      "#000000",
                      Marker::diamond,
                      6});
  }
  std::vector<ReferenceLine> lines;
  for (const search::Constraint& c : e.constraints)
    for (const bool vertical : {true, false})
      if (const auto shown = constrained_metric(vertical ? plane.x : plane.y); shown && shown->first == c.metric)
        lines.push_back({vertical, c.limit * shown->second,
                         fmt::format("{} {} {}", search::metric_name(c.metric), c.at_most ? "<=" : ">=", c.limit_text)});
  // What a network that learnt nothing scores: the trials at or below the line. It depends
  // on the network (its resolution): with several values, a line at the lowest and one at
  // the highest, each trial compared with its own.
  if (const auto range = trivial_baseline_range(e);
      plane.y == Quantity::accuracy && range && (!y_at_least || range->second >= *y_at_least)) {
    const bool several = range_text(*range) != short_number(range->first);  // they differ at 4 digits
    lines.push_back({false, range->second,
                     fmt::format("{} baseline {} ({} {}trial{} at or below{})", e.accuracy_baseline_name,
                                 range_text(*range), learnt_nothing, rungs > 1 ? "top-rung " : "",
                                 learnt_nothing == 1 ? "" : "s", several ? " their own" : ""),
                     "#9467bd"});
    if (several && (!y_at_least || range->first >= *y_at_least)) lines.push_back({false, range->first, "", "#9467bd"});
  }
  const std::string y_label = quantity_label(plane.y, accuracy_words(e));
  Axes axes{y_at_least ? fmt::format("trials near the Pareto front: {} at least {}", y_label, short_number(*y_at_least))
                       : fmt::format("all trials: {} against {}", y_label, quantity_label(plane.x)),
            quantity_label(plane.x), y_label, 1000, 540, false};
  if (not_drawn > 0)
    axes.x_label += fmt::format("  ({} trial{} without {} not drawn)", not_drawn, not_drawn == 1 ? "" : "s",
                                plane.x == Quantity::latency_ms ? "a latency" : "a value");
  return scatter_chart(axes, groups, lines);
}

std::string best_so_far_chart(const std::vector<ExperimentReport>& experiments) {
  const std::vector<std::string>& names = experiments.front().record.info.objective_names;
  bool any_accuracy = false, all_accuracy = true, candidates = false;
  const bool by_metric = std::find(names.begin(), names.end(), "accuracy") != names.end();
  const std::string& metric = experiments.front().accuracy_metric;
  // The axis names the trivial baseline only when every curve has the same.
  std::string words = accuracy_words(experiments.front());
  for (const ExperimentReport& e : experiments) {
    HWNAS_CHECK(e.record.info.objective_names == names && (!by_metric || e.accuracy_metric == metric));
    if (accuracy_words(e) != words) words = metric;
    const bool accuracy = e.record.accuracy_evaluations > 0;
    any_accuracy = any_accuracy || accuracy, all_accuracy = all_accuracy && accuracy;
    candidates = candidates || counts_candidates(e.record);
  }
  // Pareto searches are followed by the hypervolume of their feasible front, with the
  // worst feasible value of each objective over all the experiments as the reference.
  const bool hypervolume = names.size() == 2 || names.size() == 3;
  std::vector<double> reference(names.size(), 1e300), top(names.size(), -1e300);
  for (const ExperimentReport& e : experiments)
    for (std::size_t i = 0; i < e.record.trials.size(); ++i)
      if (final_ok(e.record, e.record.trials[i]) && e.record.fitness[i].size() == names.size())
        for (std::size_t k = 0; k < names.size(); ++k)
          reference[k] = std::min(reference[k], e.record.fitness[i][k]), top[k] = std::max(top[k], e.record.fitness[i][k]);
  for (std::size_t k = 0; k < names.size(); ++k) reference[k] -= top[k] > reference[k] ? 0.05 * (top[k] - reference[k]) : 1;
  // A minimised metric (-latency_ms) is shown as the metric itself, lower is better.
  const bool negate = !hypervolume && names.front().starts_with("-");
  std::vector<Series> series;
  for (const ExperimentReport& e : experiments) {
    Series s{experiment_label(e), {}, {}, "", true};
    const bool by_accuracy = e.record.accuracy_evaluations > 0;
    std::int64_t x = 0;
    std::optional<double> best;
    std::vector<std::vector<double>> front;  // hypervolume: the feasible front so far
    for (std::size_t i = 0; i < e.record.trials.size(); ++i) {
      x += by_accuracy ? (e.record.trials[i].accuracy_evaluated ? 1 : 0) : 1;
      const std::vector<double>& f = e.record.fitness[i];
      if (f.empty() || !final_ok(e.record, e.record.trials[i])) continue;
      double value = f.front();
      if (hypervolume) {
        if (std::any_of(front.begin(), front.end(), [&](const auto& p) { return p == f || search::dominates(p, f); }))
          continue;
        std::erase_if(front, [&](const auto& p) { return search::dominates(f, p); });
        front.push_back(f);
        value = search::hypervolume(front, reference);
      }
      if (best && value <= *best) continue;
      best = value;
      s.x.push_back(double(x));
      s.y.push_back(negate ? -value : value);
    }
    if (best && s.x.back() < double(x)) s.x.push_back(double(x)), s.y.push_back(s.y.back());
    if (!best) s.label += ": no feasible trial";
    series.push_back(std::move(s));
  }
  // With rungs, a trial counts once however many rungs evaluated it, as the summary's
  // "candidates evaluated for accuracy".
  const std::string evaluations = candidates ? "candidates evaluated for accuracy" : "accuracy evaluations";
  const std::string x_label = all_accuracy   ? evaluations
                              : any_accuracy ? evaluations + " (trials for a search without accuracy)"
                                             : "trials (latency evaluations)";
  // The first values of a search are often far from the rest (a 10% NB201 cell before the
  // 93% ones): the y axis starts at each curve's value 5% into the budget, when that cuts
  // off more than 30% of the range, and the earlier values are drawn on its edge.
  Axes axes{hypervolume ? "hypervolume of the feasible front so far" : "best feasible so far", "", "", 1000, 440,
            false, true};
  axes.x_integer = true;  // evaluations or trials
  double x_end = 0, lo = 1e300, hi = -1e300;
  for (const Series& s : series)
    for (std::size_t i = 0; i < s.x.size(); ++i) x_end = std::max(x_end, s.x[i]), lo = std::min(lo, s.y[i]), hi = std::max(hi, s.y[i]);
  std::optional<double> edge;
  for (const Series& s : series) {
    if (s.x.empty()) continue;
    double v = s.y.front();
    for (std::size_t i = 0; i < s.x.size() && s.x[i] <= 0.05 * x_end; ++i) v = s.y[i];
    edge = !edge ? v : negate ? std::max(*edge, v) : std::min(*edge, v);
  }
  std::string clipped;
  if (edge && !negate && *edge > lo + 0.3 * (hi - lo)) {
    axes.y_min = *edge - 0.05 * (hi - *edge);
    clipped = fmt::format("  (values below {} drawn on the axis)", short_number(*axes.y_min));
  } else if (edge && negate && *edge < hi - 0.3 * (hi - lo)) {
    axes.y_max = *edge + 0.05 * (*edge - lo);
    clipped = fmt::format("  (values above {} drawn at the top)", short_number(*axes.y_max));
  }
  std::string objectives;
  // "accuracy (100 x mIoU)": the metric named where it is known.
  const auto named = [&](const std::string& name) {
    return name == "accuracy" && !metric.empty() ? quantity_label(Quantity::accuracy, words) : name;
  };
  for (const std::string& name : names) objectives += (objectives.empty() ? "" : ", ") + named(name);
  const std::string y_label = hypervolume ? "hypervolume of " + objectives
                              : negate    ? names.front().substr(1) + " (lower is better)"
                                          : named(names.front()) + " (higher is better)";
  axes.x_label = x_label + clipped;
  axes.y_label = y_label;
  return line_chart(axes, series);
}

std::string layer_charts(const ExperimentReport& e) {
  if (e.best_layers_ms.empty())
    return fmt::format("<p class=\"note\">Per-layer latency is not shown: {}</p>\n", escape_html(e.layers_note));
  double x_max = 0;
  for (const LayerLatencies* layers : {&e.best_layers_ms, &e.baseline_layers_ms})
    for (const auto& [name, ms] : *layers) x_max = std::max(x_max, ms);
  const auto chart = [&](const LayerLatencies& layers, const std::string& who, const std::string& color) {
    double total = 0;
    std::vector<Bar> bars;
    for (const auto& [name, ms] : layers) bars.push_back({name, ms, color}), total += ms;
    return hbar_chart({fmt::format("{}: {} kernels, {} ms in all", who, layers.size(), short_number(total)),
                       "latency per kernel (ms)", "", 560},
                      bars, x_max);
  };
  const std::optional<std::size_t> best = search::best_trial(e.record);
  std::string out = "<div class=\"row\">\n";
  out += chart(e.best_layers_ms, best ? fmt::format("best (trial {})", *best) : "best", "#2ca02c");
  if (!e.baseline_layers_ms.empty()) out += chart(e.baseline_layers_ms, "baseline", "#555555");
  return out + "</div>\n";
}

}  // namespace hwnas::report::detail
