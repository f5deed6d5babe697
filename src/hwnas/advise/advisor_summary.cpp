// The advisor's summary page (advice_summary): markdown or one self-contained HTML page.
#include <fmt/format.h>

#include <algorithm>

#include "hwnas/advise/advisor_explain.h"
#include "hwnas/advise/advisor_menu.h"
#include "hwnas/advise/advisor_report.h"
#include "hwnas/advise/advisor_report_parts.h"
#include "hwnas/base/printable.h"
#include "hwnas/report/html.h"

namespace hwnas::advise {
namespace {

using namespace report_parts;

// A summary section (advisor_report.h), rendered as markdown or HTML.
using Section = SummarySection;

std::string md_cell(std::string_view text) {
  std::string out;
  for (const char ch : printable(text)) out += ch == '|' ? std::string("\\|") : std::string(1, ch);
  return out;
}

std::string render(const std::string& title, const std::vector<Section>& sections, bool html) {
  std::string s = html ? fmt::format("<h1>{}</h1>\n", report::escape_html(title)) : fmt::format("# {}\n", printable(title));
  for (const Section& sec : sections) {
    s += html ? fmt::format("<h2>{}</h2>\n", report::escape_html(sec.title)) : fmt::format("\n## {}\n\n", sec.title);
    for (const std::string& p : sec.paragraphs)
      s += html ? fmt::format("<p>{}</p>\n", report::escape_html(p)) : printable(p) + "\n\n";
    if (!sec.pre.empty())
      s += html ? fmt::format("<pre>{}</pre>\n", report::escape_html(sec.pre)) : "```\n" + sec.pre + "```\n\n";
    if (sec.header.empty()) continue;
    const auto line = [&](const std::vector<std::string>& cells, bool head) {
      std::string row = html ? "<tr>" : "|";
      for (const std::string& c : cells)
        row += html ? fmt::format("<{0}>{1}</{0}>", head ? "th" : "td", report::escape_html(c)) : " " + md_cell(c) + " |";
      return row + (html ? "</tr>\n" : "\n");
    };
    s += html ? "<table>\n" : "";
    s += line(sec.header, true);
    if (!html) {
      s += "|";
      for (std::size_t i = 0; i < sec.header.size(); ++i) s += "---|";
      s += "\n";
    }
    for (const auto& r : sec.rows) s += line(r, false);
    s += html ? "</table>\n" : "";
  }
  return html ? report::html_document(title, s) : s;
}

std::string measured_delta(const Change& c) {
  return c.after.measured_s && c.before.measured_s ? delta_ms(*c.before.measured_s, *c.after.measured_s) : "-";
}

}  // namespace

std::string advice_summary(const Advice& a, const AdviceSource& src, bool html) {
  std::vector<Section> out;
  Section head{"Baseline and result"};
  head.paragraphs.push_back(fmt::format("Estimator {} (fitted for {}, P = {}){}.", src.estimator, src.estimator_target,
                                        a.parallelism, src.target.empty() ? "" : "; measured on " + src.target));
  head.header = {"figure", "baseline", "combination", "change"};
  const auto row = [&](std::string name, double b, double f, std::string text_b, std::string text_f) {
    head.rows.push_back({std::move(name), std::move(text_b), std::move(text_f),
                         b > 0 ? fmt::format("{:+.1f}%", (f / b - 1) * 100) : "-"});
  };
  row("latency (estimated)", a.baseline.latency_s, a.final.latency_s, fmt::format("{:.3f} ms", a.baseline.latency_s * 1e3),
      fmt::format("{:.3f} ms", a.final.latency_s * 1e3));
  if (a.baseline.measured_s && a.final.measured_s)
    row("latency (measured)", *a.baseline.measured_s, *a.final.measured_s,
        fmt::format("{:.3f} ms", *a.baseline.measured_s * 1e3), fmt::format("{:.3f} ms", *a.final.measured_s * 1e3));
  const auto count = [&](std::string name, std::int64_t b, std::int64_t f, bool bytes) {
    const auto text = [&](std::int64_t v) { return bytes ? bytes_text(static_cast<double>(v)) : std::to_string(v); };
    row(std::move(name), static_cast<double>(b), static_cast<double>(f), text(b), text(f));
  };
  count("MACs", a.baseline.macs, a.final.macs, false);
  count("params", a.baseline.params, a.final.params, false);
  count("weight bytes", a.baseline.weight_bytes, a.final.weight_bytes, true);
  count("peak activation bytes", a.baseline.peak_activation_bytes, a.final.peak_activation_bytes, true);
  out.push_back(std::move(head));
  if (!a.limits.empty()) {
    Section lim{"Limits",
                {a.limits_met ? "Every limit is met." : "Not every limit could be met."},
                {"limit", "value", "baseline", "result", "met"}};
    for (const LimitStatus& l : a.limits)
      lim.rows.push_back({l.given.key, limit_value_text(l.given.key, l.limit), limit_value_text(l.given.key, l.baseline),
                          limit_value_text(l.given.key, l.final), l.met ? "yes" : "no"});
    out.push_back(std::move(lim));
  }
  if (!a.ranked.empty()) {
    Section rec{"Recommendations", {}, {"#", "rewrite", "estimated", "measured", "class", "explanation"}};
    if (a.spearman) rec.paragraphs.push_back("The " + agreement_text(a) + ".");
    for (std::size_t i : shown(a, 20)) {
      const Change& c = a.ranked[i];
      rec.rows.push_back({std::to_string(i + 1), rule_at(c), delta_ms(c.before.latency_s, c.after.latency_s),
                          measured_delta(c), (c.lossy ? "lossy" : "structural") + breaks_text(c),
                          c.explanation});
    }
    out.push_back(std::move(rec));
  }
  if (!src.from.empty()) {
    Section from{"Transfer from " + src.from,
                 {fmt::format("The steps below are the plan of the experiment {}: the rewrites its Pareto "
                              "architectures embody, by relative depth (docs/transfer.md), each valued on this model "
                              "first{}.",
                              src.from,
                              src.whole_plan ? " and applied whatever its estimate (--whole-plan)"
                                             : "; a step that makes the model slower, or a lossy one while every "
                                               "limit is met, is skipped")}};
    from.pre = src.patterns;
    out.push_back(std::move(from));
  }
  const bool planned = std::any_of(a.steps.begin(), a.steps.end(), [](const Change& c) { return !c.why.empty(); });
  Section comb{"Combination", {}, {"#", "rewrite", "class", "estimated after", "change", "what it changes", "explanation"}};
  if (planned) comb.header.push_back("why (the plan)");
  if (a.steps.empty()) comb.paragraphs.push_back("No rewrite improves the objective.");
  if (std::any_of(a.steps.begin(), a.steps.end(), [](const Change& c) { return c.lossy; }))
    comb.paragraphs.push_back("Lossy steps change what the network computes: train the result again "
                              "(docs/training.md) before you compare its accuracy.");
  for (std::size_t i = 0; i < a.steps.size(); ++i) {
    const Change& c = a.steps[i];
    comb.rows.push_back({std::to_string(i + 1), rule_at(c), (c.lossy ? "lossy" : "structural") + breaks_text(c),
                         fmt::format("{:.3f} ms", c.after.latency_s * 1e3),
                         delta_ms(c.before.latency_s, c.after.latency_s), c.what, c.explanation});
    if (planned) comb.rows.back().push_back(c.why);
  }
  if (!src.out.empty()) comb.paragraphs.push_back("The combined model: " + src.out + ".");
  if (a.final.latency_s > a.baseline.latency_s)
    comb.paragraphs.push_back(fmt::format("Warning: the result is estimated slower than the model ({:+.1f}%).",
                                          (a.final.latency_s / a.baseline.latency_s - 1) * 100));
  out.push_back(std::move(comb));
  if (!a.skipped.empty()) {
    Section skip{"Skipped steps", {}, {"pass", "site", "params", "why (the plan)", "why not"}};
    for (const Skipped& k : a.skipped)
      skip.rows.push_back({k.step.pass, k.step.site, params_text(k.step.params), k.step.why, k.why_not});
    out.push_back(std::move(skip));
  }
  out.insert(out.end(), src.sections.begin(), src.sections.end());
  return render("hwnas advise: " + a.model, out, html);
}

}  // namespace hwnas::advise
