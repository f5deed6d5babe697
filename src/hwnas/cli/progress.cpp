#include "hwnas/cli/progress.h"

#include <algorithm>

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

#include "hwnas/base/printable.h"

namespace hwnas::cli {
std::string duration_text(double seconds) {
  const auto s = static_cast<std::int64_t>(seconds + 0.5);
  if (s >= 3600) return fmt::format("{}h{:02}m", s / 3600, s % 3600 / 60);
  if (s >= 60) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}s", s);
}

ProgressBar::ProgressBar(const std::string& label)
    : label_(printable(label)), tty_(::isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()), last_draw_(start_) {}

void ProgressBar::update(std::int64_t done, std::int64_t total, std::string_view detail) {
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  // Past the total (a search's last step may overrun budget.seconds): a full bar, ETA 0.
  const double fraction = total > 0 ? std::clamp(double(done) / double(total), 0.0, 1.0) : 1.0;
  const std::string eta = done > 0 ? duration_text(elapsed * (1 - fraction) / fraction) : "?";
  if (tty_) {
    if (done < total && now - last_draw_ < std::chrono::milliseconds(100)) return;
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(fraction * kWidth);
    fmt::print(stderr, "\r{} [{}{}] {}/{} {:.0f}% ETA {}{}{}  ", label_, std::string(filled, '='),
               std::string(kWidth - filled, ' '), done, total, fraction * 100, eta, detail.empty() ? "" : ", ",
               printable(detail));
    std::fflush(stderr);
    drawn_ = true;
  } else {
    const std::int64_t decile = static_cast<std::int64_t>(fraction * 10);
    if (decile == last_decile_) return;
    last_decile_ = decile;
    print_line(done, total, detail);
  }
  last_draw_ = now;
}

void ProgressBar::line(std::int64_t done, std::int64_t total, std::string_view detail) {
  if (tty_) update(done, total, detail);
  else print_line(done, total, detail);
}

void ProgressBar::print_line(std::int64_t done, std::int64_t total, std::string_view detail) {
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double fraction = total > 0 ? std::clamp(double(done) / double(total), 0.0, 1.0) : 1.0;
  const std::string eta = done > 0 ? duration_text(elapsed * (1 - fraction) / fraction) : "?";
  fmt::print(stderr, "{}: {}/{} ({:.0f}%), elapsed {}, ETA {}{}{}\n", label_, done, total, fraction * 100,
             duration_text(elapsed), eta, detail.empty() ? "" : ", ", printable(detail));
}

void ProgressBar::note(std::string_view text) {
  if (tty_ && drawn_) fmt::print(stderr, "\n");
  drawn_ = false;
  fmt::print(stderr, "{}: {}\n", label_, printable(text));
}

void ProgressBar::finish() {
  if (tty_ && drawn_) fmt::print(stderr, "\n");
  drawn_ = false;
}

}  // namespace hwnas::cli
