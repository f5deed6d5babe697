#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "hwnas/report/html.h"
#include "hwnas/report/svg_frame.h"
#include "hwnas/report/svg_plot.h"

namespace hwnas::report {
namespace {

using detail::Frame;

constexpr int kStrip = 30;  // height in px of the "n/a" strip for points without y

// [lo, hi] widened by 5% on each side (a single value by 5% of itself, or 1 when it is 0),
// never below 0 when lo was not; [0, 1] when empty.
void pad(double& lo, double& hi) {
  if (lo > hi) {
    lo = 0, hi = 1;
    return;
  }
  const double margin = hi > lo ? 0.05 * (hi - lo) : lo == 0 ? 1 : 0.05 * std::fabs(lo);
  const bool non_negative = lo >= 0;
  lo -= margin, hi += margin;
  if (non_negative) lo = std::max(lo, 0.0);
}

}  // namespace

std::string scatter_chart(const Axes& axes, const std::vector<PointGroup>& groups,
                          const std::vector<ReferenceLine>& lines) {
  Frame f{axes, 1e300, -1e300, 1e300, -1e300};
  bool strip = false;
  for (const PointGroup& g : groups)
    for (std::size_t i = 0; i < g.x.size(); ++i) {
      if (!std::isfinite(g.x[i])) continue;
      f.x0 = std::min(f.x0, g.x[i]), f.x1 = std::max(f.x1, g.x[i]);
      if (std::isnan(g.y[i])) strip = true;
      else if (std::isfinite(g.y[i])) f.y0 = std::min(f.y0, g.y[i]), f.y1 = std::max(f.y1, g.y[i]);
    }
  for (const ReferenceLine& line : lines) {
    double& lo = line.vertical ? f.x0 : f.y0;
    double& hi = line.vertical ? f.x1 : f.y1;
    lo = std::min(lo, line.at), hi = std::max(hi, line.at);
  }
  if (axes.y_from_zero && f.y0 <= f.y1) f.y0 = std::min(f.y0, 0.0);
  pad(f.x0, f.x1);
  pad(f.y0, f.y1);

  std::vector<detail::LegendItem> items;
  for (std::size_t k = 0; k < groups.size(); ++k)
    if (!groups[k].label.empty())
      items.push_back({groups[k].color.empty() ? detail::palette(k) : groups[k].color, groups[k].label,
                       groups[k].marker});
  for (const ReferenceLine& line : lines)
    if (!line.label.empty()) items.push_back({line.color, line.label, Marker::square, true});
  f.right = detail::legend_width(items) + 24;
  if (strip) f.strip = kStrip;

  std::string out = detail::svg_header(axes) + detail::y_axis(f) + detail::x_axis(f);
  const double strip_y = f.plot_bottom() + kStrip / 2.0 + 1;
  if (strip)
    out += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#f2f2f2\"/>"
                       "<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">n/a</text>\n",
                       f.left, f.plot_bottom() + 4, axes.width - f.left - f.right, kStrip - 6, f.left - 6, strip_y + 4);
  for (const ReferenceLine& line : lines) {
    const double at = line.vertical ? f.px(line.at) : f.py(line.at);
    out += fmt::format("<line x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\" "
                       "stroke-width=\"2\" stroke-dasharray=\"6 3\"/>\n",
                       line.vertical ? at : f.left, line.vertical ? at : axes.width - f.right,
                       line.vertical ? f.top : at, line.vertical ? f.plot_bottom() + f.strip : at,
                       line.color);
  }
  for (std::size_t k = 0; k < groups.size(); ++k) {
    const PointGroup& g = groups[k];
    const std::string color = g.color.empty() ? detail::palette(k) : g.color;
    if (g.connect) {
      std::string points;
      bool first = true;
      double last_y = 0;
      for (std::size_t i = 0; i < g.x.size(); ++i) {
        if (!std::isfinite(g.x[i]) || !std::isfinite(g.y[i])) continue;
        if (!first) points += fmt::format("{:.1f},{:.1f} ", f.px(g.x[i]), f.py(last_y));
        points += fmt::format("{:.1f},{:.1f} ", f.px(g.x[i]), f.py(g.y[i]));
        first = false, last_y = g.y[i];
      }
      out += fmt::format("<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"1.5\" points=\"{}\"/>\n", color,
                         points);
    }
    for (std::size_t i = 0; i < g.x.size(); ++i) {
      if (!std::isfinite(g.x[i]) || std::isinf(g.y[i])) continue;
      const double y = std::isnan(g.y[i]) ? strip_y : f.py(g.y[i]);
      out += detail::marker(g.marker, f.px(g.x[i]), y, g.radius, color, i < g.tips.size() ? g.tips[i] : "");
    }
  }
  return out + detail::legend(f, items, true) + "</svg>\n";
}

}  // namespace hwnas::report
