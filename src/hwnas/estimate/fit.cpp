#include "hwnas/estimate/fit.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <random>
#include <set>

#include "hwnas/estimate/detect_fusion.h"
#include "hwnas/estimate/detect_lanes.h"
#include "hwnas/estimate/features.h"
#include "hwnas/estimate/kernel_sampler.h"
#include "hwnas/estimate/profile.h"
#include "hwnas/base/error.h"

namespace hwnas::estimate {
namespace {

struct Dataset {
  std::vector<float> x, y;  // y: log(latency_s)
  std::vector<std::int32_t> batch;
  std::size_t rows() const { return y.size(); }
};

// The column of feature_vector that holds the batch size.
std::size_t batch_column() {
  static const std::size_t at = static_cast<std::size_t>(
      std::ranges::find(feature_names(), std::string("batch")) - feature_names().begin());
  return at;
}

std::map<std::string, Dataset> load_datasets(const hw::MeasurementStore& store, const std::string& identity,
                                             const Lanes& lanes) {
  std::map<std::string, Dataset> data;
  const std::size_t cols = feature_names().size();
  for (const hw::StoredMeasurement& row : store.all(identity)) {
    const nlohmann::json& f = row.features;
    if (!f.is_object() || f.value("version", -1) != kFeatureVersion || !f.contains("x")) continue;
    const auto x = f["x"].get<std::vector<float>>();
    if (x.size() != cols || row.measurement.latency_s <= 0) continue;
    Dataset& d = data[f["type"].get<std::string>()];
    append_model_features(x, lanes, d.x);
    d.batch.push_back(static_cast<std::int32_t>(x[batch_column()]));
    d.y.push_back(static_cast<float>(std::log(row.measurement.latency_s)));
  }
  return data;
}

XgbParams params_for(const XgbParams& base, std::size_t rows) {
  XgbParams p = base;
  if (rows < 200) p.max_depth = std::min(p.max_depth, 5);  // small types: shallower trees
  return p;
}

// A roofline prior and trees on its residuals.
TypeModel train_type(std::span<const float> x, std::span<const float> y, const XgbParams& p) {
  const std::size_t cols = model_feature_names().size();
  const Roofline prior = Roofline::fit(x, y);
  std::vector<float> residual(y.begin(), y.end());
  for (std::size_t i = 0; i < y.size(); ++i) residual[i] -= static_cast<float>(prior.predict(x.subspan(i * cols, cols)));
  return TypeModel{XgbRegressor::train(x, cols, residual, p), static_cast<std::int64_t>(y.size()), prior};
}

struct CrossValidation {
  std::vector<TypeModel> fold_models;
  std::vector<float> out_of_fold;  // NaN where a row was never held out
};

CrossValidation cross_validate(const Dataset& d, int folds, const XgbParams& base, std::uint64_t seed) {
  const std::size_t cols = model_feature_names().size(), n = d.rows();
  CrossValidation cv;
  cv.out_of_fold.assign(n, std::numeric_limits<float>::quiet_NaN());
  if (n < static_cast<std::size_t>(2 * folds)) return cv;
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), std::mt19937_64(seed));
  for (int k = 0; k < folds; ++k) {
    std::vector<float> xt, yt, xv;
    std::vector<std::size_t> held;
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t r = order[i];
      const auto row = std::span(d.x).subspan(r * cols, cols);
      if (static_cast<int>(i % folds) == k) {
        xv.insert(xv.end(), row.begin(), row.end());
        held.push_back(r);
      } else {
        xt.insert(xt.end(), row.begin(), row.end());
        yt.push_back(d.y[r]);
      }
    }
    cv.fold_models.push_back(train_type(xt, yt, params_for(base, n)));
    const std::vector<float> p = cv.fold_models.back().predict(xv);
    for (std::size_t i = 0; i < held.size(); ++i) cv.out_of_fold[held[i]] = p[i];
  }
  return cv;
}

struct Errors {
  std::int64_t n = 0, within_10 = 0, within_5 = 0;
  std::vector<double> ape;
  void add(double log_pred, double log_true) {
    const double e = std::fabs(std::exp(log_pred - log_true) - 1);
    ++n;
    within_10 += e <= 0.10;
    within_5 += e <= 0.05;
    ape.push_back(e);
  }
  nlohmann::json json() {
    std::sort(ape.begin(), ape.end());
    return {{"kernels", n},
            {"within_10pct", n ? double(within_10) / n : 0.0},
            {"within_5pct", n ? double(within_5) / n : 0.0},
            {"median_abs_pct_error", ape.empty() ? 0.0 : 100 * ape[ape.size() / 2]}};
  }
};

class Fitter {
 public:
  Fitter(hw::Target& t, hw::MeasurementStore& s, const FitOptions& o, const FitProgress& p)
      : target_(t), store_(s), options_(o), progress_(p) {}

