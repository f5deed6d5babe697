// Accuracy from a zero-shot proxy (issue 13 §1; docs/proxies.md, "In a search"):
// `accuracy: proxy: NAME`, or `accuracy: proxy: {name: NAME, batch, seed, data, threads,
// reference, timeout_s, scene_size, scene_labels}`. The batch and the loss follow the task
// of the space's head: Fashion-MNIST for a classifier, scenes for a detector or segmenter
// (scene_labels presence when the head has 2 classes, else items, unless given; as a rung
// under accuracy: train, the training's data and scenes). The search stays torch-free: one
// long-lived `hwnas-train proxy --serve` process (beside hwnas) scores each candidate's
// model file, sent as one line, and answers one JSON line; a failed process is replaced at
// the next candidate.
//
// A proxy is a score, not an accuracy: the source reports the candidate's percentile among
// a fixed reference sample of the space (`reference` genomes, sample_distinct with the
// proxy's seed, scored once when the experiment starts): 100 × (reference scores below it +
// half the ties) / reference, in [0, 100] as AccuracySource promises and monotone in the
// score, so a search maximising accuracy ranks candidates as the proxy does, and a
// constraint `accuracy >= 90` keeps the proxy's top tenth of the space. Undefined scores
// rank below every defined one (train/proxies/proxy_rank.h).
#include <fmt/format.h>

#include <mutex>

#include "hwnas/base/error.h"
#include "hwnas/graph/model_file.h"
#include "hwnas/search/accuracy_source.h"
#include "hwnas/search/served_program.h"
#include "hwnas/space/yaml_space.h"
#include "hwnas/train/scene_plan.h"
#include "hwnas/train/tasks/task_heads.h"
#include "hwnas/train/train_options.h"
#include "hwnas/train/proxies/proxy_names.h"
#include "hwnas/train/proxies/proxy_rank.h"

namespace hwnas::search {
namespace {

namespace fs = std::filesystem;
using train::proxies::ProxyScore;

struct ProxySettings {
  std::string name, data;
  train::Task task = train::Task::classification;
  std::int64_t scene_size = 96;
  train::SceneLabels scene_labels = train::SceneLabels::items;
  std::int64_t batch = 64, threads = 1, reference = 100;
  std::uint64_t seed = 0;
  double timeout_s = 600;
};

/// One `hwnas-train proxy --serve` process (served_program.h) and its answers as scores.
class ProxyServer {
 public:
  ProxyServer(const fs::path& program, const ProxySettings& s)
      : name_(s.name),
        program_(argv(program, s), "hwnas-train proxy", "hwnas-train proxy --serve answers one JSON line per model",
                 s.timeout_s) {}

  /// The score of the model file at `path`; UserError when the process fails or refuses it.
  ProxyScore score(const std::string& path) {
    const nlohmann::json answer = program_.ask(path);
    const auto scores = answer.find("scores");
    if (scores == answer.end() || !scores->is_object() || !scores->contains(name_))
      throw UserError(fmt::format("hwnas-train proxy's answer has no score of {}: '{}'", name_, one_line(answer.dump())));
    const nlohmann::json& s = (*scores)[name_];
    ProxyScore out;
    out.defined = s.value("defined", false) && s.contains("value") && s["value"].is_number();
    if (out.defined) out.value = s["value"].get<double>();
    else out.reason = s.value("reason", std::string("undefined"));
    return out;
  }

  const fs::path& dir() const { return program_.dir(); }

 private:
  static std::vector<std::string> argv(const fs::path& program, const ProxySettings& s) {
    std::vector<std::string> a = {program.string(), "proxy", "--serve", "--proxy", s.name, "--batch",
                                  std::to_string(s.batch), "--seed", std::to_string(s.seed), "--threads",
                                  std::to_string(s.threads)};
    if (!s.data.empty()) a.insert(a.end(), {"--data", s.data});
    if (s.task != train::Task::classification)
      a.insert(a.end(), {"--task", std::string(train::task_name(s.task)), "--scene-size", std::to_string(s.scene_size),
                         "--scene-labels", std::string(train::scene_labels_name(s.scene_labels))});
    return a;
  }

  std::string name_;
  ServedProgram program_;
};

class ProxyAccuracy : public AccuracySource {
 public:
  ProxyAccuracy(std::unique_ptr<ProxyServer> server, std::vector<ProxyScore> reference)
      : server_(std::move(server)), reference_(std::move(reference)) {}

  Family family() const override { return Family::zero_shot; }

  double accuracy(const Candidate& c) override {
    const std::lock_guard<std::mutex> lock(mutex_);  // one process: candidates take turns
    const std::string path = (server_->dir() / "candidate.json").string();
    graph::save_model_file(c.network, path);
    return train::proxies::proxy_percentile(server_->score(path), reference_);
  }

