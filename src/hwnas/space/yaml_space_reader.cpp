// read_space_definition: the space file format of docs/spaces.md.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "hwnas/base/error.h"
#include "hwnas/base/yaml_input.h"
#include "hwnas/space/yaml_space.h"
#include "hwnas/space/yaml_space_fields.h"

namespace hwnas::space {
namespace {

constexpr std::int32_t kMaxChannels = 65536;

/// The uncurated twin's multiplier choices: every multiple of 0.05 from the smallest
/// choice to the largest, and the choices themselves.
std::vector<double> fine_multiplier_grid(const std::vector<double>& choices) {
  const auto [lo, hi] = std::minmax_element(choices.begin(), choices.end());
  std::vector<double> grid = choices;
  for (auto step = static_cast<std::int64_t>(std::ceil(*lo * 20 - 1e-9)); step <= *hi * 20 + 1e-9; ++step)
    grid.push_back(static_cast<double>(step * 5) / 100);  // 75 / 100.0 is the double 0.75 reads as
  std::sort(grid.begin(), grid.end());
  grid.erase(std::unique(grid.begin(), grid.end()), grid.end());
  return grid;
}

StageDefinition read_stage(const SpaceFields& f, const YAML::Node& node, const std::string& path, std::size_t index,
                           bool uncurated) {
  f.check_mapping(node, path, {"name", "stride", "depth", "channels", "block", "kernel", "expansion", "se"},
                  {"stride", "depth", "channels"});
  StageDefinition s;
  s.name = node["name"] ? f.text(node["name"], path + ".name") : fmt::format("stage{}", index + 1);
  if (s.name.empty() || s.name.find_first_of(". ") != std::string::npos)
    f.fail(node["name"], path + ".name", "must be a non-empty name without '.' or spaces (gene names use it)");
  s.stride = static_cast<std::int32_t>(f.integer(node["stride"], path + ".stride", 1, 2));
  s.depth = f.integer_choices(node["depth"], path + ".depth", 1, 64);
  s.channels = f.channel_choices(node["channels"], path + ".channels", uncurated);
  for (const std::size_t b : node["block"]
                                 ? f.word_choices(node["block"], path + ".block", {"ibn", "fused_ibn", "conv", "skip"})
                                 : std::vector<std::size_t>{0}) {
    s.block.push_back(static_cast<LayerBlock>(b));
    if (s.block.back() != LayerBlock::skip) s.first_block.push_back(s.block.back());
  }
  if (s.first_block.empty())
    f.fail(node["block"], path + ".block",
           "skip alone leaves the stage's first layer nothing to be (it changes stride or channels, so it "
           "cannot be skip); add ibn, fused_ibn or conv");
  s.kernel = node["kernel"] ? f.integer_choices(node["kernel"], path + ".kernel", 1, 15) : std::vector<std::int32_t>{3};
  for (std::size_t i = 0; i < s.kernel.size(); ++i)
    if (s.kernel[i] % 2 == 0)
      f.fail(node["kernel"], path + ".kernel",
             fmt::format("{} is even; kernels are odd (1, 3, 5, ...) so that "
                         "'same' padding keeps the size",
                         s.kernel[i]));
  s.expansion =
      node["expansion"] ? f.real_choices(node["expansion"], path + ".expansion", 1, 64) : std::vector<double>{6};
  s.se = node["se"] ? f.boolean_choices(node["se"], path + ".se") : std::vector<bool>{false};
  return s;
}

/// Output strides in decoding order: the stem's, then each stage's.
void check_head_taps(const SpaceFields& f, const YAML::Node& head, const SpaceDefinition& d) {
  std::int32_t stride = d.stem_stride;
  bool reaches8 = stride == 8, to32 = false;
  for (const StageDefinition& s : d.stages) {
    to32 = to32 || (s.stride == 2 && stride == 16);
    stride *= s.stride;
    reaches8 = reaches8 || stride == 8;
  }
  if (d.head.task == Task::detection && !to32)
    f.fail(head["task"], "head.task",
           "detection taps the layer that takes output stride 16 to 32 (as SSDLite), but the stem's and stages' "
           "strides never do; give a stage of stride 2 at output stride 16");
  if (d.head.task == Task::segmentation && !reaches8)
    f.fail(head["task"], "head.task",
           "segmentation taps the last layer at output stride 8 (as LR-ASPP), but the stem's and stages' strides "
           "never reach 8");
  if (d.head.task == Task::segmentation)
    for (const std::int32_t os : d.head.output_stride)
      for (const std::int32_t r : d.resolution)
        if (r % os != 0)
          f.fail(head["output_stride"], "head.output_stride",
                 fmt::format("{} does not divide the input resolution {}; the output is resolution / output_stride", os,
                             r));
}

HeadDefinition read_head(const SpaceFields& f, const YAML::Node& node, bool uncurated) {
  HeadDefinition h;
  if (!node.IsMap()) f.check_mapping(node, "head", {"task"});
  if (!node["task"]) f.fail(node, "head.task", "is missing; give classification, detection or segmentation");
  h.task = static_cast<Task>(f.word(node["task"], "head.task", {"classification", "detection", "segmentation"}));
  if (h.task == Task::classification)
    f.check_mapping(node, "head", {"task", "classes", "features", "dropout_percent"}, {"task", "classes", "features"});
  if (h.task == Task::detection)
    f.check_mapping(node, "head", {"task", "classes", "features", "anchors", "extra_channels"},
                    {"task", "classes", "features", "extra_channels"});
  if (h.task == Task::segmentation)
    f.check_mapping(node, "head", {"task", "classes", "features", "inter_channels", "output_stride"},
                    {"task", "classes", "features"});
  h.classes = static_cast<std::int32_t>(f.integer(node["classes"], "head.classes", 1, 1'000'000));
  h.features = f.channel_choices(node["features"], "head.features", uncurated);
  if (node["dropout_percent"])
    h.dropout_percent = static_cast<std::int32_t>(f.integer(node["dropout_percent"], "head.dropout_percent", 0, 99));
  if (node["anchors"]) h.anchors = static_cast<std::int32_t>(f.integer(node["anchors"], "head.anchors", 1, 64));
  if (node["extra_channels"]) {
    const YAML::Node& extra = node["extra_channels"];
    if (!extra.IsSequence())
      f.fail(extra, "head.extra_channels", "must be a list of channel counts, got " + value_words(extra));
    for (std::size_t i = 0; i < extra.size(); ++i)
      h.extra_channels.push_back(
          static_cast<std::int32_t>(f.integer(extra[i], fmt::format("head.extra_channels[{}]", i), 2, kMaxChannels)));
  }
  if (node["inter_channels"])
    h.inter_channels =
        static_cast<std::int32_t>(f.integer(node["inter_channels"], "head.inter_channels", 1, kMaxChannels));
  h.output_stride = node["output_stride"] ? f.integer_choices(node["output_stride"], "head.output_stride", 1, 64)
                                          : std::vector<std::int32_t>{1};
  for (const std::int32_t os : h.output_stride)
    if (os != 1 && os != 2 && os != 4 && os != 8)
      f.fail(node["output_stride"], "head.output_stride", fmt::format("{} is not 1, 2, 4 or 8", os));
  return h;
}

/// The baseline's index in `choices`; a key may be left out where there is one choice.
template <class T>
std::size_t baseline_index(const SpaceFields& f, const YAML::Node& node, const std::string& key,
                           const std::string& path, const std::vector<T>& choices) {
  if (node[key]) return f.index_of(choices, node[key], path + "." + key);
  if (choices.size() == 1) return 0;
  f.fail(node, path + "." + key, "is missing; the baseline picks every decision that has several choices");
}

std::size_t baseline_block(const SpaceFields& f, const YAML::Node& node, const std::string& path,
                           const std::vector<LayerBlock>& choices) {
  if (!node["block"] && choices.size() == 1) return 0;
  if (!node["block"])
    f.fail(node, path + ".block", "is missing; the baseline picks every decision that has several choices");
  const auto block =
      static_cast<LayerBlock>(f.word(node["block"], path + ".block", {"ibn", "fused_ibn", "conv", "skip"}));
  const auto at = std::find(choices.begin(), choices.end(), block);
  if (at == choices.end())
    f.fail(node["block"], path + ".block",
           std::string(layer_block_name(block)) + " is not among the choices of this stage" +
               (block == LayerBlock::skip ? " for its first layer" : "") + "; pick one of them");
  return static_cast<std::size_t>(at - choices.begin());
}

ArchitectureChoice read_baseline(const SpaceFields& f, const YAML::Node& node, const SpaceDefinition& d) {
  f.check_mapping(node, "baseline", {"resolution", "channel_multiplier", "stem", "features", "output_stride", "stages"},
                  {"stages"});
  ArchitectureChoice a;
  a.resolution = baseline_index(f, node, "resolution", "baseline", d.resolution);
  a.channel_multiplier = baseline_index(f, node, "channel_multiplier", "baseline", d.channel_multiplier);
  a.stem = baseline_index(f, node, "stem", "baseline", d.stem_channels);
  a.features = baseline_index(f, node, "features", "baseline", d.head.features);
  a.output_stride = baseline_index(f, node, "output_stride", "baseline", d.head.output_stride);
  const YAML::Node& stages = node["stages"];
  if (!stages.IsSequence() || stages.size() != d.stages.size())
    f.fail(stages, "baseline.stages",
           fmt::format("must be a list of {} stages, one per entry of 'stages'", d.stages.size()));
  for (std::size_t i = 0; i < d.stages.size(); ++i) {
    const std::string path = fmt::format("baseline.stages[{}]", i);
    const StageDefinition& s = d.stages[i];
    f.check_mapping(stages[i], path, {"depth", "channels", "block", "kernel", "expansion", "se"});
    StageChoice c;
    c.depth = baseline_index(f, stages[i], "depth", path, s.depth);
    c.channels = baseline_index(f, stages[i], "channels", path, s.channels);
    c.first_block = baseline_block(f, stages[i], path, s.first_block);
    c.block = baseline_block(f, stages[i], path, s.block);
    c.kernel = baseline_index(f, stages[i], "kernel", path, s.kernel);
    c.expansion = baseline_index(f, stages[i], "expansion", path, s.expansion);
    c.se = baseline_index(f, stages[i], "se", path, s.se);
    a.stages.push_back(c);
  }
  return a;
}

}  // namespace

SpaceDefinition read_space_definition(std::string_view text, const std::string& source, const SpaceOptions& options) {
  const YAML::Node root = parse_yaml_document(text, source, "space file");
  const SpaceFields f(source, options);
  if (!root.IsMap())
    throw UserError(source + ": a space file is a mapping (name, input, stem, stages, head, ...); see docs/spaces.md");
  f.check_mapping(root, "",
                  {"name", "description", "curated", "input", "channel_multiplier", "round_channels_to", "activation",
                   "stem", "stages", "head", "filters", "baseline"},
                  {"name", "input", "stem", "stages", "head"});
  SpaceDefinition d;
  d.source = source;
  d.parallelism_option = options.parallelism_option;
  d.name = f.text(root["name"], "name");
  if (d.name.empty()) f.fail(root["name"], "name", "is empty; name the space");
  if (root["description"]) d.description = f.text(root["description"], "description");
  d.curated = !options.uncurated && (!root["curated"] || f.boolean(root["curated"], "curated"));
  const bool uncurated = !d.curated;

  f.check_mapping(root["input"], "input", {"channels", "resolution"}, {"resolution"});
  if (root["input"]["channels"])
    d.in_channels = static_cast<std::int32_t>(f.integer(root["input"]["channels"], "input.channels", 1, kMaxChannels));
  d.resolution = f.integer_choices(root["input"]["resolution"], "input.resolution", 1, 16384);
  d.channel_multiplier = root["channel_multiplier"]
                             ? f.real_choices(root["channel_multiplier"], "channel_multiplier", 0.05, 16)
                             : std::vector<double>{1.0};
  if (uncurated) d.channel_multiplier = fine_multiplier_grid(d.channel_multiplier);
  if (root["round_channels_to"])
    d.round_channels_to = f.integer_or_p(root["round_channels_to"], "round_channels_to", 1, 4096);
  if (uncurated) d.round_channels_to = 1;
  if (root["activation"])
    d.activation =
        std::array{graph::ActKind::relu, graph::ActKind::relu6,
                   graph::ActKind::hardswish}[f.word(root["activation"], "activation", {"relu", "relu6", "hardswish"})];

  const YAML::Node& stem = root["stem"];
  f.check_mapping(stem, "stem", {"channels", "kernel", "stride"}, {"channels"});
  d.stem_channels = f.channel_choices(stem["channels"], "stem.channels", uncurated);
  if (stem["kernel"]) d.stem_kernel = static_cast<std::int32_t>(f.integer(stem["kernel"], "stem.kernel", 1, 15));
  if (d.stem_kernel % 2 == 0) f.fail(stem["kernel"], "stem.kernel", "is even; kernels are odd (1, 3, 5, ...)");
  if (stem["stride"]) d.stem_stride = static_cast<std::int32_t>(f.integer(stem["stride"], "stem.stride", 1, 2));

  const YAML::Node& stages = root["stages"];
  if (!stages.IsSequence() || stages.size() == 0)
    f.fail(stages, "stages", "must be a non-empty list of stages, got " + value_words(stages));
  std::set<std::string> names;
  for (std::size_t i = 0; i < stages.size(); ++i) {
    const std::string path = fmt::format("stages[{}]", i);
    d.stages.push_back(read_stage(f, stages[i], path, i, uncurated));
    if (!names.insert(d.stages.back().name).second)
      f.fail(stages[i], path + ".name", "'" + d.stages.back().name + "' names two stages; name each once");
  }
  d.head = read_head(f, root["head"], uncurated);
  check_head_taps(f, root["head"], d);
  if (root["filters"]) d.filters = read_filters(root["filters"], source, "filters");
  if (root["baseline"]) d.baseline = read_baseline(f, root["baseline"], d);
  return d;
}

}  // namespace hwnas::space
