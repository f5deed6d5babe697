#include "hwnas/graph/zoo/zoo.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "hwnas/base/error.h"
#include "hwnas/graph/model_file.h"
#include "hwnas/graph/zoo/builders.h"

namespace hwnas::graph {
namespace {

constexpr ZooOptionInfo kWidth{"width", "1.0", "width multiplier of every layer's channels"};
constexpr ZooOptionInfo kInCh{"in_ch", "3", "input channels"};

std::vector<ZooModel> make_zoo() {
  using namespace zoo;
  return {
      {"mobilenet_v2", "MobileNetV2 (torchvision)", image_options("224", "1000"), mobilenet_v2},
      {"mobilenet_v3_large", "MobileNetV3-Large (torchvision)", image_options("224", "1000"),
       mobilenet_v3_large},
      {"mobilenet_v3_small", "MobileNetV3-Small (torchvision)", image_options("224", "1000"),
       mobilenet_v3_small},
      {"mnasnet1_0", "MNASNet 1.0 (torchvision)", image_options("224", "1000"), mnasnet1_0},
      {"efficientnet_b0", "EfficientNet-B0 (torchvision)", image_options("224", "1000"),
       efficientnet_b0},
      {"resnet18", "ResNet-18 (torchvision)", image_options("224", "1000"), resnet18},
      {"resnet50", "ResNet-50 (torchvision)", image_options("224", "1000"), resnet50},
      {"ssdlite_mobilenet_v2", "SSDLite detector on MobileNetV2, 6 feature maps",
       image_options("320", "91"), ssdlite_mobilenet_v2},
      {"lraspp_mobilenet_v3_large", "LR-ASPP segmentation on MobileNetV3-Large (torchvision)",
       image_options("520", "21"), lraspp_mobilenet_v3_large},
      {"lraspp_mobilenet_v2", "LR-ASPP segmentation on MobileNetV2", image_options("520", "21"),
       lraspp_mobilenet_v2},
  };
}

std::string allowed_keys(const ZooModel& model) {
  std::string keys;
  for (const ZooOptionInfo& o : model.options) keys += (keys.empty() ? "" : ", ") + std::string(o.key);
  return keys;
}

std::string model_names(const std::vector<ZooModel>& models) {
  std::string names;
  for (const ZooModel& m : models) names += (names.empty() ? "" : ", ") + std::string(m.name);
  return names;
}

// Limits keep every count of the analysis within 64 bits.
constexpr std::int32_t kMaxOption = 1 << 16;

std::int32_t parse_positive_int(std::string_view spec, std::string_view key,
                                std::string_view value) {
  if (value.size() > 1 && value[0] == '0' && value.find_first_not_of("0123456789") == std::string_view::npos)
    throw UserError(fmt::format("model '{}': {}={} has a leading zero; write {}={}", spec, key, value, key,
                                value.substr(std::min(value.find_first_not_of('0'), value.size() - 1))));
  std::int32_t out = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
  if (ec != std::errc() || end != value.data() + value.size() || out <= 0 || out > kMaxOption)
    throw UserError(fmt::format("model '{}': {} must be an integer in [1, {}], got '{}'", spec,
                                key, kMaxOption, value));
  return out;
}

double parse_width(std::string_view spec, std::string_view value) {
  double out = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
  if (ec != std::errc() || end != value.data() + value.size() || !std::isfinite(out) ||
      out <= 0 || out > 16)
    throw UserError(fmt::format("model '{}': width must be a number in (0, 16], got '{}'", spec,
                                value));
  return out;
}

void set_option(ZooOptions& options, std::string_view spec, std::string_view key,
                std::string_view value) {
  if (key == "width") options.width = parse_width(spec, value);
  else if (key == "res") options.resolution = parse_positive_int(spec, key, value);
  else if (key == "in_ch") options.in_channels = parse_positive_int(spec, key, value);
  else if (key == "classes") options.classes = parse_positive_int(spec, key, value);
  else options.text[std::string(key)] = value;
}

bool is_model_file(std::string_view spec) {
  for (std::string_view ext : {".yaml", ".yml", ".json"})
    if (spec.size() > ext.size() && spec.substr(spec.size() - ext.size()) == ext) return true;
  return false;
}

}  // namespace

std::vector<ZooOptionInfo> image_options(std::string_view res, std::string_view classes) {
  return {kWidth,
          {"res", res, "input height and width"},
          kInCh,
          {"classes", classes, "number of classes"}};
}

std::vector<ZooModel> zoo_models(const ModelExtensions& extensions) {
  std::vector<ZooModel> models = zoo_models();
  models.insert(models.end(), extensions.zoo.begin(), extensions.zoo.end());
  return models;
}

const std::vector<ZooModel>& zoo_models() {
  static const std::vector<ZooModel> models = make_zoo();
  return models;
}

Graph build_zoo_model(std::string_view spec, const ModelExtensions& extensions) {
  const std::size_t colon = spec.find(':');
  const std::string_view name = spec.substr(0, colon);
  const ZooModel* model = nullptr;
  for (const std::vector<ZooModel>* models : {&zoo_models(), &extensions.zoo})
    for (const ZooModel& m : *models)
      if (m.name == name) model = &m;
  if (model == nullptr)
    throw UserError(fmt::format("model '{}': unknown zoo model '{}'; use a model file "
                                "(.yaml/.json) or one of: {}",
                                spec, name, model_names(zoo_models(extensions))));
  ZooOptions options;
  for (const ZooOptionInfo& info : model->options)
    if (!info.default_value.empty()) set_option(options, spec, info.key, info.default_value);
  std::string_view rest = colon == std::string_view::npos ? "" : spec.substr(colon + 1);
  if (colon != std::string_view::npos && (rest.empty() || rest.back() == ',')) {
    // Name the text the comma follows: its option ('res=32'), else all before it ('res=32,').
    const std::string_view before = rest.empty() ? rest : rest.substr(0, rest.size() - 1);
    const std::size_t previous = before.rfind(',');
    std::string_view after = previous == std::string_view::npos ? before : before.substr(previous + 1);
    if (after.empty()) after = before.empty() ? ":" : before;
    throw UserError(fmt::format("model '{}': {} after '{}'; give key=value options separated by commas, "
                                "or the name alone", spec, rest.empty() ? "nothing" : "a trailing comma",
                                after));
  }
  std::vector<std::string_view> given;
  while (!rest.empty()) {
    const std::size_t comma = rest.find(',');
    const std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? "" : rest.substr(comma + 1);
    const std::size_t eq = item.find('=');
    const std::string_view key = item.substr(0, eq);
    bool known = false;
    for (const ZooOptionInfo& info : model->options) known |= info.key == key;
    if (eq == std::string_view::npos || !known)
      throw UserError(fmt::format("model '{}': bad option '{}'; {} takes key=value options "
                                  "from: {}",
                                  spec, item, model->name, allowed_keys(*model)));
    if (std::find(given.begin(), given.end(), key) != given.end())
      throw UserError(fmt::format("model '{}': option '{}' is given twice; give it once", spec,
                                  key));
    given.push_back(key);
    set_option(options, spec, key, item.substr(eq + 1));
  }
  try {
    return model->build(options);
  } catch (const UserError& e) {
    throw UserError(fmt::format("model '{}': {}", spec, e.what()));
  }
}

Graph load_model(std::string_view spec, const ModelExtensions& extensions) {
  if (is_model_file(spec)) return load_model_file(std::string(spec), extensions.layer_ops);
  return build_zoo_model(spec, extensions);
}

}  // namespace hwnas::graph
