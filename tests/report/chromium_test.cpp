// The report in a real browser: Debian's headless Chromium loads the page (no console
// message: no error, no script, no blocked resource), the plots are in its DOM, and a
// screenshot is not blank. A page whose names hold markup runs nothing.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "hwnas/report/search_report.h"
#include "report/chromium.h"
#include "report/png_image.h"
#include "report/synthetic_experiment.h"
#include "support/cli_runner.h"
#include "support/text_count.h"

namespace hwnas::report {
namespace {

using testing::count_of;

using testing::BrowserRun;

class ChromiumReport : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(testing::chromium_binary().empty())
        << "chromium is not installed; run scripts/setup.sh as root (it installs Debian's chromium)";
    dir_ = testing::scratch_dir() / ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::create_directories(dir_);
  }
  std::string write_page(const std::string& name, const std::string& html) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path) << html;
    return path;
  }
  BrowserRun dump_dom(const std::string& page) {
    BrowserRun run = testing::run_chromium(page, {"--dump-dom"}, dir_);
    EXPECT_FALSE(run.timed_out) << "chromium did not finish (a dialog open?)";
    EXPECT_EQ(run.status, 0) << run.err;
    return run;
  }
  std::filesystem::path dir_;
};

TEST_F(ChromiumReport, OpensWithoutConsoleMessagesWithThePlotsAndIsNotBlank) {
  ExperimentReport b = testing::synthetic_experiment("runs/random", 40);
  b.record.info.strategy = "random";
  const std::string page = write_page("report.html", render_report({testing::synthetic_experiment("runs/evo", 60), b}));

  const BrowserRun dom = dump_dom(page);
  EXPECT_EQ(testing::console_lines(dom.err), std::vector<std::string>{});
  // The comparison, and per experiment: all trials, best and baseline per-layer latency.
  EXPECT_EQ(count_of(dom.out, "<svg"), 1u + 2 * 3);
  EXPECT_GE(count_of(dom.out, "<circle"), 60u);
  EXPECT_NE(dom.out.find("<h2>Comparison</h2>"), std::string::npos);

  const std::string png = (dir_ / "report.png").string();
  const BrowserRun shot = testing::run_chromium(page, {"--screenshot=" + png, "--window-size=1200,2000"}, dir_);
  ASSERT_EQ(shot.status, 0) << shot.err;
  EXPECT_EQ(testing::console_lines(shot.err), std::vector<std::string>{});
  const testing::PngImage image = testing::decode_png(testing::read_file(png));
  ASSERT_EQ(image.width, 1200u);
  ASSERT_EQ(image.height, 2000u);
  std::size_t ink = 0;
  std::set<std::uint32_t> colours;
  for (std::size_t i = 0; i < image.rgb.size(); i += 3) {
    const std::uint8_t r = image.rgb[i], g = image.rgb[i + 1], b = image.rgb[i + 2];
    if (r < 200 || g < 200 || b < 200) ++ink;
    colours.insert(std::uint32_t(r) << 16 | std::uint32_t(g) << 8 | b);
  }
  // Text, axes, points and bars: a few percent of the page is dark, in many colours.
  EXPECT_GT(ink, image.rgb.size() / 3 / 50) << "screenshot " << png << " is nearly blank";
  EXPECT_GT(colours.size(), 50u);
}

TEST_F(ChromiumReport, MarkupInNamesAndConfigIsShownAndRunsNothing) {
  const std::string payload = "<script>alert(1)</script><img src=x onerror=alert(2)>";
  ExperimentReport e = testing::synthetic_experiment("runs/" + payload, 30, true, payload);
  e.record.info.config_yaml += "# " + payload + "\n";
  e.record.trials[2].arch = payload;
  e.best_layers_ms.front().first = payload;
  const BrowserRun dom = dump_dom(write_page("xss.html", render_report({e})));
  EXPECT_EQ(testing::console_lines(dom.err), std::vector<std::string>{});
  EXPECT_EQ(dom.out.find("<script"), std::string::npos);  // no element was made from the text
  EXPECT_EQ(dom.out.find("<img"), std::string::npos);
  EXPECT_GE(count_of(dom.out, "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;"), 4u);
}

// The checks above can fail: the same run sees a script that runs, and one the report's
// Content-Security-Policy blocks.
TEST_F(ChromiumReport, TheConsoleCheckSeesScripts) {
  const BrowserRun ran = dump_dom(write_page("script.html", "<!DOCTYPE html><p>x</p><script>console.error('ran')</script>"));
  ASSERT_EQ(testing::console_lines(ran.err).size(), 1u);
  EXPECT_NE(testing::console_lines(ran.err)[0].find("\"ran\""), std::string::npos);

  const std::string report = render_report({testing::synthetic_experiment("runs/evo", 10)});
  const std::string injected = report.substr(0, report.find("</body>")) + "<script>console.error('ran')</script></body></html>";
  const BrowserRun blocked = dump_dom(write_page("blocked.html", injected));
  ASSERT_EQ(testing::console_lines(blocked.err).size(), 1u);
  EXPECT_NE(testing::console_lines(blocked.err)[0].find("Content Security Policy"), std::string::npos);
}

}  // namespace
}  // namespace hwnas::report
