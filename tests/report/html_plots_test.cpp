// Escaping, the page frame and the SVG charts the report is drawn with.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <regex>
#include <sstream>
#include <string>

#include "hwnas/report/html.h"
#include "hwnas/report/svg_plot.h"
#include "support/text_count.h"

namespace hwnas::report {
namespace {

using testing::count_of;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

TEST(EscapeHtml, MarkupCharactersBecomeEntities) {
  EXPECT_EQ(escape_html("<script>alert(\"x\")</script> & 'q'"),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;");
  EXPECT_EQ(escape_html("plain µs text"), "plain µs text");
}

TEST(EscapeHtml, ControlsAndBytesThatAreNotUtf8AreShownAsEscapes) {
  EXPECT_EQ(escape_html("a\nb\tc\x01"), "a\\nb\\tc\\x01");
  EXPECT_EQ(escape_html(std::string("x\0y", 3)), "x\\0y");
  EXPECT_EQ(escape_html("\xff<"), "\\xff&lt;");
  EXPECT_EQ(escape_html("a\u202Eb"), "a\\u202eb");  // a bidirectional override cannot reorder the page
  EXPECT_EQ(escape_html("line 1\n  <b>\tx\r\n", /*multiline=*/true), "line 1\n  &lt;b&gt;\tx\r\n");
  EXPECT_EQ(escape_html("\x1b[31m", true), "\\x1b[31m");
}

TEST(HtmlDocument, HasCharsetPolicyAndEscapedTitle) {
  const std::string page = html_document("<i>t</i>", "<p>body</p>");
  EXPECT_EQ(page.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(page.find("<meta charset=\"utf-8\">"), std::string::npos);
  EXPECT_NE(page.find("Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\""),
            std::string::npos);
  EXPECT_NE(page.find("<title>&lt;i&gt;t&lt;/i&gt;</title>"), std::string::npos);
  EXPECT_NE(page.find("<body>\n<p>body</p></body>"), std::string::npos);
}

TEST(ScatterChart, DrawsEachPointWithItsGroupsMarker) {
  const std::vector<PointGroup> groups = {
      {"dots", {1, 2, 3}, {10, 20, 30}, {}, "", Marker::circle},
      {"crosses", {4, 5}, {kNaN, 15}, {}, "", Marker::cross},          // 4: on the n/a strip
      {"triangles", {kNaN, 6}, {10, 12}, {}, "", Marker::triangle}};  // x NaN: not drawn
  const std::string svg = scatter_chart({"t", "x", "y", 800, 400, false}, groups);
  EXPECT_EQ(count_of(svg, "<circle"), 3u + 1);    // + the legend's
  EXPECT_EQ(count_of(svg, "<path d=\"M"), 2u + 1);
  EXPECT_EQ(count_of(svg, "<polygon"), 1u + 1);
  EXPECT_NE(svg.find(">n/a</text>"), std::string::npos);
  EXPECT_EQ(svg.find("nan"), std::string::npos);
  EXPECT_EQ(svg.find("inf"), std::string::npos);
}

TEST(ScatterChart, WithoutPointsWithoutYThereIsNoStrip) {
  const std::string svg = scatter_chart({"t", "x", "y"}, {{"dots", {1, 2}, {3, 4}}});
  EXPECT_EQ(svg.find("n/a"), std::string::npos);
}

// A reference line outside the points' range widens the range, so it is drawn inside the plot.
TEST(ScatterChart, ReferenceLinesAreInsideThePlotArea) {
  const std::string svg = scatter_chart({"t", "x", "y", 800, 400, false}, {{"dots", {1, 2}, {3, 4}}},
                                        {{true, 10, "x <= 10"}, {false, -5, "y >= -5"}});
  const std::regex dashed("<line x1=\"([0-9.]+)\" x2=\"([0-9.]+)\" y1=\"([0-9.]+)\" y2=\"([0-9.]+)\" stroke=\"#555\" "
                          "stroke-width=\"2\" stroke-dasharray");
  int lines = 0;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), dashed); it != std::sregex_iterator(); ++it) {
    for (int k = 1; k <= 4; ++k) {
      const double v = std::stod((*it)[k]);
      EXPECT_GE(v, 0);
      EXPECT_LE(v, k <= 2 ? 800 : 400);
    }
    ++lines;
  }
  EXPECT_EQ(lines, 2 + 2);  // the lines and their legend swatches
  EXPECT_NE(svg.find(">x &lt;= 10</text>"), std::string::npos);
}

TEST(ScatterChart, LabelsAndHoverTextsAreEscaped) {
  const std::string svg =
      scatter_chart({"<title>", "<x>", "<y>"}, {{"<b>group</b>", {1}, {2}, {"<script>alert(1)</script>"}}});
  EXPECT_EQ(svg.find("<b>"), std::string::npos);
  EXPECT_EQ(svg.find("<script"), std::string::npos);
  EXPECT_NE(svg.find("<title>&lt;script&gt;alert(1)&lt;/script&gt;</title>"), std::string::npos);
  EXPECT_NE(svg.find("&lt;title&gt;"), std::string::npos);
}

TEST(ScatterChart, AConnectedGroupIsAStaircaseThroughItsPoints) {
  const std::string svg = scatter_chart({"t", "x", "y"}, {{"front", {1, 2, 4}, {10, 20, 30}, {}, "", Marker::ring, 5, true}});
  const std::smatch m = [&] {
    std::smatch found;
    std::regex_search(svg, found, std::regex("<polyline fill=\"none\" stroke=\"[^\"]+\" stroke-width=\"1.5\" points=\"([^\"]+)\""));
    return found;
  }();
  ASSERT_FALSE(m.empty());
  std::stringstream points(m[1].str());
  std::vector<std::pair<double, double>> xy;
  for (std::string p; points >> p;) xy.emplace_back(std::stod(p.substr(0, p.find(','))), std::stod(p.substr(p.find(',') + 1)));
  ASSERT_EQ(xy.size(), 5u);  // 3 points and 2 corners
  EXPECT_EQ(xy[1].first, xy[2].first);   // up at the second point's x
  EXPECT_EQ(xy[1].second, xy[0].second); // holding the first point's y
}

TEST(HbarChart, ChartsWithTheSameMaximumCompareByLength) {
  const auto widths = [](const std::string& svg) {
    std::vector<double> out;
    const std::regex bar("<rect x=\"[0-9]+\" y=\"[0-9]+\" width=\"([0-9.]+)\"");
    for (auto it = std::sregex_iterator(svg.begin(), svg.end(), bar); it != std::sregex_iterator(); ++it)
      out.push_back(std::stod((*it)[1]));
    return out;
  };
  const std::string a = hbar_chart({"a", "ms"}, {{"conv", 2}, {"<dw>", 4}}, 8);
  const std::string b = hbar_chart({"b", "ms"}, {{"a-much-longer-layer-name-than-the-other", 2}}, 8);
  const std::vector<double> wa = widths(a), wb = widths(b);
  ASSERT_EQ(wa.size(), 2u);
  ASSERT_EQ(wb.size(), 1u);
  EXPECT_NEAR(wa[1], 2 * wa[0], 0.11);
  EXPECT_NEAR(wa[0], wb[0], 0.11);
  EXPECT_NE(a.find("&lt;dw&gt;"), std::string::npos);
  // A long name keeps its end, cut between characters, and is whole in the hover text.
  std::string name = "x.conv.", micros;
  for (int i = 0; i < 20; ++i) name += "\u00b5";                   // 2 bytes each: 47 bytes in all
  for (int i = 0; i < 16; ++i) micros += "\u00b5";                 // what 33 bytes keep, whole
  const std::string c = hbar_chart({"c", "ms"}, {{name, 1}});
  EXPECT_NE(c.find(">\u2026" + micros + "</text>"), std::string::npos);
  EXPECT_NE(c.find("<title>" + name + ": 1</title>"), std::string::npos);
  EXPECT_EQ(c.find("\\x"), std::string::npos);
}

TEST(LineChart, EmptySeriesGiveAFiniteChart) {
  const std::string svg = line_chart({"t", "x", "y"}, {{"nothing"}});
  EXPECT_EQ(svg.find("nan"), std::string::npos);
  EXPECT_EQ(svg.find("inf"), std::string::npos);
  EXPECT_NE(svg.find(">nothing</text>"), std::string::npos);
}

// s30 fresh-user finding 14: a best that never changed over 2 evaluations was drawn on the
// unlabelled bottom edge under ticks 16.6 ... 17.4, against x ticks 1, 1.1, ..., 2.
TEST(LineChart, AFlatCurveIsLabelledAndACountHasWholeTicks) {
  Axes axes{"best so far", "accuracy evaluations", "accuracy"};
  axes.y_from_zero = false;
  axes.x_integer = true;
  const std::string svg = line_chart(axes, {{"run", {1, 2}, {16.5087890625, 16.5087890625}, "", true}});
  // One y tick, at the value, and the curve on it.
  const std::regex tick("<line x1=\"80\" x2=\"[0-9]+\" y1=\"([0-9.]+)\" y2=\"[0-9.]+\" stroke=\"#ddd\"/>"
                        "<text x=\"74\" y=\"[0-9.]+\" text-anchor=\"end\">([^<]*)</text>");
  std::vector<std::pair<std::string, std::string>> ticks;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), tick); it != std::sregex_iterator(); ++it)
    ticks.emplace_back((*it)[1], (*it)[2]);
  ASSERT_EQ(ticks.size(), 1u) << svg;
  EXPECT_EQ(ticks[0].second, "16.5088");
  EXPECT_NE(svg.find("<circle cx=\"80.0\" cy=\"" + ticks[0].first + "\""), std::string::npos) << svg;
  // Mid-height, not on the x axis.
  EXPECT_EQ(svg.find("cy=\"" + std::to_string(480 - 64) + ".0\""), std::string::npos);
  // x: 1 and 2, nothing between.
  const std::regex x_tick("<text x=\"[0-9.]+\" y=\"434\" text-anchor=\"middle\">([^<]*)</text>");
  std::vector<std::string> xs;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), x_tick); it != std::sregex_iterator(); ++it)
    xs.push_back((*it)[1]);
  EXPECT_EQ(xs, (std::vector<std::string>{"1", "2"}));

  // Without x_integer the same range gets tenths; a curve that moves keeps nice steps.
  axes.x_integer = false;
  EXPECT_NE(line_chart(axes, {{"run", {1, 2}, {5, 5}}}).find(">1.5</text>"), std::string::npos);
  const std::string moving = line_chart(axes, {{"run", {1, 2}, {16, 17}}});
  EXPECT_NE(moving.find(">16.2</text>"), std::string::npos);
  EXPECT_EQ(moving.find(">16.5088</text>"), std::string::npos);
}

}  // namespace
}  // namespace hwnas::report
