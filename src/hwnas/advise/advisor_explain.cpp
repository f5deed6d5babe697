#include "hwnas/advise/advisor_explain.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

namespace hwnas::advise {
namespace {

// The kernels that run one of `names`, and their summed latency (measured when all are).
struct Touched {
  std::vector<const KernelFacts*> kernels;
  double estimated_s = 0, measured_s = 0;
  bool measured = true;
  const KernelFacts* slowest = nullptr;
};

double latency_of(const KernelFacts& k) { return k.measured ? k.measured->latency_s : k.latency_s; }

Touched touched(const Evaluation& e, const std::set<std::string, std::less<>>& names) {
  Touched t;
  for (const KernelFacts& k : e.kernels) {
    if (std::none_of(k.nodes.begin(), k.nodes.end(), [&](const std::string& n) { return names.contains(n); }))
      continue;
    t.kernels.push_back(&k);
    t.estimated_s += k.latency_s;
    t.measured = t.measured && k.measured.has_value();
    if (k.measured) t.measured_s += k.measured->latency_s;
    if (t.slowest == nullptr || latency_of(k) > latency_of(*t.slowest)) t.slowest = &k;
  }
  t.measured = t.measured && !t.kernels.empty();
  return t;
}

std::string kernels(std::size_t n) { return fmt::format("{} kernel{}", n, n == 1 ? "" : "s"); }

std::string percent(double before, double after) {
  if (before == 0) return after == 0 ? "+0%" : "new";
  return fmt::format("{:+.1f}%", (after / before - 1) * 100);
}

// "the 3x3 conv 16->96 at 56x56 runs at 88.0% of the MAC array (compute-bound, 0.014 ms)"
std::string kernel_fact(const KernelFacts& k, bool before, bool first) {
  std::string s = fmt::format("{} {}", before ? "the" : "now the", k.label);
  if (!k.measured) return s + fmt::format(" {} {:.3f} ms (estimated)", before ? "took" : "takes", k.latency_s * 1e3);
  const hw::Measurement& m = *k.measured;
  if (m.utilization)
    s += fmt::format(" {} at {:.1f}%{}", before ? "ran" : "runs", *m.utilization * 100, first ? " of the MAC array" : "");
  else
    s += before ? " ran" : " runs";
  s += fmt::format(" ({}-bound", hw::bound_name(m.bound));
  if (m.dram_bytes && *m.dram_bytes > 0) s += fmt::format(", {} DRAM", bytes_text(*m.dram_bytes));
  return s + fmt::format(", {:.3f} ms)", m.latency_s * 1e3);
}

}  // namespace

std::string bytes_text(double bytes) {
  if (std::abs(bytes) >= 1e6) return fmt::format("{:.2f} MB", bytes / 1e6);
  if (std::abs(bytes) >= 1e3) return fmt::format("{:.1f} kB", bytes / 1e3);
  return fmt::format("{:.0f} B", bytes);
}

std::string delta_ms(double before_s, double after_s) {
  return fmt::format("{:+.3f} ms ({})", (after_s - before_s) * 1e3, percent(before_s, after_s));
}

std::string delta_count(std::int64_t before, std::int64_t after, std::string_view unit) {
  const double d = static_cast<double>(after - before);
  const std::string amount = unit == "B" ? (d >= 0 ? "+" : "-") + bytes_text(std::abs(d))
                                         : fmt::format("{:+.1f} M", d / 1e6);
  return fmt::format("{} ({})", amount, percent(static_cast<double>(before), static_cast<double>(after)));
}

std::string explain(const RewriteRecord& r, const Evaluation& before, const Evaluation& after) {
  std::set<std::string, std::less<>> names(r.removed.begin(), r.removed.end());
  names.insert(r.added.begin(), r.added.end());
  for (const NodeChange& c : r.changed) names.insert(c.node);
  const Touched b = touched(before, names), a = touched(after, names);
  std::string s;
  if (b.slowest != nullptr && a.slowest != nullptr && b.measured && a.measured) {
    s = fmt::format("{}; {}", kernel_fact(*b.slowest, true, true), kernel_fact(*a.slowest, false, false));
    if (b.kernels.size() > 1 || a.kernels.size() > 1)
      s += fmt::format("; its {} {:.3f} ms -> {} {:.3f} ms", kernels(b.kernels.size()), b.measured_s * 1e3,
                       kernels(a.kernels.size()), a.measured_s * 1e3);
  } else if (b.slowest != nullptr && a.slowest != nullptr) {
    s = fmt::format("its {} took {:.3f} ms (slowest the {}, {:.3f} ms); after, {} {:.3f} ms (slowest the {}, "
                    "{:.3f} ms)",
                    kernels(b.kernels.size()), b.estimated_s * 1e3, b.slowest->label, b.slowest->latency_s * 1e3,
                    kernels(a.kernels.size()), a.estimated_s * 1e3, a.slowest->label, a.slowest->latency_s * 1e3);
  } else {
    s = "no kernel changed";
  }
  const Figures& fb = before.figures;
  const Figures& fa = after.figures;
  s += fmt::format("; MACs {}", delta_count(fb.macs, fa.macs, ""));
  if (fb.weight_bytes != fa.weight_bytes) s += fmt::format(", weights {}", delta_count(fb.weight_bytes, fa.weight_bytes, "B"));
  if (fb.peak_activation_bytes != fa.peak_activation_bytes)
    s += fmt::format(", peak activations {}", delta_count(fb.peak_activation_bytes, fa.peak_activation_bytes, "B"));
  return s;
}

}  // namespace hwnas::advise
