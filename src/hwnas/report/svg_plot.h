// Self-contained SVG charts for reports and docs: lines (with markers, step or straight),
// vertical and horizontal bars, and scatter plots with reference lines. No dependencies;
// output opens in any browser, alone or inline in HTML. Every label and hover text is
// escaped (report/html.h).
#pragma once

#include <optional>
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
  std::string label;  // the bar's name (hover text; hbar_chart writes it beside the bar)
  double value = 0;
  std::string color;
};

struct Axes {
  std::string title, x_label, y_label;
  int width = 900, height = 480;
  bool y_from_zero = true;
  bool legend_outside = false;  // line_chart: the legend right of the plot area, not over it
  /// line_chart: the y range shown, when set; a point beyond it is drawn on its edge (the
  /// caller says so), e.g. to keep a best-so-far curve's first poor values from flattening it.
  std::optional<double> y_min, y_max;
  /// x counts something (evaluations, trials): ticks at whole numbers only, never 1.1.
  bool x_integer = false;
};

enum class Marker { square, circle, cross, triangle, diamond, ring };

/// Points of one kind in a scatter plot.
struct PointGroup {
  std::string label;  // legend text; a group with an empty label has no legend entry
  std::vector<double> x, y;
  /// A point whose y is NaN has only an x value: it is drawn on a strip labelled "n/a"
  /// under the plot area, e.g. a trial whose accuracy was never evaluated. Points whose x
  /// is NaN are not drawn.
  std::vector<std::string> tips;  // hover text per point (empty, or one per point)
  std::string color;              // CSS colour; empty: from the palette
  Marker marker = Marker::circle;
  double radius = 3.5;
  bool connect = false;  // also join the points, in the given order, with a staircase
                         // (a Pareto front: x ascending, y holds until the next point)
};

/// A dashed line across the plot: x = at (vertical) or y = at, e.g. a constraint.
struct ReferenceLine {
  bool vertical = true;
  double at = 0;
  std::string label;  // legend text; empty: no legend entry (a second line of one meaning)
  std::string color = "#555";
};

/// A line chart of `series` with a legend. When every point has one y value (a flat curve;
/// y_from_zero off, no y_min or y_max), the y axis is centred on it and labels only it.
std::string line_chart(const Axes& axes, const std::vector<Series>& series);

/// A bar chart; `legend` pairs a colour with its meaning.
std::string bar_chart(const Axes& axes, const std::vector<Bar>& bars,
                      const std::vector<std::pair<std::string, std::string>>& legend = {});

/// Horizontal bars, one row per bar with its label on the left, the value axis along the
/// top from 0 to `x_max` (0: the largest value), so that two charts drawn with the same
/// x_max compare by length. `axes.height` is ignored: it grows with the number of bars.
std::string hbar_chart(const Axes& axes, const std::vector<Bar>& bars, double x_max = 0);

/// A scatter plot of `groups` (drawn in order, so later groups are on top) and `lines`,
/// with a legend. The ranges cover every finite point and line, with a margin.
std::string scatter_chart(const Axes& axes, const std::vector<PointGroup>& groups,
                          const std::vector<ReferenceLine>& lines = {});

/// Writes `svg` to `path` atomically; throws UserError naming the path on failure.
void write_svg(const std::string& path, const std::string& svg);

}  // namespace hwnas::report
