#include "hwnas/advise/advisor_report.h"

#include <fmt/format.h>

#include <algorithm>

#include "hwnas/advise/advisor_explain.h"
#include "hwnas/advise/advisor_menu.h"
#include "hwnas/base/printable.h"
#include "hwnas/report/html.h"

namespace hwnas::advise {
namespace {

using Json = nlohmann::ordered_json;

double gain_s(const Change& c) { return c.before.latency_s - c.after.latency_s; }

Json ms_or_null(const std::optional<double>& s) { return s ? Json(*s * 1e3) : Json(nullptr); }

Json figures_json(const Figures& f) {
  return {{"latency_ms", f.latency_s * 1e3}, {"measured_latency_ms", ms_or_null(f.measured_s)},
          {"macs", f.macs},                  {"params", f.params},
          {"weight_bytes", f.weight_bytes},  {"peak_activation_bytes", f.peak_activation_bytes}};
}

Json change_json(const Change& c) {
  return {{"pass", c.pass},
          {"site", c.site},
          {"kind", c.kind},
          {"params", c.params},
          {"lossy", c.lossy},
          {"what", c.what},
          {"latency_ms_before", c.before.latency_s * 1e3},
          {"latency_ms_after", c.after.latency_s * 1e3},
          {"gain_ms", gain_s(c) * 1e3},
          {"gain_percent", c.before.latency_s > 0 ? gain_s(c) / c.before.latency_s * 100 : 0.0},
          {"measured_ms_before", ms_or_null(c.before.measured_s)},
          {"measured_ms_after", ms_or_null(c.after.measured_s)},
          {"macs_after", c.after.macs},
          {"params_after", c.after.params},
          {"weight_bytes_after", c.after.weight_bytes},
          {"peak_activation_bytes_after", c.after.peak_activation_bytes},
          {"breaks", c.breaks},
          {"explanation", c.explanation},
          {"why", c.why}};
}

Json step_json(const PlannedStep& s) { return {{"pass", s.pass}, {"site", s.site}, {"params", s.params}, {"why", s.why}}; }

std::string limit_value_text(std::string_view key, double v) {
  return key == "latency_ms" ? fmt::format("{:.3f} ms", v) : bytes_text(v);
}

std::string figures_text(const Figures& f) {
  std::string s = fmt::format("latency {:.3f} ms estimated", f.latency_s * 1e3);
  if (f.measured_s) s += fmt::format(", {:.3f} ms measured", *f.measured_s * 1e3);
  return s + fmt::format("; {:.1f} M MACs, {} params, weights {}, peak activations {}", static_cast<double>(f.macs) / 1e6,
                         f.params, bytes_text(static_cast<double>(f.weight_bytes)),
                         bytes_text(static_cast<double>(f.peak_activation_bytes)));
}

// "features.2 (ibn) ibn_to_fused"
std::string rule_at(const Change& c) {
  std::string s = printable(c.site);
  if (!c.kind.empty()) s += fmt::format(" ({})", c.kind);
  s += " " + c.pass;
  if (!c.params.empty()) s += " " + printable(params_text(c.params));
  return s;
}

std::string breaks_text(const Change& c) {
  std::string s;
  for (const std::string& b : c.breaks) s += fmt::format(" [breaks {}]", b);
  return s;
}

std::string flags(const Change& c) { return (c.lossy ? " [lossy]" : "") + breaks_text(c); }

std::string ranked_line(std::size_t i, const Change& c) {
  std::string s = fmt::format("  {:>3}. {}: {}", i + 1, rule_at(c), delta_ms(c.before.latency_s, c.after.latency_s));
  if (c.after.measured_s && c.before.measured_s)
    s += fmt::format(", measured {}", delta_ms(*c.before.measured_s, *c.after.measured_s));
  return s + fmt::format("{}: {}", flags(c), printable(c.explanation));
}

// "estimated latencies within 2.1% of the measured ones after the 27 candidates that gain,
// 6.2% over all"
std::string error_text(const Advice& a) {
  const auto gains = std::count_if(a.ranked.begin(), a.ranked.end(), [](const Change& c) { return gain_s(c) > 0; });
  return fmt::format("estimated latencies within {:.1f}% of the measured ones after the {} candidates that gain, "
                     "{:.1f}% over all",
                     *a.max_error_gains * 100, gains, *a.max_error * 100);
}

std::string result_lines(const Advice& a) {
  std::string s = fmt::format("result: latency {:.3f} -> {:.3f} ms estimated ({:+.1f}%)", a.baseline.latency_s * 1e3,
                              a.final.latency_s * 1e3, (a.final.latency_s / a.baseline.latency_s - 1) * 100);
  if (a.final.measured_s && a.baseline.measured_s)
    s += fmt::format(", {:.3f} -> {:.3f} ms measured ({:+.1f}%)", *a.baseline.measured_s * 1e3, *a.final.measured_s * 1e3,
                     (*a.final.measured_s / *a.baseline.measured_s - 1) * 100);
  s += fmt::format("; MACs {}, weights {}, peak activations {}\n", delta_count(a.baseline.macs, a.final.macs, ""),
                   delta_count(a.baseline.weight_bytes, a.final.weight_bytes, "B"),
                   delta_count(a.baseline.peak_activation_bytes, a.final.peak_activation_bytes, "B"));
  if (a.final.latency_s > a.baseline.latency_s)
    s += fmt::format("warning: the result is estimated slower than the model ({:+.1f}%)\n",
                     (a.final.latency_s / a.baseline.latency_s - 1) * 100);
  if (a.limits.empty()) return s;
  std::string met, missed;
  for (const LimitStatus& l : a.limits) {
    std::string& into = l.met ? met : missed;
    into += fmt::format("{}{} {} {} {}", into.empty() ? "" : ", ", l.given.key, limit_value_text(l.given.key, l.final),
                        l.met ? "<=" : ">", limit_value_text(l.given.key, l.limit));
  }
  if (!missed.empty()) s += "limits not met: " + missed + (met.empty() ? "" : "; met: " + met) + "\n";
  else s += "limits met: " + met + "\n";
  return s;
}

// The ranked candidates a listing of `top` shows: the first `top` that do not hurt, then
// the last top/4 that hurt; every one for top == 0 or a short list.
std::vector<std::size_t> shown(const Advice& a, std::size_t top) {
  std::vector<std::size_t> out;
  const std::size_t n = a.ranked.size();
  if (top == 0 || n <= top + top / 4) {
    for (std::size_t i = 0; i < n; ++i) out.push_back(i);
    return out;
  }
  std::size_t hurts = 0;
  while (hurts < n && gain_s(a.ranked[n - 1 - hurts]) < 0) ++hurts;
  for (std::size_t i = 0; i < std::min(top, n - hurts); ++i) out.push_back(i);
  for (std::size_t i = n - std::min(hurts, top / 4); i < n; ++i) out.push_back(i);
  return out;
}

// A summary section: a title, paragraphs and a table, rendered as markdown or HTML.
struct Section {
  std::string title;
  std::vector<std::string> paragraphs;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

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
    if (a.spearman)
      rec.paragraphs.push_back(fmt::format("Estimated and measured gains: Spearman {:.3f} over {} candidates; {}.",
                                           *a.spearman, a.ranked.size(), error_text(a)));
    for (std::size_t i : shown(a, 20)) {
      const Change& c = a.ranked[i];
      rec.rows.push_back({std::to_string(i + 1), rule_at(c), delta_ms(c.before.latency_s, c.after.latency_s),
                          measured_delta(c), (c.lossy ? "lossy" : "structural") + breaks_text(c),
                          c.explanation});
    }
    out.push_back(std::move(rec));
  }
  Section comb{"Combination", {}, {"#", "rewrite", "estimated after", "change", "explanation"}};
  if (a.steps.empty()) comb.paragraphs.push_back("No rewrite improves the objective.");
  for (std::size_t i = 0; i < a.steps.size(); ++i) {
    const Change& c = a.steps[i];
    comb.rows.push_back({std::to_string(i + 1), rule_at(c), fmt::format("{:.3f} ms", c.after.latency_s * 1e3),
                         delta_ms(c.before.latency_s, c.after.latency_s), c.explanation});
  }
  if (!src.out.empty()) comb.paragraphs.push_back("The combined model: " + src.out + ".");
  out.push_back(std::move(comb));
  return render("hwnas advise: " + a.model, out, html);
}

std::string advice_text(const Advice& a, const AdviceSource& src, std::size_t top) {
  std::string s = fmt::format("advise {} with the estimator {} (fitted for {}, P = {}){}\n", printable(a.model),
                              printable(src.estimator), printable(src.estimator_target), a.parallelism,
                              src.target.empty() ? "" : ", measured on " + printable(src.target));
  s += "baseline: " + figures_text(a.baseline) + "\n";
  if (!a.ranked.empty() || a.steps.empty()) {
    const std::vector<std::size_t> rows = shown(a, top);
    std::size_t hurts = 0;
    for (const Change& c : a.ranked) hurts += gain_s(c) < 0 ? 1 : 0;
    s += fmt::format("\n{} candidates, largest estimated gain first ({} hurt){}:\n", a.ranked.size(), hurts,
                     rows.size() < a.ranked.size() ? fmt::format("; {} shown, --all lists every one", rows.size()) : "");
    bool hurt_header = false;
    for (std::size_t i : rows) {
      if (gain_s(a.ranked[i]) < 0 && !hurt_header) s += "  hurts:\n", hurt_header = true;
      s += ranked_line(i, a.ranked[i]) + "\n";
    }
    if (a.spearman)
      s += fmt::format("estimated and measured gains {}: Spearman {:.3f} over {} candidates; {}\n",
                       *a.spearman >= 0.9 ? "rank alike" : "rank differently", *a.spearman, a.ranked.size(),
                       error_text(a));
  }
  s += fmt::format("\ncombination: {} step{}", a.steps.size(), a.steps.size() == 1 ? "" : "s");
  if (!a.dropped.empty()) s += fmt::format(" ({} more dropped by the backward pass)", a.dropped.size());
  s += "\n";
  for (std::size_t i = 0; i < a.steps.size(); ++i) {
    const Change& c = a.steps[i];
    s += fmt::format("  {:>3}. {}: {:.3f} ms, {}{}: {}{}\n", i + 1, rule_at(c), c.after.latency_s * 1e3,
                     delta_ms(c.before.latency_s, c.after.latency_s), flags(c), printable(c.explanation),
                     c.why.empty() ? "" : " (why: " + printable(c.why) + ")");
  }
  for (const Skipped& k : a.skipped)
    s += fmt::format("  skipped {} at {}{}: {}\n", printable(k.step.pass), printable(k.step.site),
                     k.step.params.empty() ? "" : " " + printable(params_text(k.step.params)), printable(k.why_not));
  s += result_lines(a);
  return s;
}

Json advice_json(const Advice& a, const AdviceSource& src) {
  Json limits = Json::array(), ranked = Json::array(), steps = Json::array(), dropped = Json::array(),
       skipped = Json::array();
  for (const LimitStatus& l : a.limits)
    limits.push_back({{"key", l.given.key}, {"value", l.given.value}, {"percent", l.given.percent}, {"limit", l.limit},
                      {"baseline", l.baseline}, {"final", l.final}, {"met", l.met}});
  for (const Change& c : a.ranked) ranked.push_back(change_json(c));
  for (const Change& c : a.steps) steps.push_back(change_json(c));
  for (const PlannedStep& d : a.dropped) dropped.push_back(step_json(d));
  for (const Skipped& k : a.skipped) {
    Json j = step_json(k.step);
    j["why_not"] = k.why_not;
    skipped.push_back(std::move(j));
  }
  auto opt = [](const std::optional<double>& v) { return v ? Json(*v) : Json(nullptr); };
  return {{"model", a.model},
          {"estimator", {{"file", src.estimator}, {"target", src.estimator_target}, {"parallelism", a.parallelism}}},
          {"target", src.target.empty() ? Json(nullptr) : Json(src.target)},
          {"baseline", figures_json(a.baseline)},
          {"limits", limits},
          {"candidates", ranked},
          {"spearman", opt(a.spearman)},
          {"max_error", opt(a.max_error)},
          {"max_error_gains", opt(a.max_error_gains)},
          {"steps", steps},
          {"dropped", dropped},
          {"skipped", skipped},
          {"final", figures_json(a.final)},
          {"limits_met", a.limits_met},
          {"evaluated", a.evaluated},
          {"out", src.out.empty() ? Json(nullptr) : Json(src.out)},
          {"summary", src.summary.empty() ? Json(nullptr) : Json(src.summary)}};
}

}  // namespace hwnas::advise
