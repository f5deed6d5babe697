// Numeric command-line options: decimal only, range-checked before any work, one-line errors.
//
// CLI11 converts integers with strtoll base 0 (so "010" read as 8 and "0x10" as 16) and
// wraps "-1" into an unsigned seed; these options take the text and convert it here, with
// the same rule as integers in files: digits only, no sign, no leading zero, no hex.
// Every error is a UserError naming the option, e.g. "--budget 010 has a leading zero;
// write 10" or "--budget 99999999999 is too large (at most 1000000)". Taking text, they
// name their type in --help themselves (INT, FLOAT), or CLI11 would show TEXT.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hwnas::cli {

/// `text`, the value of option `name`, as a decimal integer in [lo, hi] (lo >= 0).
std::uint64_t parse_decimal(std::string_view name, std::string_view text, std::uint64_t lo, std::uint64_t hi);

/// `text` as a finite decimal number in (lo, hi] (`lo_open`) or [lo, hi]; no hex, inf or nan.
double parse_real(std::string_view name, std::string_view text, double lo, bool lo_open, double hi);

/// Registers an integer option in [lo, hi] stored into `dest` (any integer type that holds hi).
/// --help shows its type as INT, as CLI11 does for an integer option it converts itself.
template <class T>
CLI::Option* add_integer_option(CLI::App* cmd, const std::string& name, T& dest, std::uint64_t lo, std::uint64_t hi,
                                const std::string& help) {
  return cmd
      ->add_option_function<std::string>(
          name, [&dest, name, lo, hi](const std::string& s) { dest = static_cast<T>(parse_decimal(name, s, lo, hi)); },
          help + " (" + std::to_string(lo) + " to " + std::to_string(hi) + ")")
      ->type_name("INT")
      ->default_str(std::to_string(dest));
}

/// The --threads option of the torch verbs: an integer stored into `dest`, whose --help
/// states the limit train/train_options.h check_threads enforces, 1 to 4 × the cores (at
/// most 1024), with this machine's figure: "(1 to 4 × the cores, at most 1024: 1 to 8
/// here)" (s32 fresh-user finding 11: it said "(1 to 1024)"). Values above 1024 are
/// refused here; check_threads refuses those above 4 × the cores with its own message.
CLI::Option* add_threads_option(CLI::App* cmd, std::int32_t& dest, const std::string& help);

/// A comma-separated list of integers in [lo, hi]; a value given twice is an error. Its
/// type in --help: INT.
CLI::Option* add_integer_list_option(CLI::App* cmd, const std::string& name, std::vector<std::int32_t>& dest,
                                     std::int32_t lo, std::int32_t hi, const std::string& help);

/// A real option in (lo, hi] (`lo_open`) or [lo, hi], stored into `dest`, whose value is
/// the default --help shows. Its type in --help: FLOAT.
CLI::Option* add_real_option(CLI::App* cmd, const std::string& name, double& dest, double lo, bool lo_open, double hi,
                             const std::string& help);

/// The same for an option whose default depends on other options: `dest` stays unset
/// unless it is given, and --help shows no default (`help` says what it is).
CLI::Option* add_real_option(CLI::App* cmd, const std::string& name, std::optional<double>& dest, double lo,
                             bool lo_open, double hi, const std::string& help);

}  // namespace hwnas::cli
