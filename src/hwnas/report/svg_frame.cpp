#include "hwnas/report/svg_frame.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "hwnas/report/html.h"

namespace hwnas::report::detail {

const char* palette(std::size_t index) {
  static constexpr std::array<const char*, 8> kPalette = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
                                                          "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"};
  return kPalette[index % kPalette.size()];
}

double tick_step(double range, int target_ticks) {
  const double raw = range / std::max(1, target_ticks);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (raw <= m * mag) return m * mag;
  return 10 * mag;
}

std::string number(double v) {
  if (v == 0) return "0";
  if (std::fabs(v) >= 1e6 || std::fabs(v) < 1e-3) return fmt::format("{:.2g}", v);
  return fmt::format("{:g}", std::round(v * 1e4) / 1e4);
}

std::string svg_header(const Axes& a) {
  return fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
      "font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      "<text x=\"{2}\" y=\"24\" text-anchor=\"middle\" font-size=\"16\">{3}</text>\n",
      a.width, a.height, a.width / 2, escape_html(a.title));
}

std::string y_axis(const Frame& f) {
  std::vector<double> ticks = f.y_ticks;
  if (ticks.empty()) {
    const double step = tick_step(f.y1 - f.y0, 6);
    for (double t = std::ceil(f.y0 / step) * step; t <= f.y1 + 1e-9 * step; t += step) ticks.push_back(t);
  }
  std::string out;
  for (const double t : ticks)
    out += fmt::format(
        "<line x1=\"{0}\" x2=\"{1}\" y1=\"{2:.1f}\" y2=\"{2:.1f}\" stroke=\"#ddd\"/>"
        "<text x=\"{3}\" y=\"{4:.1f}\" text-anchor=\"end\">{5}</text>\n",
        f.left, f.axes.width - f.right, f.py(t), f.left - 6, f.py(t) + 4, number(t));
  out += fmt::format(
      "<text transform=\"translate(18,{0}) rotate(-90)\" text-anchor=\"middle\">{1}</text>\n"
      "<line x1=\"{2}\" x2=\"{2}\" y1=\"{3}\" y2=\"{4}\" stroke=\"black\"/>\n"
      "<line x1=\"{2}\" x2=\"{5}\" y1=\"{4}\" y2=\"{4}\" stroke=\"black\"/>\n",
      (f.top + f.plot_bottom()) / 2, escape_html(f.axes.y_label), f.left, f.top, f.plot_bottom(),
      f.axes.width - f.right);
  return out;
}

std::string x_axis(const Frame& f) {
  std::string out;
  // A count has whole ticks only (s30 fresh-user finding 14: 1, 1.1, ..., 2 evaluations).
  const double step = f.axes.x_integer ? std::max(1.0, tick_step(f.x1 - f.x0, 10)) : tick_step(f.x1 - f.x0, 10);
  for (double t = std::ceil(f.x0 / step) * step; t <= f.x1 + 1e-9 * step; t += step)
    out += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", f.px(t),
                       f.axes.height - f.bottom + 18, number(t));
  out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", f.axes.width / 2,
                     f.axes.height - 16, escape_html(f.axes.x_label));
  return out;
}

std::string marker(Marker shape, double x, double y, double r, const std::string& color, const std::string& tip) {
  const std::string title = tip.empty() ? "" : "<title>" + escape_html(tip) + "</title>";
  const std::string close = title.empty() ? "/>" : ">" + title;
  switch (shape) {
    case Marker::square:
      return fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\"{}{}\n",
                         x - r, y - r, 2 * r, 2 * r, color, close, title.empty() ? "" : "</rect>");
    case Marker::circle:
    case Marker::ring:
      return fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"{:.1f}\" {}{}{}\n", x, y, r,
                         shape == Marker::ring ? fmt::format("fill=\"none\" stroke=\"{}\" stroke-width=\"2\"", color)
                                               : fmt::format("fill=\"{}\" fill-opacity=\"0.75\"", color),
                         close, title.empty() ? "" : "</circle>");
    case Marker::cross:
      return fmt::format("<path d=\"M{0:.1f} {1:.1f}L{2:.1f} {3:.1f}M{0:.1f} {3:.1f}L{2:.1f} {1:.1f}\" "
                         "stroke=\"{4}\" stroke-width=\"1.5\"{5}{6}\n",
                         x - r, y - r, x + r, y + r, color, close, title.empty() ? "" : "</path>");
    case Marker::triangle:
    case Marker::diamond: {
      const std::string points =
          shape == Marker::triangle
              ? fmt::format("{:.1f},{:.1f} {:.1f},{:.1f} {:.1f},{:.1f}", x, y - r * 1.2, x - r * 1.1, y + r * 0.8,
                            x + r * 1.1, y + r * 0.8)
              : fmt::format("{:.1f},{:.1f} {:.1f},{:.1f} {:.1f},{:.1f} {:.1f},{:.1f}", x, y - r * 1.4, x + r, y, x,
                            y + r * 1.4, x - r, y);
      return fmt::format("<polygon points=\"{}\" fill=\"{}\" stroke=\"black\" stroke-width=\"0.5\"{}{}\n", points,
                         color, close, title.empty() ? "" : "</polygon>");
    }
  }
  return "";
}

int legend_width(const std::vector<LegendItem>& items) {
  std::size_t longest = 0;
  for (const LegendItem& item : items) longest = std::max(longest, item.label.size());
  return 24 + 7 * static_cast<int>(longest);  // ~7 px per character
}

std::string legend(const Frame& f, const std::vector<LegendItem>& items, bool outside) {
  std::string out;
  const int x = outside ? f.axes.width - f.right + 16 : f.axes.width - f.right - legend_width(items);
  int y = f.top + 6;
  for (const LegendItem& item : items) {
    if (item.dashed)
      out += fmt::format("<line x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\" stroke=\"{}\" stroke-width=\"2\" "
                         "stroke-dasharray=\"6 3\"/>",
                         x - 2, x + 14, y + 6, y + 6, item.color);
    else
      out += marker(item.marker, x + 6, y + 6, item.marker == Marker::square ? 6 : 4.5, item.color);
    out += fmt::format("<text x=\"{}\" y=\"{}\">{}</text>\n", x + 18, y + 10, escape_html(item.label));
    y += 18;
  }
  return out;
}

}  // namespace hwnas::report::detail
