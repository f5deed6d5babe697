#include "hwnas/train/model_input.h"

#include <fmt/format.h>

#include <map>
#include <utility>
#include <variant>
#include <vector>

#include "hwnas/base/error.h"

namespace hwnas::train {
namespace {

graph::NodeId the_input(const graph::Graph& g) {
  const std::vector<graph::NodeId> inputs = g.input_nodes();
  if (inputs.size() != 1)
    throw UserError(fmt::format("model '{}' has {} input nodes; the trainer feeds one image tensor to one input",
                                g.name(), inputs.size()));
  return inputs.front();
}

}  // namespace

InputShape input_shape(const graph::Graph& g) {
  const graph::Input& in = std::get<graph::Input>(g.op(the_input(g)));
  if (in.height != in.width)
    throw UserError(fmt::format("model '{}': input '{}' is {}x{}; the trainer's images are square: give a square "
                                "input or --res",
                                g.name(), g.node_name(the_input(g)), in.height, in.width));
  return {in.channels, in.height};
}

graph::Graph at_resolution(const graph::Graph& g, std::int32_t resolution) {
  const graph::NodeId input = the_input(g);
  const graph::Input& in = std::get<graph::Input>(g.op(input));
  if (in.height == resolution && in.width == resolution) return g;
  graph::Graph out(g.name());
  out.reserve(g.size(), g.num_edges(), g.num_blocks(), g.name_bytes());
  for (graph::BlockId b = 0; b < g.num_blocks(); ++b) out.add_block(g.block(b).kind, g.block_name(b), g.block(b).spec);
  // An upsample to a fixed size means "to the size of that feature map" (LR-ASPP's to the
  // stride-8 features, the final one to the input; torchvision passes sizes, not factors):
  // each spatial size of the graph so far and its size at the new resolution, with 0 for a
  // size two maps of which now differ (then the upsample keeps its size, and the next
  // node's shape check names the problem).
  std::map<std::pair<std::int32_t, std::int32_t>, std::pair<std::int32_t, std::int32_t>> sizes;
  for (graph::NodeId id = 0; id < g.size(); ++id) {
    graph::Op op = g.op(id);
    if (id == input) op = graph::Input{in.channels, resolution, resolution};
    if (auto* up = std::get_if<graph::Upsample>(&op); up != nullptr && up->out_h > 0 && up->out_w > 0)
      if (const auto now = sizes.find({up->out_h, up->out_w}); now != sizes.end() && now->second.first > 0) {
        up->out_h = now->second.first;
        up->out_w = now->second.second;
      }
    try {
      out.add(g.node_name(id), std::move(op), g.inputs(id), g.node(id).block);
    } catch (const UserError& e) {
      throw UserError(fmt::format("model '{}' cannot run at resolution {} (--res): {}", g.name(), resolution,
                                  e.what()));
    }
    const graph::Shape &was = g.shape(id), &is = out.shape(id);
    const auto [at, added] = sizes.try_emplace({was.h, was.w}, is.h, is.w);
    if (!added && at->second != std::pair(is.h, is.w)) at->second = {0, 0};
  }
  return out;
}

void check_classifier(const graph::Graph& g, std::int32_t classes) {
  const std::vector<graph::NodeId> outputs = g.output_nodes();
  if (outputs.size() != 1)
    throw UserError(fmt::format("model '{}' has {} output nodes; a classifier has one, of {} class scores",
                                g.name(), outputs.size(), classes));
  const graph::Shape& s = g.shape(outputs.front());
  if (s.h != 1 || s.w != 1)
    throw UserError(fmt::format("model '{}': output '{}' is {}, a map; classification needs [{},1,1] class scores "
                                "(end the network with a global pool and a linear layer)",
                                g.name(), g.node_name(outputs.front()), graph::to_string(s), classes));
  if (s.c != classes)
    throw UserError(fmt::format("model '{}': output '{}' gives {} class scores but the data have {} classes; use "
                                "a model with classes={}",
                                g.name(), g.node_name(outputs.front()), s.c, classes, classes));
}

graph::Graph classifier_at(const graph::Graph& model, std::int32_t resolution, std::int32_t classes) {
  graph::Graph g = resolution == 0 ? model : at_resolution(model, resolution);
  const InputShape in = input_shape(g);
  if (in.channels != 1 && in.channels != 3)
    throw UserError(fmt::format("model '{}' takes {}-channel images; Fashion-MNIST's are grayscale, given to a "
                                "model of 1 channel or replicated to 3: use in_ch=1 or in_ch=3",
                                g.name(), in.channels));
  check_classifier(g, classes);
  return g;
}

std::string reason_without_model_fix(const UserError& e) {
  std::string why = e.what();
  for (const std::string_view fix : {"; use ", " (end the network"})
    if (const std::size_t at = why.find(fix); at != std::string::npos) why.resize(at);
  return why;
}

}  // namespace hwnas::train
