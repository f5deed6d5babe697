// Which Output of a network is what, for the detection and segmentation losses: the maps
// of an SSD/SSDLite head (graph/zoo/heads.h: per level a box map [A·4, H, W] and a class
// map [A·C, H, W]) and the one map of a segmentation head (LR-ASPP: [K, H, W]). Torch-free;
// docs/training.md, "Detection and segmentation".
#pragma once

#include <cstdint>
#include <vector>

#include "hwnas/graph/graph.h"
#include "hwnas/train/data/image_set.h"
#include "hwnas/train/metrics/anchors.h"
#include "hwnas/train/model_input.h"
#include "hwnas/train/train_options.h"

namespace hwnas::train {

/// One feature-map level of an SSD head: the positions of its two maps among the
/// network's outputs (Network::forward returns one tensor per Output node, in graph order).
struct SsdLevel {
  std::int32_t box_output = 0, class_output = 0;  // indices into forward()'s outputs
  FeatureMapSize size;
};

struct SsdHeadLayout {
  std::vector<SsdLevel> levels;            // in anchor order (anchors.h): the k-th box map is level k
  std::int32_t anchors_per_location = 0;   // A
  std::int32_t classes = 0;                // C: object classes + background (class 0)
  std::int32_t image_size = 0;             // the square input's side, pixels
  std::vector<Box> anchors;                // default_boxes of the levels, pixels of the input
};

/// The SSD head of `graph` for data of `object_classes` classes (background not counted),
/// with SSDLite's default boxes (`spec`, A = anchors_per_location(spec)). An Output whose
/// name holds "boxes" or "classes" as a dot-separated part is a box or class map; any
/// other is recognised by its channels (A·4 box codes, A·(object_classes + 1) scores). The
/// k-th box map pairs with the k-th class map (graph order). Throws UserError naming the
/// model and the node, and the fix, when: an Output is neither map (e.g. a classifier's
/// scores), a class map's channels are not A·(object_classes + 1) (use classes=K+1), a box
/// map's are not A·4, box and class maps are not as many, a pair's sizes differ, or the
/// channels cannot tell the role (object_classes + 1 = 4) and the name does not; and as
/// input_shape (model_input.h) for the input.
SsdHeadLayout ssd_head_layout(const graph::Graph& graph, std::int32_t object_classes, const AnchorSpec& spec = {});

/// Checks that `graph` is a segmenter for masks of `classes` classes (background
/// included): one Output node, a map [classes, H, W] with H·W > 1 (it may be smaller than
/// the input: the loss and the evaluation resize it). UserError naming the model and the
/// node, and the fix, otherwise.
void check_segmenter(const graph::Graph& graph, std::int32_t classes);

/// The object classes of the scenes' labels (background not counted): items 10, presence 1.
std::int32_t object_classes(SceneLabels labels);

/// A detector or segmenter as the scenes' training sees it: `model` at `resolution` (its
/// own when 0; at_resolution), its input, and for detection its SSD head.
struct SceneModel {
  graph::Graph graph;
  InputShape input;
  SsdHeadLayout layout;  // detection only
};

/// `model` at `resolution` checked for the scenes (task detection or segmentation, else
/// InternalError): 1 or 3 input channels, and an SSD head of object_classes(labels)
/// (ssd_head_layout) or a segmenter of object_classes(labels) + 1 (check_segmenter).
/// UserError naming the model, the node and the fix otherwise. Torch-free: hwnas-train's
/// scene runs and the search (on a space's baseline, when the experiment is read) call it.
SceneModel scene_model(const graph::Graph& model, std::int32_t resolution, Task task, SceneLabels labels);

}  // namespace hwnas::train