 private:
  std::mutex mutex_;
  std::unique_ptr<ProxyServer> server_;
  std::vector<ProxyScore> reference_;
};

// The head of `space` when it is a YAML space's detector or segmenter, else nullptr
// (classification, or a space such as nb201).
const space::HeadDefinition* scene_head(const space::Space& space) {
  const auto* yaml = dynamic_cast<const space::YamlSpace*>(&space);
  if (yaml == nullptr || yaml->definition().head.task == space::Task::classification) return nullptr;
  return &yaml->definition().head;
}

// The task of `space`'s head and the scene labels its classes imply (2: presence,
// background included), unless the training gave them.
void head_task(const space::Space& space, const ProxyDefaults& defaults, ProxySettings& p) {
  p.data = defaults.data;
  p.scene_size = defaults.scene_size;
  const space::HeadDefinition* head = scene_head(space);
  if (head == nullptr) return;
  p.task = head->task == space::Task::detection ? train::Task::detection : train::Task::segmentation;
  p.scene_labels = defaults.scene_labels ? train::parse_scene_labels(*defaults.scene_labels, "scene_labels")
                   : head->classes == 2  ? train::SceneLabels::presence
                                         : train::SceneLabels::items;
}

// Refuses, when the experiment is read, what would fail the proxy's first scoring: a scene
// head whose classes are not the labels' object classes + background, and (for a proxy
// that reads a batch) missing or misplaced data.
void check_scoring(const ExperimentSection& s, const space::Space& space, const ProxySettings& p) {
  const bool map = s.get("proxy").IsMap();
  const ExperimentSection where = map ? s.section("proxy") : s;
  if (const space::HeadDefinition* head = scene_head(space)) {
    const std::int32_t classes = train::object_classes(p.scene_labels) + 1;
    if (head->classes != classes) {
      const bool given = map && s.section("proxy").has("scene_labels");
      const std::string why = fmt::format(
          "space '{}' has a head of {} classes, and the scenes' {} labels have {} ({} and background): {}",
          space.name(), head->classes, train::scene_labels_name(p.scene_labels), classes,
          p.scene_labels == train::SceneLabels::items ? "10 items" : "1 presence class",
          head->classes == 2 ? "give scene_labels: presence, or a head of classes: 11"
                             : "give scene_labels: items and a head of classes: 11, or presence and classes: 2");
      if (given) s.section("proxy").fail("scene_labels", why);
      s.fail("proxy", why);
    }
  }
  if (!train::proxies::proxy_needs_data(p.name)) return;
  // A rung's data taken from accuracy.train was checked with it (the same task: the head's).
  if (!p.data.empty() && !(map && s.section("proxy").has("data"))) return;
  train::TrainOptions o;
  o.task = p.task;
  o.data_dir = p.data;
  check_training_data(where, o);
}

ProxySettings read_settings(const ExperimentSection& s, const space::Space& space, const ProxyDefaults& defaults) {
  ProxySettings p;
  head_task(space, defaults, p);
  const YAML::Node v = s.get("proxy");
  // An unknown proxy is refused here, not by hwnas-train after it has started.
  const auto check_name = [&](const ExperimentSection& where, std::string_view key) {
    try {
      train::proxies::check_proxy_name(p.name);
    } catch (const UserError& e) {
      where.fail(key, e.what());
    }
  };
  if (v.IsScalar()) {
    p.name = s.text("proxy");
    check_name(s, "proxy");
    check_scoring(s, space, p);
    return p;
  }
  if (!v.IsMap()) s.fail("proxy", "must be a proxy's name (e.g. synflow) or {name: NAME, batch: N, seed: S, ...}");
  const ExperimentSection m = s.section("proxy");
  m.only({"name", "batch", "seed", "data", "threads", "reference", "timeout_s", "scene_size", "scene_labels"});
  p.name = m.text("name", std::nullopt, "the proxy's name, e.g. synflow (hwnas proxy --help lists them)");
  check_name(m, "name");
  p.batch = m.integer("batch", 1, 60'000, p.batch);
  if (const std::string problem = train::proxies::proxy_batch_problem({p.name}, p.batch); !problem.empty())
    m.fail("batch", fmt::format("{}; give batch: {} or more (default 64)", problem, train::proxies::kMinProxyBatch));
  p.seed = static_cast<std::uint64_t>(m.integer("seed", 0, INT64_MAX, 0));
  p.threads = m.integer("threads", 1, 1024, p.threads);
  try {
    train::check_threads(p.threads, "");
  } catch (const UserError& e) {
    m.fail("threads", e.what());
  }
  p.reference = m.integer("reference", 2, 100'000, p.reference);
  p.timeout_s = m.number("timeout_s", 1e-3, 7 * 86400.0, p.timeout_s);
  if (m.has("data")) p.data = fs::absolute(m.path("data")).lexically_normal().string();
  if (p.task == train::Task::classification) {
    for (const char* key : {"scene_size", "scene_labels"})
      if (m.has(key))
        m.fail(key, fmt::format("is a knob of the scenes; space '{}' is a classification space, scored on "
                                "Fashion-MNIST: drop it",
                                space.name()));
    check_scoring(s, space, p);
    return p;
  }
  p.scene_size = m.integer("scene_size", 32, 1024, p.scene_size);
  // The batch is drawn from the reference scenes (train/proxies/proxy_data.h).
  if (const std::int64_t scenes = train::reference_scene_count(static_cast<std::int32_t>(p.scene_size));
      p.batch > scenes)
    m.fail("batch", fmt::format("{} is more than the {} reference scenes of a {}-pixel canvas the proxies' batch of "
                                "scenes is drawn from; give batch: {} or fewer",
                                p.batch, scenes, p.scene_size, scenes));
  if (m.has("scene_labels")) {
    try {
      p.scene_labels = train::parse_scene_labels(m.text("scene_labels"), "scene_labels");
    } catch (const UserError& e) {
      const std::string_view what = e.what();  // "scene_labels 'x' is not ...": the key is said once
      m.fail("scene_labels", std::string(what.starts_with("scene_labels ") ? what.substr(13) : what));
    }
  }
  check_scoring(s, space, p);
  return p;
}

}  // namespace

PlannedSource plan_proxy_accuracy(const ExperimentSection& s, const space::Space& space,
                                  const ProxyDefaults& defaults) {
  const ProxySettings settings = read_settings(s, space, defaults);
  // The reference sample is distinct genomes: a small space has fewer (s29 fresh-user finding 9).
  if (const std::optional<std::uint64_t> size = space.exact_size();
      size && static_cast<std::uint64_t>(settings.reference) > *size) {
    const bool given = s.get("proxy").IsMap() && s.section("proxy").has("reference");
    const std::string why = fmt::format(
        "space '{}' has {} architectures, fewer than the reference sample of {}{} that the proxy's scores are ranked "
        "against; give reference: {} or fewer ({{name: {}, reference: {}}})",
        space.name(), *size, settings.reference, given ? "" : " (the default)", *size, settings.name, *size);
    if (given) s.section("proxy").fail("reference", why);
    s.fail("proxy", why);
  }
  const fs::path program = hw::program_beside_this_one("hwnas-train");
  std::error_code ec;
  if (!fs::is_regular_file(program, ec))
    s.fail("proxy", fmt::format("scoring runs {}, which is missing; build it with scripts/build.sh", program.string()));
  const auto start = [s, &space, program, settings]() -> std::unique_ptr<AccuracySource> {
    auto server = std::make_unique<ProxyServer>(program, settings);
    std::vector<ProxyScore> reference;
    const std::vector<space::Genome> genomes =
        space::sample_distinct(space, static_cast<std::size_t>(settings.reference), settings.seed);
    for (std::size_t i = 0; i < genomes.size(); ++i) {
      const std::string path = (server->dir() / fmt::format("reference{}.json", i)).string();
      graph::save_model_file(space.decode(genomes[i]), path);
      try {
        reference.push_back(server->score(path));
      } catch (const UserError& e) {
        s.fail("proxy", fmt::format("scoring the reference sample of space '{}' failed: {}", space.name(), e.what()));
      }
    }
    return std::make_unique<ProxyAccuracy>(std::move(server), std::move(reference));
  };
  return {start, {}};
}

YAML::Node effective_proxy_keys(const YAML::Node& proxy, const space::Space& space, const ProxyDefaults& defaults) {
  if (!proxy.IsScalar() && !proxy.IsMap()) return YAML::Clone(proxy);
  ProxySettings p;
  try {
    head_task(space, defaults, p);
  } catch (const UserError&) {  // a scene_labels of accuracy.train that does not read: refused there
  }
  const YAML::Node given = proxy.IsMap() ? proxy : YAML::Node(YAML::NodeType::Map);
  // A plain scalar, as if read from a file: a value written out and a default compare equal.
  const auto plain = [](const std::string& text) {
    YAML::Node v(text);
    v.SetTag("?");
    return v;
  };
  YAML::Node out(YAML::NodeType::Map);
  out["name"] = proxy.IsScalar() ? YAML::Clone(proxy) : YAML::Clone(given["name"]);
  // Each number as the source reads it ("064" is 64), else as written.
  const auto number = [&](const char* key, std::int64_t fallback) {
    const YAML::Node v = given[key];
    if (!v.IsDefined()) {
      out[key] = plain(std::to_string(fallback));
      return;
    }
    try {
      out[key] = plain(std::to_string(v.as<std::int64_t>()));
    } catch (const YAML::Exception&) {
      out[key] = YAML::Clone(v);
    }
  };
  number("batch", p.batch);
  number("seed", static_cast<std::int64_t>(p.seed));
  number("threads", p.threads);
  number("reference", p.reference);
  if (given["data"].IsDefined()) out["data"] = YAML::Clone(given["data"]);  // a path, as written
  if (p.task != train::Task::classification) {
    number("scene_size", p.scene_size);
    out["scene_labels"] = given["scene_labels"].IsDefined()
                              ? YAML::Clone(given["scene_labels"])
                              : plain(std::string(train::scene_labels_name(p.scene_labels)));
  } else {
    for (const char* key : {"scene_size", "scene_labels"})  // refused on a classification space: kept to be named
      if (given[key].IsDefined()) out[key] = YAML::Clone(given[key]);
  }
  return out;
}

std::unique_ptr<AccuracySource> make_proxy_accuracy(const ExperimentSection& s, const space::Space& space) {
  return plan_proxy_accuracy(s, space).start();
}

}  // namespace hwnas::search
