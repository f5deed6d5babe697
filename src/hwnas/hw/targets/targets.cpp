#include "hwnas/hw/targets/targets.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <span>
#include <string_view>
#include <utility>

#include "hwnas/base/error.h"
#include "hwnas/base/suggest.h"
#include "hwnas/base/yaml_input.h"
#include "hwnas/hw/cpu/cpu_target.h"
#include "hwnas/hw/external/external_target.h"
#include "hwnas/hw/npu/npu_target.h"
#include "hwnas/hw/table/table_target.h"

namespace hwnas::hw {

std::filesystem::path preset_dir() {
  if (const char* dir = std::getenv("HWNAS_CONFIG_DIR"); dir != nullptr && *dir != '\0')
    return std::filesystem::path(dir) / "hardware";
  return std::filesystem::path(HWNAS_SOURCE_CONFIG_DIR) / "hardware";
}

std::vector<std::string> preset_names() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(preset_dir(), ec))
    if (entry.path().extension() == ".yaml") names.push_back(entry.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

bool names_a_description_file(std::string_view spec) {
  return spec.find('/') != std::string_view::npos || spec.ends_with(".yaml") || spec.ends_with(".yml") ||
         spec.ends_with(".json");
}

std::filesystem::path target_description_path(const std::string& spec) {
  if (names_a_description_file(spec)) return spec;
  const std::filesystem::path preset = preset_dir() / (spec + ".yaml");
  if (!std::filesystem::exists(preset)) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(spec, ec))
      throw UserError(fmt::format("target '{}': no such preset, but a file of that name is here; did you mean ./{}? "
                                  "(a target without '/' or a .yaml, .yml or .json ending names a preset)",
                                  spec, spec));
    std::string names;
    for (const std::string& n : preset_names()) names += (names.empty() ? "" : ", ") + n;
    throw UserError(fmt::format("target '{}': no such preset; use a description YAML path or "
                                "one of: {}",
                                spec, names));
  }
  return preset;
}

std::string description_kind(const YAML::Node& node, const std::string& source) {
  if (!node.IsMap())
    throw UserError(fmt::format("{}: a target description is a YAML mapping of keys (docs/hardware.md), got {}",
                                source, value_words(node)));
  if (const YAML::Node kind = node["kind"]) {
    static constexpr std::string_view kKinds[] = {"npu", "cpu", "external", "table"};
    if (kind.IsScalar() && std::find(std::begin(kKinds), std::end(kKinds), kind.Scalar()) != std::end(kKinds))
      return kind.Scalar();
    throw UserError(fmt::format("{}:{}: key 'kind': must be npu, cpu, external or table, got {}{} (a device "
                                "hwnas does not simulate is measured by a program of yours: kind: external, "
                                "docs/hardware-external.md)",
                                source, kind.Mark().line + 1, value_words(kind),
                                kind.IsScalar() ? did_you_mean(kind.Scalar(), kKinds) : ""));
  }
  const std::pair<const char*, std::span<const std::string_view>> kinds[] = {
      {"npu", npu_description_keys()},
      {"cpu", cpu_description_keys()},
      {"external", external_description_keys()},
      {"table", table_description_keys()}};
  // A key that only one kind has names that kind; the first such key of each kind is kept.
  std::vector<std::pair<std::string, std::string>> found;  // (kind, key)
  for (const auto& entry : node) {
    const std::string key = entry.first.Scalar();
    const char* owner = nullptr;
    int owners = 0;
    for (const auto& [kind, keys] : kinds)
      if (std::find(keys.begin(), keys.end(), key) != keys.end()) {
        owner = kind;
        ++owners;
      }
    if (owners == 1 && std::none_of(found.begin(), found.end(), [&](const auto& f) { return f.first == owner; }))
      found.emplace_back(owner, key);
  }
  if (found.size() == 1) return found.front().first;
  if (found.empty())
    throw UserError(fmt::format("{}: no key 'kind', and no key that tells the kind; add 'kind: npu', "
                                "'kind: cpu', 'kind: external' or 'kind: table' (docs/hardware.md)",
                                source));
  std::string which;
  for (const auto& [kind, key] : found) which += fmt::format("{}'{}' ({})", which.empty() ? "" : ", ", key, kind);
  throw UserError(fmt::format("{}: no key 'kind', and its keys belong to different kinds: {}; add 'kind:' and "
                              "remove the other kind's keys (docs/hardware.md)",
                              source, which));
}

std::unique_ptr<Target> make_target(const std::string& spec) {
  const std::string source = target_description_path(spec).string();
  const YAML::Node node = load_yaml_file(source, "target description");
  const std::string kind = description_kind(node, source);
  if (kind == "npu") return make_npu_target(node, source);
  if (kind == "cpu") return make_cpu_target(node, source);
  if (kind == "external") return make_external_target(node, source);
  HWNAS_CHECK(kind == "table");
  return make_table_target(node, source);
}

}  // namespace hwnas::hw
