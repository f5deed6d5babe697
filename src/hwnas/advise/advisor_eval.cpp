#include "hwnas/advise/advisor_eval.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <map>

#include "hwnas/base/error.h"
#include "hwnas/base/printable.h"
#include "hwnas/estimate/decompose.h"
#include "hwnas/graph/analysis.h"
#include "hwnas/hw/table/table_target.h"

namespace hwnas::advise {
namespace {

// "3x3 depthwise conv 96 ch at 56x56", "1x1 conv 16->96 at 112x112", "linear 1280->1000".
std::string kernel_label(const hw::Kernel& k) {
  const hw::KernelOp& m = k.main();
  const std::int32_t in = m.inputs.empty() ? 0 : m.inputs.front().c;
  if (const auto* c = std::get_if<graph::Conv2d>(&m.op)) {
    const std::string size = fmt::format("{}x{}", c->kernel_h, c->kernel_w);
    const std::string at = fmt::format("at {}x{}", m.output.h, m.output.w);
    if (c->groups > 1 && c->groups == in && c->groups == c->out_channels)
      return fmt::format("{} depthwise conv {} ch {}", size, in, at);
    if (c->groups > 1) return fmt::format("{} conv {}->{} in {} groups {}", size, in, c->out_channels, c->groups, at);
    return fmt::format("{} conv {}->{} {}", size, in, c->out_channels, at);
  }
  if (const auto* l = std::get_if<graph::Linear>(&m.op))
    return fmt::format("linear {}->{}", m.inputs.front().elements(), l->out_features);
  return fmt::format("{} {} ch at {}x{}", graph::op_name(m.op), m.output.c, m.output.h, m.output.w);
}

Figures memory_figures(const graph::Graph& g, graph::Precision precision) {
  const graph::Analysis a = graph::analyze(g, precision, 1, graph::MinOrder::skip);
  Figures f;
  f.macs = a.total.macs;
  f.params = a.total.params;
  f.weight_bytes = a.total.weight_bytes;
  f.peak_activation_bytes = a.peak_activation_bytes;
  return f;
}

constexpr std::string_view kKeys = "latency_ms, peak_activation_bytes, weight_bytes";

// `word` as one word of a POSIX shell command: as it is when it holds only characters no
// shell treats specially, else in single quotes ('\'' for a quote).
std::string shell_word(std::string_view word) {
  const bool plain = !word.empty() && std::all_of(word.begin(), word.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("-_./:=,+@%").find(c) != std::string_view::npos;
  });
  if (plain) return std::string(word);
  std::string out = "'";
  for (const char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

Evaluator::Evaluator(const estimate::Estimator& estimator, hw::Target* target, std::string_view estimator_path,
                     std::string_view target_arg)
    : estimator_(estimator), target_(target) {
  if (target_ == nullptr) return;
  hw::refuse_table_for_kernels(*target_, target_->name(), "advise");
  if (target_->identity() != estimator.target_identity()) {
    const std::string arg = target_arg.empty() ? target_->name() : std::string(target_arg);
    // The files of the command: named after the target (a description file's stem).
    std::string stem = std::filesystem::path(arg).stem().string();
    if (stem.empty()) stem = "target";
    throw UserError(fmt::format("--target {}: the estimator {} was fitted for '{}', not for this target ('{}'); "
                                "fit one for it with 'hwnas fit --target {} --db {} --out {}' (docs/estimator.md)",
                                printable(arg), printable(estimator_path), printable(estimator.target_identity()),
                                printable(target_->identity()), printable(shell_word(arg)),
                                printable(shell_word(stem + ".db")), printable(shell_word(stem + ".est"))));
  }
  target_rules_ = target_->fusion_rules().value_or(estimator.fusion_rules());
}

std::int32_t Evaluator::parallelism() const {
  const std::int32_t lanes = estimator_.lanes().cout;
  return lanes > 1 ? lanes : 8;
}

const hw::Measurement& Evaluator::measure(const hw::Kernel& kernel) const {
  const std::uint64_t key = hw::kernel_hash(kernel);
  if (const auto it = measured_.find(key); it != measured_.end()) return it->second;
  return measured_.emplace(key, target_->measure(kernel)).first->second;
}

Figures Evaluator::figures(const graph::Graph& g, bool measure_it) const {
  Figures f = memory_figures(g, estimator_.precision());
  f.latency_s = estimator_.latency_s(g);
  if (measure_it && target_ != nullptr) {
    double total = 0;
    for (const estimate::KernelInstance& k : estimate::decompose(g, target_rules_, target_->precision()))
      total += measure(k.kernel).latency_s;
    f.measured_s = total;
  }
  return f;
}

Evaluation Evaluator::evaluate(const graph::Graph& g) const {
  Evaluation e;
  e.figures = memory_figures(g, estimator_.precision());
  const std::vector<estimate::KernelInstance> instances =
      estimate::decompose(g, estimator_.fusion_rules(), estimator_.precision());
  std::vector<hw::Kernel> kernels;
  for (const estimate::KernelInstance& k : instances) kernels.push_back(k.kernel);
  const std::vector<double> latency = estimator_.predict(kernels);
  std::map<graph::NodeId, std::size_t> by_main;
  for (std::size_t i = 0; i < instances.size(); ++i) {
    KernelFacts f;
    for (graph::NodeId n : instances[i].nodes) f.nodes.emplace_back(g.node_name(n));
    f.label = kernel_label(kernels[i]);
    f.macs = hw::kernel_macs(kernels[i]);
    f.latency_s = latency[i];
    e.figures.latency_s += latency[i];
    by_main.emplace(instances[i].nodes.front(), i);
    e.kernels.push_back(std::move(f));
  }
  if (target_ != nullptr) {
    // The target's kernels are the estimator's when their fusion rules agree; a kernel is
    // matched by its main node otherwise.
    double total = 0;
    for (const estimate::KernelInstance& k : estimate::decompose(g, target_rules_, target_->precision())) {
      const hw::Measurement& m = measure(k.kernel);
      total += m.latency_s;
      if (const auto it = by_main.find(k.nodes.front()); it != by_main.end()) e.kernels[it->second].measured = m;
    }
    e.figures.measured_s = total;
  }
  return e;
}

std::vector<Limit> parse_limits(std::string_view text, std::string_view option) {
  std::vector<Limit> out;
  while (true) {
    const std::string_view item = text.substr(0, text.find(','));
    const std::size_t eq = item.find('=');
    if (eq == std::string_view::npos || eq == 0)
      throw UserError(fmt::format("{} '{}': write KEY=VALUE[,KEY=VALUE...] with keys {}, e.g. "
                                  "latency_ms=2.5,weight_bytes=53%",
                                  option, printable(item, 40), kKeys));
    Limit l{std::string(item.substr(0, eq))};
    if (l.key != "latency_ms" && l.key != "peak_activation_bytes" && l.key != "weight_bytes")
      throw UserError(fmt::format("{} {}: no such limit; the keys are {}", option, printable(l.key, 40), kKeys));
    if (std::any_of(out.begin(), out.end(), [&](const Limit& o) { return o.key == l.key; }))
      throw UserError(fmt::format("{} {}: given twice", option, l.key));
    std::string_view value = item.substr(eq + 1);
    l.percent = value.ends_with('%');
    if (l.percent) value.remove_suffix(1);
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), l.value);
    if (ec != std::errc() || end != value.data() + value.size() || !std::isfinite(l.value) || l.value <= 0 ||
        (l.percent && l.value > 1000))
      throw UserError(fmt::format("{} {}={}: the value must be a positive number ({}) or a percentage of the "
                                  "baseline in (0, 1000], e.g. 53%",
                                  option, l.key, printable(item.substr(eq + 1), 40),
                                  l.key == "latency_ms" ? "milliseconds" : "bytes"));
    out.push_back(std::move(l));
    if (item.size() == text.size()) break;
    text.remove_prefix(item.size() + 1);
  }
  return out;
}

double limited_value(std::string_view key, const Figures& f) {
  if (key == "latency_ms") return f.latency_s * 1e3;
  if (key == "peak_activation_bytes") return static_cast<double>(f.peak_activation_bytes);
  if (key == "weight_bytes") return static_cast<double>(f.weight_bytes);
  throw InternalError(fmt::format("limited_value: no limit key '{}'", key));
}

std::vector<Limit> absolute_limits(const std::vector<Limit>& limits, const Figures& baseline) {
  std::vector<Limit> out;
  for (const Limit& l : limits)
    out.push_back({l.key, l.percent ? l.value / 100 * limited_value(l.key, baseline) : l.value, false});
  return out;
}

Objective objective(const std::vector<Limit>& limits, const Figures& f) {
  Objective o{0, f.latency_s};
  for (const Limit& l : limits) {
    HWNAS_CHECK(!l.percent);
    o.violation += std::max(0.0, limited_value(l.key, f) / l.value - 1);
  }
  return o;
}

bool improves(const Objective& a, const Objective& b, double min_gain) {
  constexpr double kEpsilon = 1e-9;
  if (a.violation < b.violation - kEpsilon) return true;
  if (a.violation > b.violation + kEpsilon) return false;
  return a.latency_s < b.latency_s * (1 - min_gain);
}

}  // namespace hwnas::advise
