#include "hwnas/search/objective.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>

#include "hwnas/base/error.h"

namespace hwnas::search {
namespace {

const char* kMaximizeHint =
    "give accuracy, mnasnet_reward, tunas_reward, -METRIC (METRIC one of latency_ms, peak_activation_bytes, "
    "weight_bytes, params, macs) or a list of these for a Pareto search, e.g. [accuracy, -latency_ms]";

/// A name of a task's metric a user may write for the one `accuracy` stands for: miou,
/// map, map_50, top1, top-1 (any case).
bool is_task_metric(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const char* name : {"miou", "map", "map50", "map_50", "map@0.5", "top1", "top-1", "top1_accuracy"})
    if (text == name) return true;
  return false;
}

Objective::Term parse_term(const ExperimentSection& s, const std::string& text) {
  using Kind = Objective::Term::Kind;
  Objective::Term t;
  t.name = text;
  Metric metric{};
  if (text == "accuracy") {
    t.kind = Kind::accuracy;
  } else if (text == "mnasnet_reward") {
    t.kind = Kind::mnasnet_reward;
  } else if (text == "tunas_reward") {
    t.kind = Kind::tunas_reward;
  } else if (text.starts_with("-") && parse_metric(std::string_view(text).substr(1), metric)) {
    t.kind = Kind::minus_metric;
    t.metric = metric;
  } else if (parse_metric(text, metric)) {
    s.fail("maximize", fmt::format("maximising {0} is not a search goal; write -{0} to minimise it", text));
  } else if (text == "-accuracy") {
    s.fail("maximize", "minimising accuracy is not a search goal; write accuracy");
  } else if (is_task_metric(text)) {  // s29 fresh-user finding 2: --set objective.maximize=miou
    s.fail("maximize", fmt::format("'{}' is not an objective: the task's metric is accuracy (with accuracy: train:, "
                                   "top-1 % for classification, 100 x mAP@0.5 for detection, 100 x mIoU for "
                                   "segmentation); write accuracy",
                                   text));
  } else {
    s.fail("maximize", fmt::format("unknown objective '{}'; {}", text, kMaximizeHint));
  }
  return t;
}

bool needs_latency(const Objective::Term& t) {
  return t.kind == Objective::Term::Kind::mnasnet_reward || t.kind == Objective::Term::Kind::tunas_reward ||
         (t.kind == Objective::Term::Kind::minus_metric && t.metric == Metric::latency_ms);
}

bool needs_accuracy(const Objective::Term& t) { return t.kind != Objective::Term::Kind::minus_metric; }

}  // namespace

