// Self-contained SVG charts for reports and docs: lines (with markers, step or straight)
// and bars. No dependencies; output opens in any browser.
#pragma once

#include <string>
#include <vector>

namespace hwnas::report {

struct Series {
  std::string label;
  std::vector<double> x, y;
  std::string color;  // CSS colour; empty: from the palette
  bool step = false;  // draw as a staircase (y holds until the next x)
};

struct Bar {
  std::string label;  // x-axis label (drawn rotated)
  double value = 0;
  std::string color;
};

struct Axes {
  std::string title, x_label, y_label;
  int width = 900, height = 480;
  bool y_from_zero = true;
};

/// A line chart of `series` with a legend.
std::string line_chart(const Axes& axes, const std::vector<Series>& series);

/// A bar chart; `legend` pairs a colour with its meaning.
std::string bar_chart(const Axes& axes, const std::vector<Bar>& bars,
                      const std::vector<std::pair<std::string, std::string>>& legend = {});

/// Writes `svg` to `path` atomically; throws UserError naming the path on failure.
void write_svg(const std::string& path, const std::string& svg);

}  // namespace hwnas::report
