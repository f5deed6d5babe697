// A progress bar with ETA on stderr: redrawn in place on a terminal, a line every 10%
// otherwise (logs stay readable), or at the caller's milestones (a training's epochs).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace hwnas::cli {

/// "45s", "12m05s", "37h12m": a duration as the bar's ETA shows it.
std::string duration_text(double seconds);

class ProgressBar {
 public:
  /// `label` (e.g. "profile " + a target's name) is shown through printable().
  explicit ProgressBar(const std::string& label);
  /// `detail` (e.g. "40 trials, best 93.1") follows the counts.
  void update(std::int64_t done, std::int64_t total, std::string_view detail = {});
  /// Whether stderr is a terminal (the bar is redrawn in place).
  bool on_terminal() const { return tty_; }
  /// Off a terminal, one line now ("LABEL: DONE/TOTAL (P%), elapsed E, ETA T, DETAIL"),
  /// whatever the 10% steps; on a terminal, update().
  void line(std::int64_t done, std::int64_t total, std::string_view detail = {});
  /// A line of its own on stderr ("LABEL: TEXT"), ending the bar's line first on a
  /// terminal (the next update draws the bar again below it).
  void note(std::string_view text);
  /// Ends the bar's line.
  void finish();

 private:
  std::string label_;
  bool tty_;
  std::chrono::steady_clock::time_point start_, last_draw_;
  std::int64_t last_decile_ = -1;
  bool drawn_ = false;

  void print_line(std::int64_t done, std::int64_t total, std::string_view detail);
};

}  // namespace hwnas::cli
