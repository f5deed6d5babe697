#include "hwnas/report/svg_plot.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "hwnas/base/file_io.h"
#include "hwnas/report/html.h"
#include "hwnas/report/svg_frame.h"

namespace hwnas::report {

using detail::Frame;
using detail::LegendItem;

std::string line_chart(const Axes& axes, const std::vector<Series>& series) {
  Frame f{axes, 1e300, -1e300, axes.y_from_zero ? 0.0 : 1e300, -1e300};
  std::vector<LegendItem> items;
  for (std::size_t k = 0; k < series.size(); ++k)
    items.push_back({series[k].color.empty() ? detail::palette(k) : series[k].color, series[k].label});
  if (axes.legend_outside) f.right = detail::legend_width(items) + 24;
  for (const Series& s : series)
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      f.x0 = std::min(f.x0, s.x[i]);
      f.x1 = std::max(f.x1, s.x[i]);
      f.y0 = std::min(f.y0, s.y[i]);
      f.y1 = std::max(f.y1, s.y[i]);
    }
  if (f.x1 < f.x0) f.x0 = 0, f.x1 = 1;  // no points at all
  if (f.y1 < f.y0) f.y0 = 0, f.y1 = 1;
  if (f.x1 <= f.x0) f.x1 = f.x0 + 1;
  if (f.y1 == f.y0 && !axes.y_from_zero && !axes.y_min && !axes.y_max) {
    // Every point at one value (a best that never changed): it is drawn mid-height and is
    // the one labelled tick, not the unlabelled bottom edge (s30 fresh-user finding 14).
    const double v = f.y0, half = v == 0 ? 1 : 0.1 * std::fabs(v);
    f.y0 = v - half, f.y1 = v + half;
    f.y_ticks = {v};
  } else {
    if (axes.y_min && *axes.y_min < f.y1) f.y0 = *axes.y_min;
    if (axes.y_max && *axes.y_max > f.y0) f.y1 = *axes.y_max;
    else f.y1 = f.y1 <= f.y0 ? f.y0 + 1 : f.y1 + 0.05 * (f.y1 - f.y0);
  }
  const auto py = [&](double y) { return f.py(std::clamp(y, f.y0, f.y1)); };
  std::string out = detail::svg_header(axes) + detail::y_axis(f) + detail::x_axis(f);
  for (std::size_t k = 0; k < series.size(); ++k) {
    const Series& s = series[k];
    const std::string& color = items[k].color;
    std::string points;
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      if (s.step && i > 0) points += fmt::format("{:.1f},{:.1f} ", f.px(s.x[i]), py(s.y[i - 1]));
      points += fmt::format("{:.1f},{:.1f} ", f.px(s.x[i]), py(s.y[i]));
    }
    out += fmt::format("<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"2\" points=\"{}\"/>\n", color, points);
    if (s.x.size() <= 40)
      for (std::size_t i = 0; i < s.x.size(); ++i)
        out += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3\" fill=\"{}\"/>\n", f.px(s.x[i]),
                           py(s.y[i]), color);
  }
  return out + detail::legend(f, items, axes.legend_outside) + "</svg>\n";
}

std::string bar_chart(const Axes& axes, const std::vector<Bar>& bars,
                      const std::vector<std::pair<std::string, std::string>>& legend_items) {
  Frame f{axes, 0, double(std::max<std::size_t>(1, bars.size())), 0, 0};
  for (const Bar& b : bars) f.y1 = std::max(f.y1, b.value);
  f.y1 = f.y1 <= 0 ? 1 : f.y1 * 1.05;
  std::string out = detail::svg_header(axes) + detail::y_axis(f);
  const double w = (axes.width - f.left - f.right) / f.x1;
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const Bar& b = bars[i];
    const double x = f.px(double(i));
    out += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\"><title>{}: {}</title></rect>\n",
                       x + 0.1 * w, f.py(b.value), 0.8 * w, f.py(0) - f.py(b.value),
                       b.color.empty() ? detail::palette(0) : b.color, escape_html(b.label), detail::number(b.value));
  }
  out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", axes.width / 2,
                     axes.height - 16, escape_html(axes.x_label));
  std::vector<LegendItem> items;
  for (const auto& [color, label] : legend_items) items.push_back({color, label});
  return out + detail::legend(f, items) + "</svg>\n";
}

std::string hbar_chart(const Axes& axes, const std::vector<Bar>& bars, double x_max) {
  constexpr int kRow = 16, kMaxLabelChars = 34;
  Axes a = axes;
  Frame f{a, 0, 0, 0, 1};
  f.left = 12 + 7 * kMaxLabelChars;  // the same for every chart, so that equal x_max means equal scales
  f.top = 64, f.bottom = 16, f.right = 48;
  for (const Bar& b : bars) f.x1 = std::max(f.x1, b.value);
  f.x1 = x_max > 0 ? std::max(x_max, f.x1) : f.x1;
  if (f.x1 <= 0) f.x1 = 1;
  a.height = f.top + f.bottom + kRow * static_cast<int>(std::max<std::size_t>(1, bars.size()));
  f.axes = a;
  std::string out = detail::svg_header(a);
  const double step = detail::tick_step(f.x1, 5);
  for (double t = 0; t <= f.x1 * (1 + 1e-9); t += step)
    out += fmt::format("<line x1=\"{0:.1f}\" x2=\"{0:.1f}\" y1=\"{1}\" y2=\"{2}\" stroke=\"#ddd\"/>"
                       "<text x=\"{0:.1f}\" y=\"{3}\" text-anchor=\"middle\">{4}</text>\n",
                       f.px(t), f.top, f.plot_bottom(), f.top - 6, detail::number(t));
  out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", (f.left + a.width - f.right) / 2,
                     f.top - 24, escape_html(a.x_label));
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const Bar& b = bars[i];
    const int y = f.top + kRow * static_cast<int>(i);
    // A long label keeps its end (the layer's own name), cut at a UTF-8 character
    // boundary; the whole name is the hover text.
    std::string label = b.label;
    if (label.size() > std::size_t(kMaxLabelChars)) {
      std::size_t cut = label.size() - (kMaxLabelChars - 1);
      while (cut < label.size() && (static_cast<unsigned char>(label[cut]) & 0xC0) == 0x80) ++cut;
      label = "\u2026" + label.substr(cut);
    }
    out += fmt::format(
        "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"11\">{}</text>"
        "<rect x=\"{}\" y=\"{}\" width=\"{:.1f}\" height=\"{}\" fill=\"{}\"><title>{}: {}</title></rect>"
        "<text x=\"{:.1f}\" y=\"{}\" font-size=\"10\" fill=\"#444\">{}</text>\n",
        f.left - 6, y + 12, escape_html(label), f.left, y + 2, f.px(std::max(0.0, b.value)) - f.left, kRow - 4,
        b.color.empty() ? detail::palette(0) : b.color, escape_html(b.label), detail::number(b.value),
        f.px(std::max(0.0, b.value)) + 3, y + 12, detail::number(b.value));
  }
  out += fmt::format("<line x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\" stroke=\"black\"/>\n", f.left, f.top,
                     f.plot_bottom());
  return out + "</svg>\n";
}

void write_svg(const std::string& path, const std::string& svg) {
  write_file_atomically(path, svg, "plot");
}

}  // namespace hwnas::report