  Estimator run() {
    hw::FusionRules rules;
    bool detected = false;
    nlohmann::json evidence;
    if (const auto stated = target_.fusion_rules()) {
      rules = *stated;
    } else {
      report("detecting fusion", 0, 1);
      FusionDetection d = detect_fusion(target_);
      rules = d.rules;
      evidence = std::move(d.evidence);
      detected = true;
      report("detecting fusion", 1, 1);
    }
    report("detecting lanes", 0, 1);
    const LaneDetection lanes = detect_lanes(target_, store_);
    lanes_ = lanes.lanes;
    report("detecting lanes", 1, 1);
    sampler_ = std::make_unique<KernelSampler>(rules, target_.precision(), options_.seed, options_.batches);
    cover(kernel_types(rules));
    const std::int64_t have = static_cast<std::int64_t>(store_.count(target_.identity()));
    measure_new(sampler_->next_batch(std::max<std::int64_t>(0, options_.budget / 2 - have)), "initial design");

    nlohmann::json rounds = nlohmann::json::array();
    nlohmann::json cv_metrics;
    for (int round = 0;; ++round) {
      datasets_ = load_datasets(store_, target_.identity(), lanes_);
      cv_metrics = cross_validate_all(round);
      rounds.push_back({{"round", round}, {"measured", store_.count(target_.identity())}, {"cv", cv_metrics["overall"]}});
      const std::int64_t left = options_.budget - static_cast<std::int64_t>(store_.count(target_.identity()));
      if (round >= options_.rounds || left <= 0 ||
          cv_metrics["overall"]["within_5pct"].get<double>() >= options_.target_within_5pct)
        break;
      // Spread what is left of the budget over the rounds that are left.
      const std::int64_t batch = std::max<std::int64_t>(1, left / (options_.rounds - round));
      measure_new(most_uncertain(batch, round), fmt::format("adaptive round {}", round + 1));
    }

    Estimator e(target_.name(), target_.identity(), target_.precision(), rules, detected, lanes_);
    e.set_batches(options_.batches);
    std::int64_t done = 0;
    for (const auto& [type, d] : datasets_) {
      report("training", done++, static_cast<std::int64_t>(datasets_.size()));
      e.set_model(type, train_type(d.x, d.y, params_for(options_.xgb, d.rows())));
    }
    report("training", done, done);
    e.metrics() = {{"cross_validation", cv_metrics},
                   {"rounds", rounds},
                   {"measurements", store_.count(target_.identity())},
                   {"budget", options_.budget},
                   {"batches", options_.batches},
                   {"fusion_evidence", evidence},
                   {"lane_evidence", lanes.evidence}};
    return e;
  }

 private:
  void report(const std::string& stage, std::int64_t done, std::int64_t total) {
    if (progress_) progress_(stage, done, total);
  }

  void measure_new(const std::vector<hw::Kernel>& kernels, const std::string& stage) {
    std::int64_t done = 0;
    for (const hw::Kernel& k : kernels) {
      report(stage, done++, static_cast<std::int64_t>(kernels.size()));
      try {
        measure_once(target_, store_, k);
      } catch (const hw::UnsupportedKernel&) {
      }
    }
    report(stage, done, done);
  }

  // Draws sampled kernels until every (type, batch) bucket has kMinPerType of them measured
  // (now, or before: a refit with the same seed measures nothing again), or the target has
  // refused that many of a bucket. The store's other rows do not count: the lane sweeps
  // are conv and activation kernels of one shape family.
  void cover(const std::vector<std::string>& types) {
    std::map<std::pair<std::string, std::int32_t>, std::int64_t> short_of, refused;
    for (const std::string& t : types)
      for (std::int32_t b : options_.batches) short_of[{t, b}] = kMinPerType;
    const std::int64_t total = kMinPerType * static_cast<std::int64_t>(short_of.size());
    std::int64_t left = total;
    std::set<std::uint64_t> counted;  // the sampler repeats small kernels: count each once
    // A bucket's kernels are a few in a hundred of the sampler's: draws are cheap, measurements are not.
    const std::int64_t max_draws = 100 * total;
    for (std::int64_t draw = 0; left > 0 && draw < max_draws; ++draw) {
      const hw::Kernel k = sampler_->next();
      const auto it = short_of.find({kernel_type(k), k.batch});
      if (it == short_of.end() || it->second == 0 || !counted.insert(hw::kernel_hash(k)).second) continue;
      try {
        measure_once(target_, store_, k);
        --it->second;
        report("covering every kernel type", total - --left, total);
      } catch (const hw::UnsupportedKernel&) {
        if (++refused[it->first] < kMinPerType) continue;
        left -= it->second;  // the target cannot run this kind of kernel
        it->second = 0;
      }
    }
    report("covering every kernel type", total, total);
  }