Objective Objective::parse(const ExperimentSection& s, bool has_accuracy, bool has_latency) {
  s.only({"constraints", "maximize", "reward"});
  Objective o;
  if (s.has("constraints")) {
    const YAML::Node list = s.get("constraints");
    const std::string hint = "write a list of strings such as [latency_ms <= 4, peak_activation_bytes <= 512KiB]";
    if (!list.IsSequence()) s.fail("constraints", "must be a list; " + hint);
    std::size_t entry = 0;
    for (const YAML::Node& item : list) {
      ++entry;
      if (!item.IsScalar()) s.fail("constraints", fmt::format("entry {} is not a string; {}", entry, hint));
      const bool set = from_set(s.set_keys(), fmt::format("{}.{}", s.key_path("constraints"), entry - 1));
      o.constraints_.push_back(parse_constraint(
          item.Scalar(), fmt::format("{}{}: {} entry {}{}", s.file(),
                                     set || item.Mark().is_null() ? "" : fmt::format(":{}", item.Mark().line + 1),
                                     s.key_path("constraints"), entry, set ? " (from --set)" : "")));
      if (o.constraints_.back().metric == Metric::latency_ms && !has_latency)
        s.fail("constraints", fmt::format("entry {} limits latency_ms, but the experiment has no latency source; "
                                          "add a latency: section",
                                          entry));
      // A lower limit above an upper one on the same metric: no network can be feasible.
      const Constraint& c = o.constraints_.back();
      for (const Constraint& d : o.constraints_)
        if (d.metric == c.metric && d.at_most != c.at_most) {
          const Constraint& low = c.at_most ? d : c;
          const Constraint& high = c.at_most ? c : d;
          if (low.limit > high.limit)
            s.fail("constraints", fmt::format("{} >= {} and {} <= {} cannot both hold; no network would be "
                                              "feasible: fix one of the limits",
                                              metric_name(c.metric), low.limit_text, metric_name(c.metric),
                                              high.limit_text));
        }
    }
  }

  for (const std::string& text : s.text_list("maximize", kMaximizeHint, /*scalar_ok=*/true)) {
    const Term t = parse_term(s, text);
    if (std::any_of(o.terms_.begin(), o.terms_.end(), [&](const Term& u) { return u.name == t.name; }))
      s.fail("maximize", fmt::format("'{}' is listed twice; keep one", t.name));
    if (needs_accuracy(t) && !has_accuracy)
      s.fail("maximize", fmt::format("'{}' needs the accuracy, but the experiment has no accuracy source; add an "
                                     "accuracy: section, or maximise -latency_ms or -METRIC alone",
                                     t.name));
    if (needs_latency(t) && !has_latency)
      s.fail("maximize",
             fmt::format("'{}' needs the latency, but the experiment has no latency source; add a latency: section", t.name));
    o.terms_.push_back(t);
  }

  const auto reward = std::find_if(o.terms_.begin(), o.terms_.end(), [](const Term& t) {
    return t.kind == Term::Kind::mnasnet_reward || t.kind == Term::Kind::tunas_reward;
  });
  if (reward == o.terms_.end()) {
    if (s.has("reward")) s.fail("reward", "is only read for maximize: mnasnet_reward or tunas_reward; remove it");
    return o;
  }
  if (std::count_if(o.terms_.begin(), o.terms_.end(), [](const Term& t) {
        return t.kind == Term::Kind::mnasnet_reward || t.kind == Term::Kind::tunas_reward;
      }) > 1)
    s.fail("maximize", "mnasnet_reward and tunas_reward read the same reward: section; keep one");
  const bool mnasnet = reward->kind == Term::Kind::mnasnet_reward;
  if (!s.has("reward"))
    s.fail("reward", mnasnet ? "missing; give the latency target T in ms, e.g. reward: {target_ms: 4} (alpha and "
                               "beta default to MnasNet's -0.07)"
                             : "missing; give the latency target T in ms and the weight beta < 0, e.g. reward: "
                               "{target_ms: 4, beta: -0.07}");
  const ExperimentSection r = s.section("reward");
  if (mnasnet) {
    r.only({"target_ms", "alpha", "beta"});
    o.alpha_ = r.number("alpha", -10, 0, -0.07);
    o.beta_ = r.number("beta", -10, 0, -0.07);
  } else {
    r.only({"target_ms", "beta"});
    o.beta_ = r.number("beta", -100, 0);
    if (o.beta_ == 0) r.fail("beta", "must be below 0: TuNAS's reward penalises distance from the target");
  }
  o.target_ms_ = r.number("target_ms", 1e-6, 1e7);
  return o;
}

std::vector<std::string> Objective::names() const {
  std::vector<std::string> out;
  for (const Term& t : terms_) out.push_back(t.name);
  return out;
}

std::vector<double> Objective::fitness(const Metrics& m) const {
  for (const Term& t : terms_) {
    HWNAS_CHECK(!needs_accuracy(t) || m.accuracy.has_value());
    HWNAS_CHECK(!needs_latency(t) || m.latency_ms.has_value());
  }
  std::vector<double> out;
  for (const Term& t : terms_) {
    switch (t.kind) {
      case Term::Kind::accuracy: out.push_back(m.accuracy.value()); break;
      case Term::Kind::minus_metric: out.push_back(-metric_value(m, t.metric).value()); break;
      case Term::Kind::mnasnet_reward: {
        const double ratio = m.latency_ms.value() / target_ms_;
        out.push_back(m.accuracy.value() * std::pow(ratio, ratio <= 1 ? alpha_ : beta_));
        break;
      }
      case Term::Kind::tunas_reward: {
        // TuNAS's Q is a fraction; accuracy here is in percent, so the penalty is scaled by
        // 100 to rank exactly as Q + beta·|LAT/T − 1| does.
        out.push_back(m.accuracy.value() + 100 * beta_ * std::abs(m.latency_ms.value() / target_ms_ - 1));
        break;
      }
    }
  }
  return out;
}

}  // namespace hwnas::search
