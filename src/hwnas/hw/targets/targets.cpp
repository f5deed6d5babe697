#include "hwnas/hw/targets/targets.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>

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

std::filesystem::path target_description_path(const std::string& spec) {
  const bool is_path = spec.find('/') != std::string::npos || spec.ends_with(".yaml") ||
                       spec.ends_with(".yml");
  if (is_path) return spec;
  const std::filesystem::path preset = preset_dir() / (spec + ".yaml");
  if (!std::filesystem::exists(preset)) {
    std::string names;
    for (const std::string& n : preset_names()) names += (names.empty() ? "" : ", ") + n;
    throw UserError(fmt::format("target '{}': no such preset; use a description YAML path or "
                                "one of: {}",
                                spec, names));
  }
  return preset;
}

std::unique_ptr<Target> make_target(const std::string& spec) {
  const std::filesystem::path path = target_description_path(spec);
  const std::string source = path.string();
  YAML::Node node;
  try {
    node = YAML::LoadFile(source);
  } catch (const YAML::BadFile&) {
    throw UserError(fmt::format("{}: cannot read the target description; check the path", source));
  } catch (const YAML::Exception& e) {
    throw UserError(fmt::format("{}:{}: not valid YAML: {}", source, e.mark.line + 1, e.msg));
  }
  const std::string kind = node.IsMap() && node["kind"] && node["kind"].IsScalar()
                               ? node["kind"].Scalar()
                               : std::string("npu");
  if (kind == "npu") return make_npu_target(node, source);
  if (kind == "cpu") return make_cpu_target(node, source);
  if (kind == "external") return make_external_target(node, source);
  if (kind == "table") return make_table_target(node, source);
  throw UserError(fmt::format("{}: key 'kind': unknown target kind '{}'; use npu, cpu, external "
                              "or table",
                              source, kind));
}

}  // namespace hwnas::hw
