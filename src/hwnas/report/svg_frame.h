// Internal to the report module: the frame, axes, ticks and legend that every SVG chart
// of svg_plot.h shares.
#pragma once

#include <string>
#include <vector>

#include "hwnas/report/svg_plot.h"

namespace hwnas::report::detail {

/// A CSS colour of the palette, cycling.
const char* palette(std::size_t index);

/// The plot area inside the SVG (margins in px) and the data range it shows.
struct Frame {
  Axes axes;
  double x0 = 0, x1 = 1, y0 = 0, y1 = 1;
  int left = 80, right = 24, top = 48, bottom = 64;
  int strip = 0;  // height of a band between the plot area and the x tick labels (scatter's n/a)
  std::vector<double> y_ticks;  // where y_axis labels y; empty: steps of tick_step
  double px(double x) const { return left + (x - x0) / (x1 - x0) * (axes.width - left - right); }
  double py(double y) const { return plot_bottom() - (y - y0) / (y1 - y0) * (plot_bottom() - top); }
  int plot_bottom() const { return axes.height - bottom - strip; }
};

/// "Nice" tick step for a range: 1, 2 or 5 × 10^k, about `target_ticks` ticks.
double tick_step(double range, int target_ticks);

/// A tick label: at most 4 decimals, %g beyond 1e6 or below 1e-3.
std::string number(double v);

/// The opening <svg> tag, a white background and the title.
std::string svg_header(const Axes& axes);

/// Horizontal grid lines with y tick labels (at frame.y_ticks when given), the y label and
/// both axis lines.
std::string y_axis(const Frame& frame);

/// x tick labels and the x label.
std::string x_axis(const Frame& frame);

struct LegendItem {
  std::string color, label;
  Marker marker = Marker::square;
  bool dashed = false;  // a dashed line instead of a marker
};

/// The legend's width in px (about 7 px per character of the longest label).
int legend_width(const std::vector<LegendItem>& items);

/// The legend at the top right of the plot area, inside it or (`outside`) in the right
/// margin, which must then be legend_width() wide.
std::string legend(const Frame& frame, const std::vector<LegendItem>& items, bool outside = false);

/// One marker centred at (x, y) px, with `tip` (escaped here) as its hover text when not
/// empty.
std::string marker(Marker shape, double x, double y, double radius, const std::string& color,
                   const std::string& tip = "");

}  // namespace hwnas::report::detail
