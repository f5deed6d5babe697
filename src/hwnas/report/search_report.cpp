#include "hwnas/report/search_report.h"

#include <fmt/format.h>

#include <algorithm>

#include <map>
#include <set>
#include <string_view>

#include "hwnas/base/error.h"
#include "hwnas/report/html.h"
#include "hwnas/report/search_plots.h"

namespace hwnas::report {
namespace {

using detail::Quantity;

std::string cell(const std::optional<double>& v, const char* format = "{:.4g}") {
  return v ? fmt::format("<td class=\"num\">{}</td>", fmt::format(fmt::runtime(format), *v)) : "<td>n/a</td>";
}

std::string text_cell(const std::string& text) { return "<td><code>" + escape_html(text) + "</code></td>"; }

std::string constraints_text(const std::vector<search::Constraint>& constraints) {
  std::string out;
  for (const search::Constraint& c : constraints)
    out += fmt::format("{}{} {} {}", out.empty() ? "" : ", ", search::metric_name(c.metric), c.at_most ? "<=" : ">=",
                       c.limit_text);
  return out.empty() ? "none" : out;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

// The head of the trial table: the plane's metrics and the others. `accuracy`: what the
// accuracy column says it is ("accuracy (100 x mIoU)").
std::string metric_heads(const std::string& accuracy) {
  return "<th>" + escape_html(accuracy) +
         "</th><th>latency (ms)</th><th>peak activation (KiB)</th><th>weights (KiB)</th><th>params</th><th>MACs</th>";
}

// `metric`: written after the accuracy in its cell, where a column holds several metrics.
// `note`: detail::learnt_nothing_note, marking an accuracy at or below the trivial baseline
// (in the colour of the scatter's baseline line).
std::string metric_cells(const search::Metrics& m, const std::string& metric = {}, const std::string& note = {}) {
  std::string accuracy = cell(m.accuracy, "{:.2f}");
  if (m.accuracy && (!metric.empty() || !note.empty()))
    accuracy = fmt::format("<td class=\"num\">{:.2f}{}{}</td>", *m.accuracy,
                           metric.empty() ? "" : " (" + escape_html(metric) + ")",
                           note.empty() ? "" : " <span style=\"color: #9467bd\">(" + escape_html(note) + ")</span>");
  return accuracy + cell(m.latency_ms) + cell(m.peak_activation_bytes / 1024.0, "{:.1f}") +
         cell(m.weight_bytes / 1024.0, "{:.1f}") + cell(double(m.params), "{:.0f}") + cell(double(m.macs), "{:.0f}");
}

// The count of accuracy evaluations as hwnas search prints it: "2 (and 14 copies of a
// network evaluated before, not counted)" (s30 fresh-user finding 3); with evaluations at
// several rungs, of the candidates, and the evaluations: "3 (4 evaluations over 2 rungs; and
// 13 copies ...)" (s31 fresh-user finding 14). `brief`: "(and 14 copies)", for the comparison.
std::string evaluations_text(const search::ExperimentRecord& r, bool brief) {
  std::string more;
  if (detail::counts_candidates(r)) {
    std::int64_t evaluations = 0;
    for (const search::RungCost& c : r.rung_costs) evaluations += c.evaluations;
    more = fmt::format("{} evaluation{} over {} rungs", evaluations, evaluations == 1 ? "" : "s",
                       detail::evaluated_rungs(r));
  }
  if (r.accuracy_copies > 0)
    more += fmt::format("{}and {} {}{}", more.empty() ? "" : "; ", r.accuracy_copies,
                        r.accuracy_copies == 1 ? "copy" : "copies",
                        brief ? "" : " of a network evaluated before, not counted");
  return fmt::format("{}{}", r.accuracy_evaluations, more.empty() ? "" : " (" + more + ")");
}

std::string summary(const ExperimentReport& e) {
  const search::ExperimentRecord& r = e.record;
  std::size_t feasible = 0, infeasible = 0, failed = 0;
  for (const search::Trial& t : r.trials)
    (t.status == search::TrialStatus::failed                   ? failed
     : t.status == search::TrialStatus::ok && t.feasible       ? feasible
                                                               : infeasible)++;
  std::string out = "<table>\n";
  const auto row = [&](const std::string& head, const std::string& value) {
    out += fmt::format("<tr><th>{}</th><td>{}</td></tr>\n", head, value);
  };
  row("directory", "<code>" + escape_html(r.dir) + "</code>");
  row("experiment file", "<code>" + escape_html(r.info.experiment_file) + "</code>");
  row("space", escape_html(r.info.space));
  row("strategy", fmt::format("{}, seed {}", escape_html(r.info.strategy), r.info.seed));
  row("objective (maximised)", escape_html(join(r.info.objective_names)));
  row("constraints", escape_html(constraints_text(e.constraints)));
  row("trials", fmt::format("{}: {} feasible, {} infeasible, {} failed", r.trials.size(), feasible, infeasible, failed));
  if (const auto range = detail::trivial_baseline_range(e)) {
    const auto nothing = std::count_if(r.trials.begin(), r.trials.end(),
                                       [&](const search::Trial& t) { return detail::no_better_than_baseline(e, t); });
    // It depends on the network (its resolution): each trial is compared with its own.
    const bool several = detail::range_text(*range).find('-') != std::string::npos;
    // Only top-rung trials are compared (no_better_than_baseline): the page says so (s31
    // fresh-user finding 14).
    const bool rungs = r.info.rungs > 1;
    const std::string trials = rungs ? "top-rung trial" : "trial";
    // What hwnas search says of a best trial at the baseline, for every such trial.
    row("accuracy baseline (what a network that learnt nothing scores)",
        escape_html(fmt::format("{} {} ({}{}); {}{}", e.accuracy_baseline_name, detail::range_text(*range),
                                e.accuracy_metric,
                                several ? ", over the trials: it depends on the network's resolution" : "",
                                nothing == 0 ? fmt::format("no {} at or below {}", trials, several ? "its own" : "it")
                                             : fmt::format("{} {}{} at or below {}: they learnt nothing; train "
                                                           "longer (accuracy.train.epochs, scenes, subset)",
                                                           nothing, trials, nothing == 1 ? "" : "s",
                                                           several ? "their own" : "it"),
                                rungs ? "; trials stopped at a lower rung are not compared" : "")));
  }
  // Trials answered with another's evaluation of the same network, as hwnas search says.
  row(detail::counts_candidates(r) ? "candidates evaluated for accuracy" : "accuracy evaluations",
      evaluations_text(r, /*brief=*/false));
  if (r.rung_costs.size() > 1)  // a candidate is evaluated once per rung it reaches
    row("accuracy evaluations by rung (wall time in the accuracy source)", search::rung_costs_text(r.rung_costs));
  row("latency evaluations", fmt::format("{}", r.latency_evaluations));
  // Not the wall time of the runs: their start-up (the accuracy sources') is not in it.
  if (r.state)
    row("time in search steps, every session (s; what budget.seconds counts, start-up not included: hwnas search "
        "--json's step_seconds)",
        fmt::format("{:.1f}", r.state->elapsed_s));
  return out + "</table>\n";
}

// The genome cell of a row that stands for copies too: "and 3 copies, the same network:
// trials 1 (0-1-0-0), 12 (0-0-1-0), ..." (at most 8 named).
std::string copies_note(const search::ExperimentRecord& r, const std::vector<std::size_t>& copies) {
  if (copies.empty()) return "";
  constexpr std::size_t kNamed = 8;
  std::string named;
  for (std::size_t k = 0; k < copies.size() && k < kNamed; ++k)
    named += fmt::format("{}{} ({})", k == 0 ? "" : ", ", r.trials[copies[k]].index,
                         space::to_text(r.trials[copies[k]].genome));
  if (copies.size() > kNamed) named += fmt::format(" and {} more", copies.size() - kNamed);
  return fmt::format("<br><span class=\"note\">and {} cop{}, the same network (its accuracy not evaluated again): "
                     "trial{} {}</span>",
                     copies.size(), copies.size() == 1 ? "y" : "ies", copies.size() == 1 ? "" : "s",
                     escape_html(named));
}

// One row per network: its trial, with the copies of it folded in (detail::front_networks).
std::string trial_table(const ExperimentReport& e, const std::vector<detail::FrontNetwork>& rows,
                        const std::optional<ExperimentReport::Baseline>& baseline) {
  const search::ExperimentRecord& r = e.record;
  std::string out = fmt::format("<table>\n<tr><th>trial</th><th>genome</th><th>architecture</th>{}</tr>\n",
                                metric_heads(detail::quantity_label(Quantity::accuracy, detail::accuracy_words(e))));
  for (const detail::FrontNetwork& row : rows) {
    const search::Trial& t = r.trials[row.trial];
    out += fmt::format("<tr><td class=\"num\">{}</td><td><code>{}</code>{}</td>{}{}</tr>\n", t.index,
                       escape_html(space::to_text(t.genome)), copies_note(r, row.copies), text_cell(t.arch),
                       metric_cells(t.metrics, "", detail::learnt_nothing_note(e, t)));
  }
  if (baseline)
    out += fmt::format("<tr><td>baseline</td>{}{}{}</tr>\n", text_cell(baseline->genome), text_cell(baseline->arch),
                       metric_cells(baseline->metrics, "",
                                    detail::learnt_nothing_note(e, baseline->metrics, baseline->rung,
                                                                baseline->accuracy_baseline)));
  return out + "</table>\n";
}

// A failed copy's reason without what makes it a copy's: "accuracy at rung 0: 'python3'
// exited ..." for "... (as trial 2, the same network)" (CostModel::finish), its evaluation's.
std::string evaluation_reason(const search::Trial& t) {
  constexpr std::string_view kEnd = ", the same network)";
  if (!search::accuracy_copied(t) || !t.reason.ends_with(kEnd)) return t.reason;
  const std::size_t as = t.reason.rfind(" (as ");
  return as == std::string::npos ? t.reason : t.reason.substr(0, as);
}

// The distinct reasons of failed trials, most frequent first (at most 10). A copy's failure
// is its evaluation's: counted with it, "1, and 3 copies" (s31 fresh-user finding 14).
std::string failures(const search::ExperimentRecord& r) {
  struct Count {
    std::size_t own = 0, copies = 0;
  };
  std::map<std::string, Count> count;
  for (const search::Trial& t : r.trials)
    if (t.status == search::TrialStatus::failed) {
      Count& c = count[evaluation_reason(t)];
      ++(search::accuracy_copied(t) ? c.copies : c.own);
    }
  if (count.empty()) return "";
  std::vector<std::pair<Count, std::string>> sorted;
  for (const auto& [reason, n] : count) sorted.emplace_back(n, reason);
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
    return a.first.own + a.first.copies > b.first.own + b.first.copies;
  });
  const auto trials = [](const Count& c) {
    const std::string copies = fmt::format("{} cop{}", c.copies, c.copies == 1 ? "y" : "ies");
    return c.copies == 0 ? fmt::format("{}", c.own)
           : c.own == 0  ? copies
                         : fmt::format("{}, and {}", c.own, copies);
  };
  std::string out = "<h3>Failed trials</h3>\n<table>\n<tr><th>trials</th><th>reason</th></tr>\n";
  for (std::size_t k = 0; k < sorted.size() && k < 10; ++k)
    out += fmt::format("<tr><td class=\"num\">{}</td>{}</tr>\n", trials(sorted[k].first), text_cell(sorted[k].second));
  if (sorted.size() > 10) out += fmt::format("<tr><td colspan=\"2\">and {} other reasons</td></tr>\n", sorted.size() - 10);
  return out + "</table>\n";
}

std::string experiment_section(const ExperimentReport& e, std::size_t number, bool several) {
  const search::ExperimentRecord& r = e.record;
  const detail::Plane plane = detail::choose_plane(r);
  const std::vector<std::size_t> front = detail::plane_front(r, plane);
  std::string out = fmt::format("<section id=\"experiment-{}\">\n<h2>{}{}</h2>\n", number,
                                several ? fmt::format("{}. ", number) : "", escape_html(detail::experiment_label(e)));
  out += summary(e);
  if (!several) out += "<h3>Search progress</h3>\n" + detail::best_so_far_chart({e});
  out += "<h3>All trials</h3>\n";
  if (plane.y != Quantity::accuracy) {
    const bool asked = std::any_of(r.trials.begin(), r.trials.end(),
                                   [](const search::Trial& t) { return t.accuracy_evaluated; });
    out += asked ? "<p class=\"note\">No trial has an accuracy: every accuracy evaluation failed (the failed "
                   "trials' reasons are listed below): the trials are drawn by memory instead.</p>\n"
                 : "<p class=\"note\">No trial has an accuracy (a search without an accuracy source): the trials "
                   "are drawn by memory instead.</p>\n";
  }
  out += detail::trials_scatter(e, plane, front);
  if (const std::optional<double> zoom = detail::front_zoom(r, plane, front))
    out += "<h3>Near the Pareto front</h3>\n" + detail::trials_scatter(e, plane, front, zoom);
  out += "<h3>Per-layer latency</h3>\n" + detail::layer_charts(e);
  const std::vector<detail::FrontNetwork> networks = detail::front_networks(r, front);
  out += fmt::format("<h3>Pareto front: {} against {} ({})</h3>\n",
                     escape_html(detail::quantity_label(plane.y, detail::accuracy_words(e))),
                     detail::quantity_label(plane.x), detail::front_count_text(networks));
  out += front.empty() ? "<p class=\"note\">No feasible trial.</p>\n" : trial_table(e, networks, e.baseline);
  if (const std::optional<std::size_t> best = search::best_trial(r)) {
    const std::string& name = r.info.objective_names.front();
    out += fmt::format("<h3>Best trial ({})</h3>\n", escape_html(name.starts_with("-") ? "lowest " + name.substr(1)
                                                                                        : "highest " + name));
    out += trial_table(e, {{*best, {}}}, std::nullopt);
  }
  out += failures(r);
  out += "<h3>Experiment config</h3>\n<pre>" + escape_html(r.info.config_yaml, /*multiline=*/true) + "</pre>\n";
  return out + "</section>\n";
}

std::string comparison(const std::vector<ExperimentReport>& experiments) {
  // Accuracies of different metrics (100 x mIoU, 100 x mAP@0.5, top-1 %) are not one
  // quantity: one column names its metric, or each cell names its own (s29 finding 2).
  // (A latency-only experiment has no accuracy to name.)
  // The column names the trivial baseline when every experiment has the same.
  std::set<std::string> metrics, words;
  for (const ExperimentReport& e : experiments)
    if (e.record.accuracy_evaluations > 0) metrics.insert(e.accuracy_metric), words.insert(detail::accuracy_words(e));
  const bool one_metric = metrics.size() <= 1;
  const std::string accuracy_head =
      !one_metric      ? "accuracy (metrics differ: each value names its own)"
      : metrics.empty() ? "accuracy"
                        : detail::quantity_label(Quantity::accuracy,
                                                 words.size() == 1 ? *words.begin() : *metrics.begin());
  // With rungs, the count is of candidates, as in each section's summary and hwnas search's
  // (s31 fresh-user finding 14).
  const bool candidates = std::any_of(experiments.begin(), experiments.end(), [](const ExperimentReport& e) {
    return detail::counts_candidates(e.record);
  });
  std::string out = fmt::format("<h2>Comparison</h2>\n<table>\n<tr><th>experiment</th><th>space</th><th>trials</th>"
                                "<th>{}</th><th>best trial</th>{}</tr>\n",
                                candidates ? "candidates evaluated for accuracy" : "accuracy evaluations",
                                metric_heads(accuracy_head));
  for (std::size_t k = 0; k < experiments.size(); ++k) {
    const search::ExperimentRecord& r = experiments[k].record;
    const std::optional<std::size_t> best = search::best_trial(r);
    out += fmt::format("<tr><td><a href=\"#experiment-{}\">{}</a></td><td>{}</td><td class=\"num\">{}</td>"
                       "<td class=\"num\">{}</td>",
                       k + 1, escape_html(detail::experiment_label(experiments[k])), escape_html(r.info.space),
                       r.trials.size(),
                       evaluations_text(r, /*brief=*/true));
    const std::string metric = one_metric ? "" : experiments[k].accuracy_metric.empty()
                                                     ? "metric unknown"
                                                     : experiments[k].accuracy_metric;
    const auto best_cells = [&](const search::Trial& t) {
      return metric_cells(t.metrics, metric, detail::learnt_nothing_note(experiments[k], t));
    };
    out += best ? fmt::format("<td class=\"num\">{}</td>{}", *best, best_cells(r.trials[*best]))
                : "<td colspan=\"7\">no feasible trial</td>";
    out += "</tr>\n";
  }
  out += "</table>\n<h3>Search progress</h3>\n";
  // One chart per list of objectives and accuracy metric: curves of accuracy and of
  // -latency_ms, or of 100 x mIoU and 100 x mAP@0.5, on one axis would compare unlike numbers.
  const auto metric_of = [](const ExperimentReport& e) {
    const std::vector<std::string>& names = e.record.info.objective_names;
    return std::find(names.begin(), names.end(), "accuracy") != names.end() ? e.accuracy_metric : std::string();
  };
  std::vector<std::vector<ExperimentReport>> groups;
  for (const ExperimentReport& e : experiments) {
    const auto same = [&](const std::vector<ExperimentReport>& g) {
      return g.front().record.info.objective_names == e.record.info.objective_names &&
             metric_of(g.front()) == metric_of(e);
    };
    if (const auto g = std::find_if(groups.begin(), groups.end(), same); g != groups.end()) g->push_back(e);
    else groups.push_back({e});
  }
  for (const std::vector<ExperimentReport>& g : groups) {
    if (groups.size() > 1) {
      std::string names;
      const std::string metric = metric_of(g.front());
      for (const std::string& n : g.front().record.info.objective_names)
        names += (names.empty() ? "" : ", ") +
                 (n == "accuracy" && !metric.empty() ? detail::quantity_label(Quantity::accuracy, metric) : n);
      out += fmt::format("<h4>Experiments that maximise {}</h4>\n", escape_html(names));
    }
    out += detail::best_so_far_chart(g);
  }
  return out;
}

}  // namespace

std::string render_report(const std::vector<ExperimentReport>& experiments) {
  HWNAS_CHECK(!experiments.empty());
  for (const ExperimentReport& e : experiments) {
    if (e.record.trials.empty())
      throw UserError(fmt::format("{}: the experiment has no trials yet; run hwnas search on it first", e.record.dir));
    HWNAS_CHECK(!e.record.info.objective_names.empty() && e.record.fitness.size() == e.record.trials.size());
  }
  const bool several = experiments.size() > 1;
  const std::string title = several ? fmt::format("hwnas report: {} experiments", experiments.size())
                                    : "hwnas report: " + experiments.front().record.dir;
  std::string body = "<h1>" + escape_html(title) + "</h1>\n";
  if (several) body += comparison(experiments);
  for (std::size_t k = 0; k < experiments.size(); ++k) body += experiment_section(experiments[k], k + 1, several);
  return html_document(title, body);
}

}  // namespace hwnas::report
