#include "hwnas/estimate/estimator.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>

#include "hwnas/estimate/base64.h"
#include "hwnas/estimate/features.h"
#include "hwnas/base/error.h"
#include "hwnas/base/file_io.h"
#include "hwnas/base/json_input.h"
#include "hwnas/base/csv.h"

namespace hwnas::estimate {

Estimator::Estimator(std::string target_name, std::string target_identity, graph::Precision precision,
                     hw::FusionRules rules, bool rules_detected, Lanes lanes)
    : target_name_(std::move(target_name)), target_identity_(std::move(target_identity)),
      precision_(precision), rules_(std::move(rules)), rules_detected_(rules_detected), lanes_(lanes) {}

std::vector<float> TypeModel::predict(std::span<const float> x) const {
  const std::size_t cols = model_feature_names().size();
  std::vector<float> y = model.predict(x, cols);
  for (std::size_t i = 0; i < y.size(); ++i) y[i] += static_cast<float>(prior.predict(x.subspan(i * cols, cols)));
  return y;
}

std::vector<std::string> Estimator::types() const {
  std::vector<std::string> out;
  for (const auto& [type, m] : models_) out.push_back(type);
  return out;
}

void Estimator::save(const std::string& path) const {
  nlohmann::ordered_json models = nlohmann::ordered_json::object();
  for (const auto& [type, m] : models_)
    models[type] = {{"samples", m.samples}, {"roofline", m.prior.to_json()},
                    {"model_ubj_base64", base64_encode(m.model.save())}};
  std::vector<std::string> patterns;
  for (hw::FusionPattern p : rules_.patterns) patterns.emplace_back(hw::fusion_name(p));
  const nlohmann::ordered_json doc = {
      {"format", "hwnas-estimator"},
      {"version", kEstimatorVersion},
      {"target", {{"name", target_name_}, {"identity", target_identity_},
                  {"precision", graph::precision_name(precision_)}}},
      {"fusion", {{"patterns", patterns}, {"detected", rules_detected_}}},
      {"lanes", lanes_json(lanes_)},
      {"batches", batches_},
      {"feature_version", kFeatureVersion},
      {"model_features", model_feature_names()},
      {"metrics", metrics_},
      {"models", models}};
  write_file_atomically(path, doc.dump(1) + "\n", "estimator file");
}

nlohmann::json read_estimator_json(const std::string& path) {
  return parse_estimator_json(read_text_file(path, "estimator file"), path);
}

nlohmann::json parse_estimator_json(std::string_view text, const std::string& path) {
  if (!nlohmann::json::accept(text))  // the whole text: trailing garbage is an error
    throw UserError(fmt::format("{}: not an hwnas estimator file (not JSON); create one with 'hwnas fit'", path));
  return parse_json_strict(text, path);  // refuses duplicate keys
}

Estimator Estimator::load(const std::string& path) { return from_json(read_estimator_json(path), path); }

Estimator Estimator::from_json(const nlohmann::json& doc, const std::string& path) {
  auto bad = [&](const std::string& what) {
    return UserError(fmt::format("{}: not a valid hwnas estimator file: {}; create one with 'hwnas fit'", path, what));
  };
  // Compared as JSON values (null when missing): value(key, default) throws type_error when
  // the key holds another type.
  const auto field = [&](const char* key) { return doc.contains(key) ? doc[key] : nlohmann::json(); };
  if (field("format") != "hwnas-estimator") throw bad("'format' is not hwnas-estimator");
  if (field("version") != kEstimatorVersion)
    throw UserError(fmt::format("{}: estimator format version {} is not {}, the version this hwnas reads; "
                                "refit it with 'hwnas fit'",
                                path, field("version").dump(), kEstimatorVersion));
  if (field("feature_version") != kFeatureVersion)
    throw UserError(fmt::format("{}: estimator features version {} is not {}; refit it with 'hwnas fit'", path,
                                field("feature_version").dump(), kFeatureVersion));
  if (!doc.contains("model_features") || doc["model_features"] != nlohmann::json(model_feature_names()))
    throw UserError(fmt::format("{}: the estimator's models read other features than this hwnas computes; refit "
                                "it with 'hwnas fit'",
                                path));
  const JsonFields top(doc, "", path, "refit it with 'hwnas fit'");
  top.only({"format", "version", "target", "fusion", "lanes", "batches", "feature_version", "model_features",
            "metrics", "models"});
  const JsonFields t = top.object("target");
  t.only({"name", "identity", "precision"});
  graph::Precision precision{};
  if (!graph::parse_precision(t.string("precision"), precision)) throw t.error("precision", "is not a precision");
  const JsonFields f = top.object("fusion");
  f.only({"patterns", "detected"});
  hw::FusionRules rules;
  if (!f.at("patterns").is_array()) throw f.error("patterns", "must be a list");
  for (const auto& name : f.at("patterns")) {
    hw::FusionPattern p{};
    if (!name.is_string() || !hw::parse_fusion(name.get<std::string>(), p))
      throw f.error("patterns", "holds " + name.dump() + ", not a fusion pattern");
    rules.patterns.push_back(p);
  }
  const JsonFields l = top.object("lanes");
  l.only({"cout", "cin", "channels"});
  const auto lane = [&](const char* key) { return static_cast<std::int32_t>(l.integer(key, 0, INT32_MAX)); };
  const Lanes lanes{lane("cout"), lane("cin"), lane("channels")};
  Estimator e(t.string("name"), t.string("identity"), precision, rules, f.boolean("detected"), lanes);
  if (top.has("metrics")) e.metrics_ = top.object("metrics").at_self();
  if (top.has("batches")) {
    const auto& batches = top.at("batches");
    const auto is_batch = [](const nlohmann::json& b) {
      return b.is_number_integer() && b.get<std::int64_t>() >= 1 && b.get<std::int64_t>() <= 4096;
    };
    if (!batches.is_array() || batches.empty() || !std::ranges::all_of(batches, is_batch))
      throw bad("'batches' is not a list of batch sizes from 1 to 4096");
    e.batches_ = batches.get<std::vector<std::int32_t>>();
    if (!std::ranges::is_sorted(e.batches_) || std::ranges::adjacent_find(e.batches_) != e.batches_.end())
      throw bad("'batches' is not sorted and distinct");
  }
  const JsonFields models = top.object("models");
  for (const auto& [type, json] : models.at_self().items()) {
    const JsonFields m = models.object(type);
    m.only({"samples", "roofline", "model_ubj_base64"});
    const JsonFields r = m.object("roofline");
    r.only({"k", "c", "offset"});
    const std::string key = "'" + m.key_path("model_ubj_base64") + "'";
    const auto bytes = base64_decode(m.string("model_ubj_base64"));
    if (!bytes) throw bad(key + " is not base64");
    try {
      e.models_.insert_or_assign(type, TypeModel{XgbRegressor::load(*bytes, model_feature_names().size()),
                                                 m.integer("samples", 0, INT64_MAX),
                                                 Roofline{r.number("k"), r.number("c"), r.number("offset")}});
    } catch (const UserError& err) {
      throw bad(key + ": " + err.what());
    }
  }
  return e;
}

std::vector<double> Estimator::predict(std::span<const hw::Kernel> kernels) const {
  std::vector<double> out(kernels.size(), 0);
  // Batch the uncached kernels by type.
  std::map<std::string, std::vector<std::size_t>> pending;
  std::vector<std::uint64_t> keys(kernels.size());
  for (std::size_t i = 0; i < kernels.size(); ++i) {
    keys[i] = hw::kernel_hash(kernels[i]);
    if (const auto it = cache_.find(keys[i]); it != cache_.end()) out[i] = it->second;
    else pending[kernel_type(kernels[i])].push_back(i);
  }
  const std::size_t cols = model_feature_names().size();
  for (const auto& [type, rows] : pending) {
    const auto model = models_.find(type);
    if (model == models_.end())
      throw UserError(fmt::format("estimator for '{}' has no model for {} kernels (e.g. {}); refit with "
                                  "measurements of such kernels",
                                  target_name_, type, hw::kernel_key(kernels[rows.front()])));
    std::vector<float> x;
    x.reserve(rows.size() * cols);
    for (std::size_t i : rows) append_model_features(kernels[i], lanes_, x);
    const std::vector<float> y = model->second.predict(x);
    for (std::size_t k = 0; k < rows.size(); ++k) {
      out[rows[k]] = std::exp(double(y[k]));
      if (!(out[rows[k]] <= kMaxLatencyMs * 1e-3))  // also NaN: a model blob edited by hand
        throw UserError(fmt::format("estimator for '{}' predicts {:.3g} s for a {} kernel ({}), more than the "
                                    "largest latency hwnas accepts (1e4 s); its model is corrupt; refit it with "
                                    "'hwnas fit'",
                                    target_name_, out[rows[k]], type, hw::kernel_key(kernels[rows[k]])));
      cache_.emplace(keys[rows[k]], out[rows[k]]);
    }
  }
  return out;
}

void Estimator::check_batch(std::int32_t batch) const {
  if (std::ranges::find(batches_, batch) != batches_.end()) return;
  const std::string fitted = fmt::format("{}", fmt::join(batches_, ","));
  throw UserError(fmt::format("batch {}: the estimator for '{}' was fitted for batch sizes {} only, and its "
                              "estimates do not extrapolate to others; fit one with 'hwnas fit ... --batch {},{}'",
                              batch, target_name_, fitted, fitted, batch));
}

double Estimator::latency_s(const graph::Graph& graph, std::int32_t batch) const {
  check_batch(batch);
  const KernelGroups groups = group_kernels(graph, rules_);
  double total = 0;
  bool missed = false;
  for (std::size_t i = 0; i < groups.size() && !missed; ++i) {
    const auto it = cache_.find(hw::kernel_hash(graph, groups.group(i), precision_, batch));
    if (it == cache_.end()) missed = true;
    else total += it->second;
  }
  if (!missed) return total;
  // Some kernel is not cached: form the kernels and predict the missing ones in batches.
  total = 0;
  const std::vector<KernelInstance> instances = decompose(graph, rules_, precision_, batch);
  std::vector<hw::Kernel> kernels;
  kernels.reserve(instances.size());
  for (const KernelInstance& k : instances) kernels.push_back(k.kernel);
  for (double v : predict(kernels)) total += v;
  return total;
}

NetworkEstimate Estimator::estimate(const graph::Graph& graph, std::int32_t batch) const {
  check_batch(batch);
  const std::vector<KernelInstance> instances = decompose(graph, rules_, precision_, batch);
  std::vector<hw::Kernel> kernels;
  kernels.reserve(instances.size());
  for (const KernelInstance& k : instances) kernels.push_back(k.kernel);
  const std::vector<double> latency = predict(kernels);
  NetworkEstimate out;
  for (std::size_t i = 0; i < instances.size(); ++i) {
    out.latency_s += latency[i];
    out.layers.push_back({instances[i].nodes, latency[i]});
  }
  const graph::Analysis a = graph::analyze(graph, precision_, batch);
  out.params = a.total.params;
  out.weight_bytes = a.total.weight_bytes;
  out.peak_activation_bytes = a.peak_activation_bytes;
  return out;
}

}  // namespace hwnas::estimate