  nlohmann::json cross_validate_all(int round) {
    committee_.clear();
    Errors overall;
    std::map<std::int32_t, Errors> per_batch;
    nlohmann::json per_type = nlohmann::json::object();
    std::int64_t done = 0;
    for (const auto& [type, d] : datasets_) {
      report(fmt::format("cross-validating (round {})", round), done++, static_cast<std::int64_t>(datasets_.size()));
      CrossValidation cv = cross_validate(d, options_.folds, options_.xgb, options_.seed + round);
      Errors e;
      for (std::size_t i = 0; i < d.rows(); ++i)
        if (!std::isnan(cv.out_of_fold[i])) {
          e.add(cv.out_of_fold[i], d.y[i]);
          overall.add(cv.out_of_fold[i], d.y[i]);
          per_batch[d.batch[i]].add(cv.out_of_fold[i], d.y[i]);
        }
      per_type[type] = e.json();
      per_type[type]["samples"] = d.rows();
      committee_[type] = std::move(cv.fold_models);
    }
    nlohmann::json batches = nlohmann::json::object();
    for (std::int32_t b : options_.batches) batches[std::to_string(b)] = per_batch[b].json();
    return {{"overall", overall.json()}, {"types", per_type}, {"batches", batches}};
  }

  // The candidates the fold models disagree on most; unknown types first.
  std::vector<hw::Kernel> most_uncertain(std::int64_t count, int round) {
    KernelSampler candidates(*sampler_);
    candidates.reseed(options_.seed * 7919 + static_cast<std::uint64_t>(round) + 1);
    const std::int64_t size = std::max<std::int64_t>(count * 8, 64);
    std::vector<hw::Kernel> pool = candidates.next_batch(size);
    candidates.set_wide(true);  // and as many from the corners of the space
    for (hw::Kernel& k : candidates.next_batch(size)) pool.push_back(std::move(k));
    std::map<std::string, std::vector<std::size_t>> by_type;
    for (std::size_t i = 0; i < pool.size(); ++i) by_type[kernel_type(pool[i])].push_back(i);
    std::vector<double> score(pool.size(), std::numeric_limits<double>::infinity());
    for (const auto& [type, rows] : by_type) {
      const auto it = committee_.find(type);
      if (it == committee_.end() || it->second.size() < 2) continue;
      std::vector<float> x;
      for (std::size_t i : rows) append_model_features(pool[i], lanes_, x);
      std::vector<std::vector<float>> preds;
      for (const TypeModel& m : it->second) preds.push_back(m.predict(x));
      for (std::size_t k = 0; k < rows.size(); ++k) {
        double mean = 0, var = 0;
        for (const auto& p : preds) mean += p[k];
        mean /= double(preds.size());
        for (const auto& p : preds) var += (p[k] - mean) * (p[k] - mean);
        score[rows[k]] = var;
      }
    }
    std::vector<std::size_t> order(pool.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return score[a] > score[b]; });
    std::vector<hw::Kernel> out;
    for (std::size_t i = 0; i < order.size() && static_cast<std::int64_t>(out.size()) < count; ++i)
      out.push_back(pool[order[i]]);
    return out;
  }

  hw::Target& target_;
  hw::MeasurementStore& store_;
  const FitOptions& options_;
  const FitProgress& progress_;
  std::unique_ptr<KernelSampler> sampler_;
  Lanes lanes_;
  std::map<std::string, Dataset> datasets_;
  std::map<std::string, std::vector<TypeModel>> committee_;
};

}  // namespace

MinimumBudget minimum_budget(const hw::Target& target, const FitOptions& options) {
  const auto stated = target.fusion_rules();
  const hw::FusionRules all{{hw::FusionPattern::conv_bn_act, hw::FusionPattern::conv_add, hw::FusionPattern::act_pool,
                             hw::FusionPattern::se_gate}};
  const std::vector<std::string> types = kernel_types(stated ? *stated : all);
  const auto buckets = static_cast<std::int64_t>(types.size() * options.batches.size());
  MinimumBudget out;
  out.kernels = kLaneSweepKernels + kMinPerType * buckets;
  out.why = fmt::format("{} kernels to detect its lanes and {} of each of the {} kernel types its fusion forms ({}) "
                        "at each of the {} batch size(s) fitted for, to fit and cross-validate a model of each",
                        kLaneSweepKernels, kMinPerType, types.size(), fmt::join(types, ", "), options.batches.size());
  return out;
}

void check_budget(const hw::Target& target, const FitOptions& options) {
  if (const MinimumBudget m = minimum_budget(target, options); options.budget < m.kernels)
    throw UserError(fmt::format("--budget {}: {} needs at least {} kernel measurements: {}; give --budget {} or more",
                                options.budget, target.name(), m.kernels, m.why, m.kernels));
}

Estimator fit_estimator(hw::Target& target, hw::MeasurementStore& store, const FitOptions& options,
                        const FitProgress& progress) {
  HWNAS_CHECK(!options.batches.empty() && std::ranges::is_sorted(options.batches));
  check_budget(target, options);
  return Fitter(target, store, options, progress).run();
}

}  // namespace hwnas::estimate
