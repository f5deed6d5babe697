#include "hwnas/train/tasks/task_heads.h"

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <string_view>

#include "hwnas/base/error.h"
#include "hwnas/base/printable.h"
#include "hwnas/train/model_input.h"

namespace hwnas::train {
namespace {

enum class Role : std::uint8_t { boxes, classes };

// Whether `part` is one of the dot-separated parts of `name`.
bool has_part(std::string_view name, std::string_view part) {
  std::size_t start = 0;
  while (start <= name.size()) {
    const std::size_t end = std::min(name.find('.', start), name.size());
    if (name.substr(start, end - start) == part) return true;
    start = end + 1;
  }
  return false;
}

Role role_of(const graph::Graph& g, graph::NodeId id, std::int32_t anchors, std::int32_t classes) {
  const std::string_view name = g.node_name(id);
  const graph::Shape& s = g.shape(id);
  const std::string expected = fmt::format(
      "an SSD head gives per level a box map [{}={}x4,H,W] and a class map [{}={}x{},H,W] ({} per location, "
      "{} object class{} + background)",
      anchors * 4, anchors, anchors * classes, anchors, classes, plural(anchors, "anchor"), classes - 1,
      classes == 2 ? "" : "es");
  const bool named_boxes = has_part(name, "boxes"), named_classes = has_part(name, "classes");
  if (named_boxes != named_classes) {
    const Role role = named_boxes ? Role::boxes : Role::classes;
    const std::int32_t want = role == Role::boxes ? anchors * 4 : anchors * classes;
    if (s.c != want)
      throw UserError(fmt::format("model '{}': output '{}' is {}; {}{}", g.name(), name, graph::to_string(s), expected,
                                  role == Role::classes ? fmt::format(": use a model with classes={}", classes) : ""));
    return role;
  }
  if (anchors * 4 == anchors * classes)
    throw UserError(fmt::format("model '{}': output '{}' ({}) cannot be told a box map from a class map by its "
                                "channels; name the SSD head's outputs with a part 'boxes' or 'classes'",
                                g.name(), name, graph::to_string(s)));
  if (s.c == anchors * 4) return Role::boxes;
  if (s.c == anchors * classes) return Role::classes;
  throw UserError(fmt::format("model '{}': output '{}' is {}, not an SSD head map; {}: detection needs an SSDLite "
                              "head with classes={} (e.g. ssdlite_mobilenet_v2:classes={})",
                              g.name(), name, graph::to_string(s), expected, classes, classes));
}

}  // namespace

SsdHeadLayout ssd_head_layout(const graph::Graph& g, std::int32_t object_classes, const AnchorSpec& spec) {
  HWNAS_CHECK(object_classes >= 1);
  SsdHeadLayout layout;
  layout.anchors_per_location = anchors_per_location(spec);
  layout.classes = object_classes + 1;
  layout.image_size = input_shape(g).resolution;
  const std::vector<graph::NodeId> outputs = g.output_nodes();
  std::vector<std::int32_t> boxes, classes;
  for (std::size_t i = 0; i < outputs.size(); ++i)
    (role_of(g, outputs[i], layout.anchors_per_location, layout.classes) == Role::boxes ? boxes : classes)
        .push_back(static_cast<std::int32_t>(i));
  if (boxes.empty() || boxes.size() != classes.size()) {
    const bool more_boxes = boxes.size() > classes.size();
    const std::vector<std::int32_t>& extra = more_boxes ? boxes : classes;
    throw UserError(fmt::format(
        "model '{}' has {} SSD box maps and {} class maps; an SSD head has one of each per level{}", g.name(),
        boxes.size(), classes.size(),
        extra.empty() ? std::string(" (the model has no output)")
                      : fmt::format(" ('{}' has no {} map to pair with)", g.node_name(outputs[extra.back()]),
                                    more_boxes ? "class" : "box")));
  }
  std::vector<FeatureMapSize> sizes;
  for (std::size_t k = 0; k < boxes.size(); ++k) {
    const graph::Shape& b = g.shape(outputs[boxes[k]]);
    const graph::Shape& c = g.shape(outputs[classes[k]]);
    if (b.h != c.h || b.w != c.w)
      throw UserError(fmt::format("model '{}': SSD level {} pairs box map '{}' {} with class map '{}' {} of another "
                                  "size; each level's two maps must be the same size",
                                  g.name(), k, g.node_name(outputs[boxes[k]]), graph::to_string(b),
                                  g.node_name(outputs[classes[k]]), graph::to_string(c)));
    layout.levels.push_back({boxes[k], classes[k], {b.h, b.w}});
    sizes.push_back({b.h, b.w});
  }
  layout.anchors = default_boxes(sizes, layout.image_size, layout.image_size, spec);
  return layout;
}

void check_segmenter(const graph::Graph& g, std::int32_t classes) {
  const std::vector<graph::NodeId> outputs = g.output_nodes();
  if (outputs.size() != 1)
    throw UserError(fmt::format("model '{}' has {} output nodes; segmentation needs one map of {} class scores per "
                                "pixel (e.g. an LR-ASPP head)",
                                g.name(), outputs.size(), classes));
  const graph::Shape& s = g.shape(outputs.front());
  if (s.h * s.w <= 1)
    throw UserError(fmt::format("model '{}': output '{}' is {}, one score vector per image; segmentation needs a "
                                "map [{},H,W] of class scores per pixel (e.g. lraspp_mobilenet_v2:classes={})",
                                g.name(), g.node_name(outputs.front()), graph::to_string(s), classes, classes));
  if (s.c != classes)
    throw UserError(fmt::format("model '{}': output '{}' is {}: {} class scores per pixel, but the masks have {} "
                                "classes (background included); use a model with classes={}",
                                g.name(), g.node_name(outputs.front()), graph::to_string(s), s.c, classes, classes));
}

std::int32_t object_classes(SceneLabels labels) { return labels == SceneLabels::items ? 10 : 1; }

SceneModel scene_model(const graph::Graph& model, std::int32_t resolution, Task task, SceneLabels labels) {
  HWNAS_CHECK(task == Task::detection || task == Task::segmentation);
  SceneModel m{resolution == 0 ? model : at_resolution(model, resolution), {}, {}};
  m.input = input_shape(m.graph);
  if (m.input.channels != 1 && m.input.channels != 3)
    throw UserError(fmt::format("model '{}' takes {}-channel images; scenes are grayscale, given to a model of 1 "
                                "channel or replicated to 3: use in_ch=1 or in_ch=3",
                                m.graph.name(), m.input.channels));
  const std::int32_t classes = object_classes(labels);
  if (task == Task::detection)
    m.layout = ssd_head_layout(m.graph, classes);
  else
    check_segmenter(m.graph, classes + 1);
  return m;
}

}  // namespace hwnas::train
