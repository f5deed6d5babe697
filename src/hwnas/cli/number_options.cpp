#include "hwnas/cli/number_options.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <thread>

#include "hwnas/base/error.h"
#include "hwnas/base/printable.h"

namespace hwnas::cli {

std::uint64_t parse_decimal(std::string_view name, std::string_view text, std::uint64_t lo, std::uint64_t hi) {
  const std::string shown = printable(text);
  if (text.empty() || !std::ranges::all_of(text, [](char c) { return c >= '0' && c <= '9'; }))
    throw UserError(fmt::format("{} {}: must be a whole number from {} to {} (decimal digits only: no sign, "
                                "hex, point or spaces)",
                                name, shown.empty() ? "''" : shown, lo, hi));
  if (text.size() > 1 && text[0] == '0')
    throw UserError(fmt::format("{} {} has a leading zero; write {}", name, shown,
                                text.substr(std::min(text.find_first_not_of('0'), text.size() - 1))));
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec == std::errc::result_out_of_range || (ec == std::errc() && value > hi))
    throw UserError(fmt::format("{} {} is too large (at most {})", name, shown, hi));
  if (ec != std::errc() || end != text.data() + text.size())
    throw UserError(fmt::format("{} {}: must be a whole number from {} to {}", name, shown, lo, hi));
  if (value < lo) throw UserError(fmt::format("{} {} is too small (at least {})", name, shown, lo));
  return value;
}

double parse_real(std::string_view name, std::string_view text, double lo, bool lo_open, double hi) {
  const std::string range = fmt::format("{}{}, {}]", lo_open ? "(" : "[", lo, hi);
  double value = 0;
  const bool plain = !text.empty() && std::ranges::all_of(text, [](char c) {
    return (c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '-' || c == '+';
  });
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (!plain || ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value))
    throw UserError(fmt::format("{} '{}': give a decimal number in {}", name, printable(text), range));
  if ((lo_open ? value <= lo : value < lo) || value > hi)
    throw UserError(fmt::format("{} {} is outside {}", name, printable(text), range));
  return value;
}

CLI::Option* add_integer_list_option(CLI::App* cmd, const std::string& name, std::vector<std::int32_t>& dest,
                                     std::int32_t lo, std::int32_t hi, const std::string& help) {
  std::string shown;
  for (std::int32_t v : dest) shown += (shown.empty() ? "" : ",") + std::to_string(v);
  return cmd
      ->add_option_function<std::vector<std::string>>(
          name,
          [&dest, name, lo, hi](const std::vector<std::string>& items) {
            dest.clear();
            for (const std::string& s : items) {
              const auto v = static_cast<std::int32_t>(parse_decimal(name, s, static_cast<std::uint64_t>(lo),
                                                                     static_cast<std::uint64_t>(hi)));
              if (std::ranges::find(dest, v) != dest.end())
                throw UserError(fmt::format("{}: {} is given twice; give each value once", name, v));
              dest.push_back(v);
            }
          },
          help + " (each " + std::to_string(lo) + " to " + std::to_string(hi) + ")")
      ->delimiter(',')
      ->type_name("INT")
      ->default_str(shown);
}

CLI::Option* add_threads_option(CLI::App* cmd, std::int32_t& dest, const std::string& help) {
  constexpr std::uint64_t kMost = 1024;
  const std::uint64_t cores = std::max(1u, std::thread::hardware_concurrency());
  return cmd
      ->add_option_function<std::string>(
          "--threads",
          [&dest](const std::string& s) { dest = static_cast<std::int32_t>(parse_decimal("--threads", s, 1, kMost)); },
          fmt::format("{} (1 to 4 × the cores, at most {}: 1 to {} here)", help, kMost, std::min(kMost, 4 * cores)))
      ->type_name("INT")
      ->default_str(std::to_string(dest));
}

namespace {

template <class Real>
CLI::Option* add_real(CLI::App* cmd, const std::string& name, Real& dest, double lo, bool lo_open, double hi,
                      const std::string& help) {
  return cmd
      ->add_option_function<std::string>(
          name, [&dest, name, lo, lo_open, hi](const std::string& s) { dest = parse_real(name, s, lo, lo_open, hi); },
          fmt::format("{} (in {}{}, {}])", help, lo_open ? "(" : "[", lo, hi))
      ->type_name("FLOAT");
}

}  // namespace

CLI::Option* add_real_option(CLI::App* cmd, const std::string& name, double& dest, double lo, bool lo_open, double hi,
                             const std::string& help) {
  return add_real(cmd, name, dest, lo, lo_open, hi, help)->default_str(fmt::format("{}", dest));
}

CLI::Option* add_real_option(CLI::App* cmd, const std::string& name, std::optional<double>& dest, double lo,
                             bool lo_open, double hi, const std::string& help) {
  return add_real(cmd, name, dest, lo, lo_open, hi, help);
}

}  // namespace hwnas::cli
