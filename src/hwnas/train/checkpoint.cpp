#include "hwnas/train/checkpoint.h"

#include <fmt/format.h>

#include <string_view>
#include <vector>

#include "hwnas/base/error.h"
#include "hwnas/train/pickle_file.h"

namespace hwnas::train {
namespace {

constexpr std::string_view kWeightsFormat = "hwnas-weights";
constexpr std::string_view kCheckpointFormat = "hwnas-checkpoint";
constexpr std::int64_t kVersion = 1;

c10::impl::GenericDict header(std::string_view format, const ModelStamp& s, const NamedTensors& tensors) {
  c10::impl::GenericDict d = pickle_dict(format, kVersion);
  d.insert("model", s.model);
  d.insert("graph_hash", s.graph_hash);
  d.insert("task", s.task);
  d.insert("resolution", std::int64_t{s.resolution});
  if (s.scene_size > 0) {
    d.insert("scene_size", std::int64_t{s.scene_size});
    d.insert("scene_labels", s.scene_labels);
  }
  c10::Dict<std::string, at::Tensor> t;
  for (const auto& [name, tensor] : tensors) t.insert(name, tensor.detach().contiguous());
  d.insert("tensors", t);
  return d;
}

// What to do with a file of the other kind (s32 fresh-user finding 9: "give the other
// option its file" named no option, and evaluate has none that takes a checkpoint).
constexpr std::string_view kCheckpointForWeights =
    "a checkpoint continues a run: `hwnas train MODEL <the run's options> --checkpoint FILE --resume --save W.pt` "
    "writes its weights (W.pt) for hwnas evaluate --weights; --init-from takes a checkpoint too";
constexpr std::string_view kWeightsForCheckpoint =
    "--checkpoint --resume continues a run from the checkpoint it wrote (hwnas train --checkpoint F.ckpt); to "
    "start a run from these weights give them to --init-from, and drop --resume";

// A weights file or checkpoint (`format`, or `also` when not empty) named `what` in errors.
PickleKind kind(std::string_view format, std::string_view what, std::string_view also = {}) {
  PickleKind k{{format},
               kVersion,
               what,
               "hwnas train",
               format == kWeightsFormat ? kCheckpointForWeights : kWeightsForCheckpoint,
               "damaged file",
               "write it again",
               /*holds_weights=*/format == kWeightsFormat};
  if (!also.empty()) k.formats.push_back(also);
  return k;
}

c10::impl::GenericDict read_dict(const std::string& path, std::string_view format, std::string_view what,
                                 std::string_view also = {}) {
  return read_pickle_file(path, kind(format, what, also));
}

// One entry of a dictionary read back; `as` converts it, a missing or mistyped key is damage.
template <class F>
auto field(const c10::impl::GenericDict& d, const char* key, const std::string& path, F as) {
  return pickle_field(d, key, path, kind(kWeightsFormat, "weights file"), as);
}

// The stamp and tensors of `d`; UserError naming the first tensor that is not finite, with
// `non_finite_fix` (what to do instead).
ModelStamp read_stamp(const c10::impl::GenericDict& d, const std::string& path, NamedTensors& tensors,
                      std::string_view non_finite_fix) {
  ModelStamp s;
  s.model = field(d, "model", path, [](const c10::IValue& v) { return v.toStringRef(); });
  s.graph_hash = field(d, "graph_hash", path, [](const c10::IValue& v) { return v.toStringRef(); });
  s.task = field(d, "task", path, [](const c10::IValue& v) { return v.toStringRef(); });
  s.resolution = field(d, "resolution", path, [](const c10::IValue& v) { return static_cast<std::int32_t>(v.toInt()); });
  if (d.contains("scene_size")) {
    s.scene_size = field(d, "scene_size", path, [](const c10::IValue& v) { return static_cast<std::int32_t>(v.toInt()); });
    s.scene_labels = field(d, "scene_labels", path, [](const c10::IValue& v) { return v.toStringRef(); });
  }
  field(d, "tensors", path, [&](const c10::IValue& v) {
    for (const auto& entry : v.toGenericDict())
      tensors.emplace_back(entry.key().toStringRef(), entry.value().toTensor());
    return 0;
  });
  check_finite_tensors(tensors, path, non_finite_fix);
  return s;
}

}  // namespace

std::string graph_hash_text(const graph::Graph& graph) { return fmt::format("{:016x}", graph.hash()); }

void write_weights(const std::string& path, const WeightsFile& w) {
  write_pickle_file(path, header(kWeightsFormat, w.stamp, w.tensors), "weights file");
}

void write_checkpoint(const std::string& path, const Checkpoint& c) {
  c10::impl::GenericDict d = header(kCheckpointFormat, c.stamp, c.tensors);
  c10::Dict<std::string, std::string> identity;
  for (const auto& [option, value] : c.identity) identity.insert(option, value);
  d.insert("identity", identity);
  d.insert("epochs_done", std::int64_t{c.epochs_done});
  d.insert("images_seen", c.images_seen);
  d.insert("seconds", c.seconds);
  d.insert("first_loss", c.first_loss);
  d.insert("optimizer", torch::tensor(std::vector<std::uint8_t>(c.optimizer.begin(), c.optimizer.end()),
                                      torch::kUInt8));
  write_pickle_file(path, d, "checkpoint");
}

WeightsFile read_weights(const std::string& path) {
  const c10::impl::GenericDict d = read_dict(path, kWeightsFormat, "weights file");
  WeightsFile w;
  w.stamp = read_stamp(d, path, w.tensors, "restore it from a copy, or train the model again (hwnas train --save)");
  return w;
}

WeightsFile read_weights_or_checkpoint(const std::string& path, std::string_view what) {
  const c10::impl::GenericDict d = read_dict(path, kWeightsFormat, what, kCheckpointFormat);
  WeightsFile w;
  w.stamp = read_stamp(d, path, w.tensors, "restore it from a copy, or train its model again");
  return w;
}

Checkpoint read_checkpoint(const std::string& path) {
  const c10::impl::GenericDict d = read_dict(path, kCheckpointFormat, "checkpoint");
  Checkpoint c;
  c.stamp = read_stamp(d, path, c.tensors,
                       "restore it from a copy, or remove it and train again without --resume");
  field(d, "identity", path, [&](const c10::IValue& v) {
    for (const auto& entry : v.toGenericDict()) c.identity[entry.key().toStringRef()] = entry.value().toStringRef();
    return 0;
  });
  c.epochs_done = field(d, "epochs_done", path, [](const c10::IValue& v) { return static_cast<std::int32_t>(v.toInt()); });
  c.images_seen = field(d, "images_seen", path, [](const c10::IValue& v) { return v.toInt(); });
  c.seconds = field(d, "seconds", path, [](const c10::IValue& v) { return v.toDouble(); });
  c.first_loss = field(d, "first_loss", path, [](const c10::IValue& v) { return v.toDouble(); });
  c.optimizer = field(d, "optimizer", path, [](const c10::IValue& v) {
    const torch::Tensor t = v.toTensor().contiguous();
    if (t.scalar_type() != torch::kUInt8) throw std::runtime_error("not bytes");
    return std::string(reinterpret_cast<const char*>(t.data_ptr<std::uint8_t>()), static_cast<std::size_t>(t.numel()));
  });
  return c;
}

void check_weights_task(const WeightsFile& weights, Task task, const std::string& path) {
  if (weights.stamp.task != task_name(task))
    throw UserError(fmt::format("{}: weights trained for {}, not {}; evaluate them with --task {}", path,
                                weights.stamp.task, task_name(task), weights.stamp.task));
}

void check_weights_graph(const WeightsFile& w, const graph::Graph& g, const std::string& path) {
  if (graph_hash_text(g) != w.stamp.graph_hash)
    throw UserError(fmt::format("{}: weights of model '{}' (graph {}), another architecture with the same tensors "
                                "as '{}' (graph {}); give the MODEL they were trained for",
                                path, w.stamp.model, w.stamp.graph_hash, g.name(), graph_hash_text(g)));
}

void check_resumable(const Checkpoint& c, const ModelStamp& stamp, const std::map<std::string, std::string>& identity,
                     const std::string& path) {
  // The model first; the scenes (--scene-size, --scene-labels) are options of the run,
  // named below as the others are (s32 fresh-user finding 5: both sides printed alike).
  ModelStamp model_of_checkpoint = c.stamp, model_of_run = stamp;
  model_of_checkpoint.scene_size = model_of_run.scene_size = 0;
  model_of_checkpoint.scene_labels = model_of_run.scene_labels = "";
  if (!(model_of_checkpoint == model_of_run))
    throw UserError(fmt::format("{}: a checkpoint of model '{}' (graph {}, {} at resolution {}), not of this run's "
                                "'{}' (graph {}, {} at resolution {}); give the same MODEL or drop --resume",
                                path, c.stamp.model, c.stamp.graph_hash, c.stamp.task, c.stamp.resolution,
                                stamp.model, stamp.graph_hash, stamp.task, stamp.resolution));
  const auto changed = [&](const std::string& option, const std::string& was, const std::string& now) {
    // --augment is no option: the absence of --no-augment (s32 fresh-user finding 9).
    const std::string what = option != "--augment" ? fmt::format("with {} {}, not {}", option, was, now)
                             : was == "off"        ? "with --no-augment, and this one without it"
                                                   : "without --no-augment, and this one with it";
    return UserError(fmt::format("{}: was written by a run {}; resume with the same options or drop --resume", path,
                                 what));
  };
  // Options whose change also changes others' defaults first (another --optimizer brings
  // another default --lr): the one named is then the one the user changed.
  std::vector<std::string> order = {"--task", "--optimizer"};
  for (const auto& [option, value] : identity)
    if (option != "--task" && option != "--optimizer") order.push_back(option);
  for (const std::string& option : order) {
    const auto now = identity.find(option);
    if (now == identity.end()) continue;
    const auto it = c.identity.find(option);
    const std::string was = it == c.identity.end() ? "(absent)" : it->second;
    if (was != now->second) throw changed(option, was, now->second);
  }
  // A checkpoint whose identity lacks the scene options (none of hwnas's): its stamp says them.
  if (c.stamp.scene_size != stamp.scene_size)
    throw changed("--scene-size", std::to_string(c.stamp.scene_size), std::to_string(stamp.scene_size));
  if (c.stamp.scene_labels != stamp.scene_labels) throw changed("--scene-labels", c.stamp.scene_labels, stamp.scene_labels);
}

}  // namespace hwnas::train
