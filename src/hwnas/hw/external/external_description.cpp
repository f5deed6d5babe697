#include "hwnas/hw/external/external_description.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>

#include <nlohmann/json.hpp>

#include "hwnas/base/error.h"
#include "hwnas/base/hash.h"
#include "hwnas/hw/description_reader.h"
#include "hwnas/hw/external/subprocess.h"

namespace hwnas::hw {
namespace {

namespace fs = std::filesystem;

constexpr std::array<std::string_view, 8> kKeys = {"name",      "kind",     "command",         "protocol",
                                                   "timeout_s", "batch_timeout_s", "precision", "fusion"};
constexpr double kMaxTimeoutS = 86400;         // a day per kernel
constexpr double kMaxBatchTimeoutS = 2592000;  // 30 days for one process

std::vector<std::string> read_command(const DescriptionReader& r) {
  const std::string command_help = "a list of strings, the program and its arguments, e.g. "
                                   "[python3, fake_npu.py]; it runs without a shell";
  const YAML::Node command = r.required("command", "give " + command_help);
  if (!command.IsSequence())
    r.fail("command", "must be " + command_help + ", got " + DescriptionReader::value_text(command));
  if (command.size() == 0) r.fail("command", "is empty; give " + command_help);
  std::vector<std::string> argv;
  for (const YAML::Node& arg : command) {
    if (!arg.IsScalar()) r.fail("command", "every entry must be a string; " + command_help);
    argv.push_back(arg.Scalar());
    // execvp would cut an entry at a NUL; other control bytes are typing or paste slips.
    // Tab and newline stay allowed: they are meaningful in a `sh -c` script.
    for (char ch : argv.back())
      if ((static_cast<unsigned char>(ch) < 0x20 && ch != '\t' && ch != '\n') || ch == 0x7f)
        r.fail("command", fmt::format("entry {} holds the control byte 0x{:02x}; remove it", argv.size(),
                                      static_cast<unsigned char>(ch)));
  }
  if (argv.front().empty()) r.fail("command", "the program (first entry) is empty");
  return argv;
}

ExternalProtocol read_protocol(const DescriptionReader& r) {
  const YAML::Node v = r.get("protocol");
  if (!v) return ExternalProtocol::per_kernel;
  if (v.IsScalar() && v.Scalar() == "per_kernel") return ExternalProtocol::per_kernel;
  if (v.IsScalar() && v.Scalar() == "batch") return ExternalProtocol::batch;
  r.fail("protocol", "must be per_kernel (a process per kernel, the default) or batch (one process answers "
                     "kernels as JSON lines), got " + DescriptionReader::value_text(v));
}

/// `entry` as the program sees it: relative paths from the directory it runs in.
fs::path in_work_dir(const ExternalDescription& d, const std::string& entry) {
  const fs::path p(entry);
  return p.is_relative() && !d.work_dir.empty() ? fs::path(d.work_dir) / p : p;
}

bool is_file(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

}  // namespace

std::span<const std::string_view> external_keys() { return kKeys; }

ExternalDescription parse_external_description(const YAML::Node& node, const std::string& source) {
  using graph::Precision;
  const DescriptionReader r(node, source, "every target needs a name");
  r.check_mapping_and_keys(
      kKeys, "an external target description is a YAML mapping of keys (docs/hardware-external.md)",
      fmt::format("an external target has the keys {}", fmt::join(kKeys, ", ")));
  ExternalDescription d;
  d.name = r.text("name");
  r.kind("external", "for a program-measured target", /*quote_value=*/true);
  d.command = read_command(r);
  d.protocol = read_protocol(r);
  d.timeout_s =
      r.number("timeout_s", DescriptionReader::Sign::positive, 0, kMaxTimeoutS, d.timeout_s, "number of seconds");
  if (r.get("batch_timeout_s") && d.protocol != ExternalProtocol::batch)
    r.fail("batch_timeout_s", "applies only with 'protocol: batch'; add that or remove this key");
  d.batch_timeout_s = r.number("batch_timeout_s", DescriptionReader::Sign::positive, 0, kMaxBatchTimeoutS,
                               d.batch_timeout_s, "number of seconds");
  d.precision = r.precision("precision", {Precision::int8, Precision::fp16, Precision::fp32}, d.precision);
  if (r.get("fusion")) d.fusion = r.fusion_rules("fusion");

  std::error_code ec;
  if (fs::is_regular_file(source, ec)) d.work_dir = fs::absolute(fs::path(source), ec).parent_path().string();
  return d;
}

std::string canonical(const ExternalDescription& d) {
  nlohmann::json fusion = nullptr;
  if (d.fusion) {
    std::vector<std::string> names;
    for (FusionPattern p : d.fusion->patterns) names.emplace_back(fusion_name(p));
    std::sort(names.begin(), names.end());
    fusion = names;
  }
  nlohmann::json j{{"name", d.name},
                   {"kind", "external"},
                   {"command", d.command},
                   {"timeout_s", d.timeout_s},
                   {"precision", graph::precision_name(d.precision)},
                   {"fusion", fusion}};
  if (d.protocol == ExternalProtocol::batch) {
    j["protocol"] = "batch";
    j["batch_timeout_s"] = d.batch_timeout_s;
  }
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);  // U+FFFD for bytes not UTF-8
}

std::string external_identity(const ExternalDescription& d) {
  return fmt::format("{}#{:016x}", d.name, stable_hash(canonical(d)));
}

void throw_kernel_error(const ExternalDescription& d, const std::string& source, const Kernel& kernel,
                        const std::string& what) {
  throw UserError(fmt::format("external target '{}' ({}): kernel {}: {}", d.name, source, kernel_key(kernel), what));
}

std::vector<std::string> command_files(const ExternalDescription& d) {
  std::vector<std::string> files;
  if (const auto program = find_program(d.command.front(), d.work_dir); program && is_file(*program))
    files.push_back(program->string());
  for (std::size_t i = 1; i < d.command.size(); ++i)
    if (const fs::path p = in_work_dir(d, d.command[i]); !d.command[i].empty() && is_file(p))
      files.push_back(p.string());
  return files;
}

}  // namespace hwnas::hw
