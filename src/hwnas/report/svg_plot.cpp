#include "hwnas/report/svg_plot.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "hwnas/base/file_io.h"

namespace hwnas::report {
namespace {

constexpr std::array<const char*, 8> kPalette = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
                                                 "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"};
constexpr int kLeft = 80, kRight = 24, kTop = 48, kBottom = 64;

std::string escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else out += c;
  }
  return out;
}

// "Nice" tick step for a range, 1/2/5 × 10^k.
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

struct Frame {
  Axes axes;
  double x0, x1, y0, y1;
  double px(double x) const {
    return kLeft + (x - x0) / (x1 - x0) * (axes.width - kLeft - kRight);
  }
  double py(double y) const {
    return axes.height - kBottom - (y - y0) / (y1 - y0) * (axes.height - kTop - kBottom);
  }
};

std::string header(const Axes& a) {
  return fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
      "font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      "<text x=\"{2}\" y=\"24\" text-anchor=\"middle\" font-size=\"16\">{3}</text>\n",
      a.width, a.height, a.width / 2, escape(a.title));
}

std::string y_axis(const Frame& f) {
  std::string out;
  const double step = tick_step(f.y1 - f.y0, 6);
  for (double t = std::ceil(f.y0 / step) * step; t <= f.y1 + 1e-9 * step; t += step)
    out += fmt::format(
        "<line x1=\"{0}\" x2=\"{1}\" y1=\"{2:.1f}\" y2=\"{2:.1f}\" stroke=\"#ddd\"/>"
        "<text x=\"{3}\" y=\"{4:.1f}\" text-anchor=\"end\">{5}</text>\n",
        kLeft, f.axes.width - kRight, f.py(t), kLeft - 6, f.py(t) + 4, number(t));
  out += fmt::format(
      "<text transform=\"translate(18,{0}) rotate(-90)\" text-anchor=\"middle\">{1}</text>\n"
      "<line x1=\"{2}\" x2=\"{2}\" y1=\"{3}\" y2=\"{4}\" stroke=\"black\"/>\n"
      "<line x1=\"{2}\" x2=\"{5}\" y1=\"{4}\" y2=\"{4}\" stroke=\"black\"/>\n",
      f.axes.height / 2, escape(f.axes.y_label), kLeft, kTop, f.axes.height - kBottom,
      f.axes.width - kRight);
  return out;
}

std::string legend(const Axes& a, const std::vector<std::pair<std::string, std::string>>& items) {
  std::string out;
  std::size_t longest = 0;
  for (const auto& item : items) longest = std::max(longest, item.second.size());
  const int x = a.width - kRight - 24 - 7 * static_cast<int>(longest);  // ~7 px per character
  int y = kTop + 6;
  for (const auto& [color, label] : items) {
    out += fmt::format(
        "<rect x=\"{0}\" y=\"{1}\" width=\"12\" height=\"12\" fill=\"{2}\"/>"
        "<text x=\"{3}\" y=\"{4}\">{5}</text>\n",
        x, y, color, x + 18, y + 10, escape(label));
    y += 18;
  }
  return out;
}

}  // namespace

std::string line_chart(const Axes& axes, const std::vector<Series>& series) {
  Frame f{axes, 1e300, -1e300, axes.y_from_zero ? 0.0 : 1e300, -1e300};
  for (const Series& s : series)
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      f.x0 = std::min(f.x0, s.x[i]);
      f.x1 = std::max(f.x1, s.x[i]);
      f.y0 = std::min(f.y0, s.y[i]);
      f.y1 = std::max(f.y1, s.y[i]);
    }
  if (f.x1 <= f.x0) f.x1 = f.x0 + 1;
  f.y1 = f.y1 <= f.y0 ? f.y0 + 1 : f.y1 + 0.05 * (f.y1 - f.y0);
  std::string out = header(axes) + y_axis(f);
  const double xstep = tick_step(f.x1 - f.x0, 10);
  for (double t = std::ceil(f.x0 / xstep) * xstep; t <= f.x1 + 1e-9; t += xstep)
    out += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", f.px(t),
                       axes.height - kBottom + 18, number(t));
  out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", axes.width / 2,
                     axes.height - 16, escape(axes.x_label));
  std::vector<std::pair<std::string, std::string>> items;
  for (std::size_t k = 0; k < series.size(); ++k) {
    const Series& s = series[k];
    const std::string color = s.color.empty() ? kPalette[k % kPalette.size()] : s.color;
    std::string points;
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      if (s.step && i > 0) points += fmt::format("{:.1f},{:.1f} ", f.px(s.x[i]), f.py(s.y[i - 1]));
      points += fmt::format("{:.1f},{:.1f} ", f.px(s.x[i]), f.py(s.y[i]));
    }
    out += fmt::format("<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"2\" points=\"{}\"/>\n", color, points);
    if (s.x.size() <= 40)
      for (std::size_t i = 0; i < s.x.size(); ++i)
        out += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3\" fill=\"{}\"/>\n", f.px(s.x[i]),
                           f.py(s.y[i]), color);
    items.emplace_back(color, s.label);
  }
  return out + legend(axes, items) + "</svg>\n";
}

std::string bar_chart(const Axes& axes, const std::vector<Bar>& bars,
                      const std::vector<std::pair<std::string, std::string>>& legend_items) {
  Frame f{axes, 0, double(std::max<std::size_t>(1, bars.size())), 0, 0};
  for (const Bar& b : bars) f.y1 = std::max(f.y1, b.value);
  f.y1 = f.y1 <= 0 ? 1 : f.y1 * 1.05;
  std::string out = header(axes) + y_axis(f);
  const double w = (axes.width - kLeft - kRight) / f.x1;
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const Bar& b = bars[i];
    const double x = f.px(double(i));
    out += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\"><title>{}: {}</title></rect>\n",
                       x + 0.1 * w, f.py(b.value), 0.8 * w, f.py(0) - f.py(b.value),
                       b.color.empty() ? kPalette[0] : b.color, escape(b.label), number(b.value));
  }
  out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", axes.width / 2,
                     axes.height - 16, escape(axes.x_label));
  return out + legend(axes, legend_items) + "</svg>\n";
}

void write_svg(const std::string& path, const std::string& svg) {
  write_file_atomically(path, svg, "plot");
}

}  // namespace hwnas::report
