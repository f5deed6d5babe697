// What the trainer asks of a network before it trains it: one input whose channels match
// the data, the resolution a run chooses, and outputs fit for the task. Torch-free.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "hwnas/base/error.h"
#include "hwnas/graph/graph.h"

namespace hwnas::train {

/// `graph` with its Input node at `resolution` × `resolution` (channels kept) and every
/// shape inferred again; `graph` itself when it is already at that size. An upsample to a
/// fixed size that an earlier node's map had (LR-ASPP's to its stride-8 features, a
/// segmenter's to the input) goes to that map's new size, as a model built at the new
/// resolution would (the zoo's `res=`). Throws UserError
/// naming the node whose op cannot take the new size (e.g. a pool larger than its input)
/// and the resolution; the graph must have exactly one Input node (UserError otherwise).
graph::Graph at_resolution(const graph::Graph& graph, std::int32_t resolution);

/// The Input node's channels and height; UserError when the graph has no Input node or
/// more than one, or a non-square input (the data are square).
struct InputShape {
  std::int32_t channels = 0, resolution = 0;
};
InputShape input_shape(const graph::Graph& graph);

/// Checks that `graph` is a classifier over `classes` classes: exactly one Output node,
/// whose value is [classes, 1, 1]. Throws UserError naming the model and the Output node
/// (its shape, and "classes=K" as the fix) otherwise.
void check_classifier(const graph::Graph& graph, std::int32_t classes);

/// `model` at `resolution` (its own when 0; at_resolution) checked as a classifier of
/// Fashion-MNIST-like data: 1 or 3 input channels (gray images, replicated for 3) and
/// check_classifier's `classes`. UserError naming the model and the fix otherwise. The
/// classification runs and the search (on a space's baseline, when the experiment is read)
/// call it.
graph::Graph classifier_at(const graph::Graph& model, std::int32_t resolution, std::int32_t classes);

/// A model check's message (classifier_at's, scene_model's) without the fix it gives a
/// model ("; use in_ch=1 ...", " (end the network with ...)"): an error about a search space
/// quotes the reason and says its own fix, as a space takes no classes= or in_ch=.
std::string reason_without_model_fix(const UserError& e);

/// The fix for a search space whose networks are no classifiers of Fashion-MNIST: the
/// supernet trainer's and the search's accuracy.train check say it alike.
inline constexpr std::string_view kFashionMnistSpaceFix =
    "give a space whose networks take 1- or 3-channel images and end in 10 classes (e.g. "
    "configs/spaces/mobilenet-cls-fmnist.yaml)";

}  // namespace hwnas::train
