// A learnt latency estimator for one target: one regressor per kernel type, the target's
// fusion rules (stated or detected), and the target's identity.
//
// File format (docs/estimator.md): JSON {"format": "hwnas-estimator", "version", "target":
// {"name", "identity", "precision"}, "fusion": {"patterns", "detected"}, "lanes": {"cout",
// "cin", "channels"}, "batches" (the batch sizes fitted for; [1] when absent: files
// written before fits took batch sizes were fitted at batch 1), "feature_version", "model_features",
// "metrics", "models": {TYPE: {"samples", "roofline", "model_ubj_base64"}}}.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "hwnas/estimate/decompose.h"
#include "hwnas/estimate/features.h"
#include "hwnas/estimate/roofline.h"
#include "hwnas/estimate/xgb_regressor.h"
#include "hwnas/graph/analysis.h"
#include "hwnas/hw/fusion.h"

namespace hwnas::estimate {

inline constexpr int kEstimatorVersion = 2;

struct TypeModel {
  XgbRegressor model;  // predicts ln(latency in seconds) − prior
  std::int64_t samples = 0;
  Roofline prior;
  /// ln latency of each model-feature row.
  std::vector<float> predict(std::span<const float> x) const;
};

struct LayerEstimate {
  std::vector<graph::NodeId> nodes;
  double latency_s = 0;
};

struct NetworkEstimate {
  double latency_s = 0;
  std::vector<LayerEstimate> layers;
  std::int64_t params = 0;
  std::int64_t weight_bytes = 0;
  std::int64_t peak_activation_bytes = 0;
};

/// The JSON of an estimator file, kernel or table (table_model.h); throws UserError naming
/// the file when it cannot be read or is not JSON.
nlohmann::json read_estimator_json(const std::string& path);
/// The same from the file's text already in memory; `path` names it in errors.
nlohmann::json parse_estimator_json(std::string_view text, const std::string& path);

class Estimator {
 public:
  Estimator() = default;
  Estimator(std::string target_name, std::string target_identity, graph::Precision precision,
            hw::FusionRules rules, bool rules_detected, Lanes lanes = {});

  /// Loads an estimator file; throws UserError naming the file when it is corrupt or of
  /// another format version.
  static Estimator load(const std::string& path);
  /// The same from a file's JSON already read (read_estimator_json); `path` names it in errors.
  static Estimator from_json(const nlohmann::json& doc, const std::string& path);
  /// Writes the estimator atomically.
  void save(const std::string& path) const;

  void set_model(const std::string& type, TypeModel model) { models_.insert_or_assign(type, std::move(model)); }
  bool has_model(const std::string& type) const { return models_.contains(type); }
  nlohmann::json& metrics() { return metrics_; }
  const nlohmann::json& metrics() const { return metrics_; }

  /// The batch sizes the estimator was fitted for (sorted, distinct): estimate() and
  /// latency_s() refuse others, since the trees cannot extrapolate batch.
  const std::vector<std::int32_t>& batches() const { return batches_; }
  void set_batches(std::vector<std::int32_t> batches) { batches_ = std::move(batches); }

  /// Latency in seconds of each kernel, predicted in batches per type and cached by kernel
  /// key. Throws UserError for a kernel type the estimator has no model for.
  std::vector<double> predict(std::span<const hw::Kernel> kernels) const;
  /// Decomposes with the estimator's fusion rules, predicts every kernel and sums; memory
  /// comes exactly from the graph analysis at the target's precision. Throws UserError for
  /// a batch size not among batches(), naming them and the fit flag that adds one.
  NetworkEstimate estimate(const graph::Graph& graph, std::int32_t batch = 1) const;
  /// Just the latency: what a search asks millions of times.
  double latency_s(const graph::Graph& graph, std::int32_t batch = 1) const;

  const std::string& target_name() const { return target_name_; }
  const std::string& target_identity() const { return target_identity_; }
  graph::Precision precision() const { return precision_; }
  const hw::FusionRules& fusion_rules() const { return rules_; }
  bool fusion_detected() const { return rules_detected_; }
  const Lanes& lanes() const { return lanes_; }
  std::vector<std::string> types() const;
  void clear_cache() const { cache_.clear(); }

 private:
  void check_batch(std::int32_t batch) const;

  std::string target_name_, target_identity_;
  graph::Precision precision_ = graph::Precision::int8;
  hw::FusionRules rules_;
  bool rules_detected_ = false;
  Lanes lanes_;
  std::vector<std::int32_t> batches_ = {1};
  std::map<std::string, TypeModel> models_;
  nlohmann::json metrics_ = nlohmann::json::object();
  mutable std::unordered_map<std::uint64_t, double> cache_;  // by kernel_hash
};

}  // namespace hwnas::estimate
