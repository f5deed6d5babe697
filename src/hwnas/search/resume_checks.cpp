// --resume's checks (resume_checks.h): the config given now against the stored one, the
// budget keys an override gave, the searched space's fingerprint, the digests of the files
// the accuracy sources read, and a supernet file that moved.
#include "hwnas/search/resume_checks.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "hwnas/base/error.h"
#include "hwnas/search/accuracy_source.h"
#include "hwnas/search/experiment_input.h"
#include "hwnas/space/registry.h"

namespace hwnas::search {
namespace {

/// The source a digest's key names: "accuracy.supernet.file" and "accuracy.supernet" are
/// one input (`supernet: FILE` and `supernet: {file: FILE}`).
std::string input_source(const std::string& key) {
  return key.ends_with(".file") ? key.substr(0, key.size() - 5) : key;
}

/// `supernet` (an accuracy source's value: FILE or {file: FILE, space: S, ...}) as a mapping
/// without the keys that say where its files are, which a --resume may change because
/// something else checks what they name: `space` (hwnas-train checks that space against the
/// supernet's fingerprint, which the store's space fingerprint pins) and the file, when the
/// store recorded its digest under `key` ("accuracy.supernet") or `key`.file
/// (check_same_inputs refuses another file's content).
YAML::Node supernet_without_paths(const YAML::Node& supernet, const std::string& key,
                                  const std::vector<InputDigest>& digested) {
  YAML::Node out(YAML::NodeType::Map);
  if (supernet.IsMap()) {
    for (const auto& entry : supernet) out[entry.first.Scalar()] = YAML::Clone(entry.second);
  } else {
    out["file"] = YAML::Clone(supernet);
  }
  out.remove("space");
  if (std::any_of(digested.begin(), digested.end(),
                  [&](const InputDigest& d) { return d.key == key || d.key == key + ".file"; }))
    out.remove("file");
  return out;
}

/// `root` (a copy) with each supernet source as supernet_without_paths leaves it:
/// accuracy.supernet and multi_fidelity.rungs[i].supernet.
YAML::Node without_supernet_paths(const YAML::Node& root, const std::vector<InputDigest>& digested) {
  YAML::Node copy = YAML::Clone(root);
  if (YAML::Node accuracy = copy["accuracy"]; accuracy.IsMap() && accuracy["supernet"].IsDefined())
    accuracy["supernet"] = supernet_without_paths(accuracy["supernet"], "accuracy.supernet", digested);
  if (YAML::Node mf = copy["multi_fidelity"]; mf.IsMap() && mf["rungs"].IsSequence())
    for (std::size_t i = 0; i < mf["rungs"].size(); ++i)
      if (YAML::Node rung = mf["rungs"][i]; rung.IsMap() && rung["supernet"].IsDefined())
        rung["supernet"] = supernet_without_paths(rung["supernet"],
                                                  fmt::format("multi_fidelity.rungs[{}].supernet", i), digested);
  return copy;
}

/// `node` (a copy) without any `timeout_s` key: a trial's time limit decides no result
/// that finished within it, so a resume may raise it (s27 fresh-user finding 5).
YAML::Node without_timeouts(const YAML::Node& node) {
  if (node.IsSequence()) {
    YAML::Node out(YAML::NodeType::Sequence);
    for (const YAML::Node& item : node) out.push_back(without_timeouts(item));
    return out;
  }
  if (!node.IsMap()) return YAML::Clone(node);
  YAML::Node out(YAML::NodeType::Map);
  for (const auto& entry : node)
    if (entry.first.Scalar() != "timeout_s") out[entry.first.Scalar()] = without_timeouts(entry.second);
  return out;
}

/// `root` (a copy) with accuracy.train at its effective values (effective_train_keys), so
/// that a key added or dropped at its default is no difference, and each training rung of
/// multi_fidelity.rungs (not a proxy or supernet rung) as what its training changes: the
/// effective values of accuracy.train with the rung's keys over it that differ from
/// accuracy.train's, so that a rung key written equal to what the rung inherits is no
/// difference either (s29 fresh-user finding 6), and a change of accuracy.train is named
/// there alone. A section that does not read (a stored config of an older hwnas) is left as
/// it is: the comparison names the key.
YAML::Node with_effective_train(const YAML::Node& root, const std::string& file) {
  YAML::Node copy = YAML::Clone(root);
  YAML::Node accuracy = copy["accuracy"];
  if (!accuracy.IsMap() || !accuracy["train"].IsDefined()) return copy;
  const YAML::Node train = accuracy["train"].IsNull() ? YAML::Node(YAML::NodeType::Map) : accuracy["train"];
  if (!train.IsMap()) return copy;
  YAML::Node base_node;
  try {
    base_node = effective_train_keys(train, file);
  } catch (const UserError&) {
    return copy;
  }
  const YAML::Node& base = base_node;  // const: a missing key is not added by a look-up
  if (YAML::Node mf = copy["multi_fidelity"]; mf.IsMap() && mf["rungs"].IsSequence()) {
    for (std::size_t i = 0; i < mf["rungs"].size(); ++i) {
      const YAML::Node rung = mf["rungs"][i];
      if (!rung.IsNull() && !rung.IsMap()) continue;
      if (rung.IsMap() && (rung["proxy"].IsDefined() || rung["supernet"].IsDefined())) continue;
      YAML::Node merged = YAML::Clone(train);
      if (rung.IsMap())
        for (const auto& entry : rung) merged[entry.first.Scalar()] = YAML::Clone(entry.second);
      try {
        const YAML::Node effective = effective_train_keys(merged, file);
        YAML::Node changes(YAML::NodeType::Map);
        for (const auto& entry : effective) {
          const std::string key = entry.first.Scalar();
          if (!base[key].IsDefined() || first_difference(base[key], entry.second)) changes[key] = entry.second;
        }
        mf["rungs"][i] = changes;
      } catch (const UserError&) {
      }
    }
  }
  accuracy["train"] = base_node;
  return copy;
}

/// `root` (a copy) with accuracy.proxy and each proxy rung's `proxy` at their effective
/// values (effective_proxy_keys): a rung's defaults are what it takes from accuracy.train
/// (training_proxy_defaults; `file`: the experiment's, for paths).
YAML::Node with_effective_proxy(const YAML::Node& root, const space::Space& space, const std::string& file) {
  YAML::Node copy = YAML::Clone(root);
  YAML::Node accuracy = copy["accuracy"];
  if (!accuracy.IsMap()) return copy;
  if (accuracy["proxy"].IsDefined()) accuracy["proxy"] = effective_proxy_keys(accuracy["proxy"], space);
  YAML::Node mf = copy["multi_fidelity"];
  if (!mf.IsMap() || !mf["rungs"].IsSequence()) return copy;
  ProxyDefaults defaults;
  if (const YAML::Node train = accuracy["train"]; train.IsMap()) {
    try {
      defaults = training_proxy_defaults(ExperimentSection(train, file, "accuracy.train"));
    } catch (const UserError&) {  // refused when accuracy.train is read
    }
  }
  for (std::size_t i = 0; i < mf["rungs"].size(); ++i)
    if (YAML::Node rung = mf["rungs"][i]; rung.IsMap() && rung["proxy"].IsDefined())
      rung["proxy"] = effective_proxy_keys(rung["proxy"], space, defaults);
  return copy;
}

/// Every `timeout_s` in `node` by dotted path ("accuracy.train.timeout_s",
/// "multi_fidelity.rungs.1.timeout_s"), as written.
void collect_timeouts(const YAML::Node& node, const std::string& path, std::map<std::string, std::string>& out) {
  const auto sub = [&](const std::string& k) { return path.empty() ? k : path + "." + k; };
  if (node.IsSequence()) {
    for (std::size_t i = 0; i < node.size(); ++i) collect_timeouts(node[i], sub(std::to_string(i)), out);
  } else if (node.IsMap()) {
    for (const auto& entry : node) {
      const std::string key = entry.first.Scalar();
      if (key == "timeout_s" && entry.second.IsScalar()) out[sub(key)] = entry.second.Scalar();
      else collect_timeouts(entry.second, sub(key), out);
    }
  }
}

/// The notes for every `timeout_s` lowered since the experiment last ran, or added or left
/// out (the source's default then applies): a resume may change them, since a time limit
/// decides no result that finished within it, but a lower one may fail trials that an
/// uninterrupted search would have measured.
std::vector<std::string> timeout_notes(const std::string& stored_yaml, const std::string& given_yaml,
                                       const std::string& dir) {
  std::map<std::string, std::string> stored, now;
  collect_timeouts(YAML::Load(stored_yaml), "", stored);
  collect_timeouts(YAML::Load(given_yaml), "", now);
  std::set<std::string> keys;
  for (const auto& [k, v] : stored) keys.insert(k);
  for (const auto& [k, v] : now) keys.insert(k);
  std::vector<std::string> notes;
  for (const std::string& key : keys) {
    const auto then = stored.find(key), here = now.find(key);
    const auto shown = [](const auto& it, const auto& map) {
      return it == map.end() ? std::string("absent (the source's default)") : it->second;
    };
    if (then != stored.end() && here != now.end()) {
      double a = 0, b = 0;
      try {
        a = std::stod(then->second);
        b = std::stod(here->second);
      } catch (const std::exception&) {
        continue;  // the sources refuse it
      }
      if (b >= a) continue;
    }
    const bool both = then != stored.end() && here != now.end();
    notes.push_back(fmt::format("--resume: {} is {} here but {} when the experiment in {} last ran: {}a trial that "
                                "runs longer than the limit now fails where it would have been measured, so the search "
                                "may go on otherwise than an uninterrupted one would",
                                key, shown(here, now), shown(then, stored), dir,
                                both ? "" : "if the limit is lower now, "));
  }
  return notes;
}

/// `node` (a copy) without `space` when it names a space file (a path, not a built-in
/// name): the file may move, since check_resumable compares the space's fingerprint (s26
/// second fresh-user pass, finding 12: a moved space file was refused, a moved supernet not).
YAML::Node without_space_file(const YAML::Node& root) {
  YAML::Node copy = YAML::Clone(root);
  const YAML::Node space = copy["space"];
  const YAML::Node name = space.IsMap() ? space["name"] : space;
  if (!name.IsScalar() || !space::is_space_file(name.Scalar())) return copy;
  if (space.IsMap()) {
    copy["space"].remove("name");
  } else {
    copy.remove("space");
  }
  return copy;
}

/// The value at dotted key `dotted` of `root` in flow YAML, or "absent". A training rung's
/// key that with_effective_train left out (the rung trains as accuracy.train does there) is
/// accuracy.train's value: "1 (as accuracy.train)".
std::string value_at(const YAML::Node& root, const std::string& dotted) {
  const auto find = [&](const std::string& path) {
    YAML::Node at = root;
    for (std::size_t start = 0; at.IsDefined();) {
      const std::size_t dot = path.find('.', start);
      const std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      at.reset(at.IsSequence() ? at[std::stoul(part)] : at[part]);
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    return at;
  };
  const auto flow = [](const YAML::Node& node) {
    YAML::Emitter out;
    out << YAML::Flow << node;
    return std::string(out.c_str());
  };
  if (const YAML::Node at = find(dotted); at.IsDefined()) return flow(at);
  constexpr std::string_view kRungs = "multi_fidelity.rungs.";
  if (dotted.starts_with(kRungs)) {
    const std::size_t dot = dotted.find('.', kRungs.size());
    if (dot != std::string::npos && dotted.find('.', dot + 1) == std::string::npos)
      if (const YAML::Node train = find("accuracy.train." + dotted.substr(dot + 1)); train.IsDefined())
        return flow(train) + " (as accuracy.train)";
  }
  return "absent";
}

/// Refuses to resume an experiment whose stored config differs from `config` (budget,
/// parallel.workers and every timeout_s aside; accuracy.train compared at its effective
/// values; a config without `parallel` ran batches of 1; the space file, a supernet's
/// space file and, when its digest is stored, its file may move: without_space_file,
/// without_supernet_paths).
void check_same_config(const ExperimentInfo& info, const std::string& dir, const ExperimentConfig& config,
                       const std::string& given, const space::Space& space, const ResumeContext& context) {
  const auto load = [&](const std::string& text) {
    const YAML::Node root = YAML::Load(text);
    const YAML::Node batched = root["parallel"].IsDefined() ? root : with_batch(root, 1);
    return without_timeouts(with_effective_proxy(
        with_effective_train(without_space_file(without_supernet_paths(batched, info.inputs)), config.file), space,
        config.file));
  };
  const YAML::Node stored = load(info.config_yaml);
  const YAML::Node now = load(given);
  std::vector<std::string> differing = differences(stored, now);
  // A resume that runs nothing (its budget spent) asks no step: the workers' batch is no
  // difference then (s30 fresh-user finding 2).
  if (context.runs_nothing && !config.parallel.batch) std::erase(differing, std::string("parallel.batch"));
  if (!differing.empty()) {
    const std::string* key = &differing.front();
    const auto show = [&](const YAML::Node& root) { return value_at(root, *key); };
    // The other differing keys, so that one resume says all that is to change (s29 fresh-user
    // finding 6: epochs and batch differed, batch alone was named).
    constexpr std::size_t kOthersShown = 4;
    std::string others;
    for (std::size_t i = 1; i < differing.size() && i <= kOthersShown; ++i)
      others += fmt::format("{}'{}' ({} here, {} stored)", i == 1 ? "" : ", ", differing[i], value_at(now, differing[i]),
                            value_at(stored, differing[i]));
    if (differing.size() > kOthersShown + 1) others += fmt::format(" and {} more", differing.size() - kOthersShown - 1);
    if (*key == "parallel.batch" && !config.parallel.batch)  // the batch came from the workers
      throw UserError(fmt::format("--resume: {}: parallel.batch is not given, so a step asks one candidate per worker "
                                  "({}): {} here, but the experiment stored in {} ran steps of {}, and its trials "
                                  "depend on them; add parallel.batch: {} (--set parallel.batch={}) to resume with "
                                  "these workers{}",
                                  config.file,
                                  !context.workers.empty()                  ? context.workers
                                  : config.from_set("parallel.workers") ? "parallel.workers, from --set"
                                                                            : "parallel.workers",
                                  show(now), dir, show(stored), show(stored), show(stored),
                                  others.empty() ? "" : "; also differing: " + others));
    // A key of an accuracy source or its rungs decides the accuracies themselves.
    const bool measures = key->starts_with("accuracy.") || key->starts_with("multi_fidelity.rungs.");
    throw UserError(fmt::format("--resume: {}: key '{}'{} is {} here but {} in the experiment stored in {}{}{}; "
                                "resume with the config it was started with, or start a new search with another --out",
                                config.file, *key, config.from_set(*key) ? " (from --set)" : "", show(now),
                                show(stored), dir,
                                measures ? fmt::format(": its accuracies were measured at {}, and new ones measured at "
                                                       "{} would not compare with them",
                                                       show(stored), show(now))
                                         : "",
                                others.empty() ? "" : "; also differing: " + others));
  }
}

/// Refuses to resume when a file an accuracy source reads (a supernet) is not the one the
/// experiment started with: its values would be mixed with the stored ones. It may have
/// moved (same digest, another path); `supernet: FILE` and `supernet: {file: FILE}` are
/// one input.
void check_same_inputs(const ExperimentInfo& info, const std::string& dir, const ExperimentConfig& config,
                       const std::vector<InputDigest>& now) {
  for (const InputDigest& stored : info.inputs)
    for (const InputDigest& input : now)
      if (input_source(input.key) == input_source(stored.key) && input.digest != stored.digest)
        throw UserError(fmt::format("--resume: {}: {}: '{}' is not the file the experiment in {} started with (now {}; "
                                    "then {}{}): its values would be mixed with the stored ones; put that file back, "
                                    "or start a new search with another --out",
                                    config.file, input.key, input.path, dir, input.digest, stored.digest,
                                    input.path == stored.path ? "" : ", at '" + stored.path + "'"));
}

/// Refuses a resume that would take a budget key from the file although an override gave
/// it when the experiment last ran (`--set budget.trials=15`, then `--resume` without it:
/// the file's value silently replaced the limit; s26 second pass, finding 13). `given`:
/// this run's normalised config. A budget the file gives in both runs may change.
void check_budget_overrides(const ExperimentInfo& info, const std::string& dir, const ExperimentConfig& config,
                            const std::string& given) {
  const std::set<std::string> before(info.set_keys.begin(), info.set_keys.end());
  const YAML::Node stored = YAML::Load(info.config_yaml)["budget"], now = YAML::Load(given)["budget"];
  const auto value = [](const YAML::Node& budget, const std::string& name) {
    const YAML::Node v = budget.IsMap() ? budget[name] : YAML::Node();
    return v.IsDefined() && v.IsScalar() ? v.Scalar() : std::string("absent");
  };
  for (const std::string name : {"evaluations", "trials", "seconds"}) {
    const std::string key = "budget." + name;
    if (!from_set(before, key) || config.from_set(key) || value(stored, name) == value(now, name)) continue;
    if (value(stored, name) == "absent")
      throw UserError(fmt::format("--resume: {}: {} is {} here, but the experiment in {} last ran without it (a --set "
                                  "replaced the file's budget); repeat that --set (an override is not kept with the "
                                  "experiment), or give {} with --set",
                                  config.file, key, value(now, name), dir, key));
    throw UserError(fmt::format("--resume: {}: {} is {} here, but --set gave {} when the experiment in {} last ran; "
                                "repeat --set {}={} (an override is not kept with the experiment), or give another "
                                "value with --set",
                                config.file, key, value(now, name), value(stored, name), dir, key,
                                value(stored, name)));
  }
}

}  // namespace

YAML::Node with_batch(const YAML::Node& root, std::int32_t batch) {
  YAML::Node copy = YAML::Clone(root);
  YAML::Node value(std::to_string(batch));
  value.SetTag("?");  // a plain scalar, as if read from a file: the stored config reads back as a number
  copy["parallel"]["batch"] = value;
  return copy;
}

std::vector<std::string> check_resumable(const ExperimentInfo& info, const std::string& dir,
                                         const ExperimentConfig& config, const std::string& config_yaml,
                                         const space::Space& space, const std::vector<InputDigest>& inputs,
                                         const ResumeContext& context) {
  check_same_config(info, dir, config, config_yaml, space, context);
  check_budget_overrides(info, dir, config, config_yaml);
  if (info.space_fingerprint != space::fingerprint(space)) {
    // Where the space: value differs too, both are named (its path alone may change).
    const auto flow = [](const YAML::Node& node) {
      YAML::Emitter out;
      out << YAML::Flow << node;
      return std::string(out.c_str());
    };
    const std::string then = flow(YAML::Load(info.config_yaml)["space"]), now = flow(config.space);
    throw UserError(fmt::format("--resume: {}: space '{}'{} has changed since the experiment in {} started (its genes, "
                                "or the networks they decode to, differ){}; resume with the space it was started "
                                "with, or start a new search with another --out",
                                config.file, space.name(), then == now ? "" : " (space: " + now + ")", dir,
                                then == now ? "" : "; it last ran with space: " + then));
  }
  check_same_inputs(info, dir, config, inputs);
  return timeout_notes(info.config_yaml, config_yaml, dir);
}

void check_supernets_found(const ExperimentConfig& config, const std::string& dir) {
  const ExperimentSection top(config.root, config.file, "", config.set_keys);
  std::vector<ExperimentSection> sources;  // the sections that may hold supernet:
  if (top.has("accuracy") && top.get("accuracy").IsMap()) sources.push_back(top.section("accuracy"));
  if (const YAML::Node mf = top.get("multi_fidelity"); mf && mf.IsMap() && mf["rungs"].IsSequence())
    for (std::size_t i = 0; i < mf["rungs"].size(); ++i)
      sources.emplace_back(mf["rungs"][i], config.file, fmt::format("multi_fidelity.rungs[{}]", i), config.set_keys);
  const auto check = [&](const ExperimentSection& source, const ExperimentSection& where, std::string_view key) {
    std::string path;
    try {
      path = std::filesystem::absolute(where.path(key)).lexically_normal().string();  // as the source names it
    } catch (const UserError&) {
      return;  // the accuracy source says what is wrong with it
    }
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) return;
    std::vector<InputDigest> stored;
    try {
      stored = read_experiment(dir).info.inputs;
    } catch (const UserError&) {
      return;
    }
    for (const InputDigest& input : stored) {
      if (input_source(input.key) != source.key_path("supernet")) continue;
      try {
        where.fail(key, fmt::format("no such file '{}'; the experiment in {} started with the supernet at '{}' ({}): "
                                    "if it moved, give its new path here (the stored digest checks that it is the "
                                    "same file)",
                                    path, dir, input.path, input.digest));
      } catch (const UserError& e) {
        throw UserError(std::string("--resume: ") + e.what());
      }
    }
  };
  for (const ExperimentSection& source : sources) {
    if (!source.node().IsMap() || !source.has("supernet")) continue;
    if (source.get("supernet").IsScalar()) check(source, source, "supernet");
    else if (const ExperimentSection m = source.section("supernet"); m.node().IsMap() && m.has("file"))
      check(source, m, "file");
  }
}

}  // namespace hwnas::search
