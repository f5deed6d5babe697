#include "hwnas/estimate/forest.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "hwnas/base/error.h"

namespace hwnas::estimate {
namespace {

constexpr std::size_t kLanes = 8;    // rows walked together
constexpr std::size_t kBlock = 128;  // rows per pass over the trees

struct XgbTree {
  std::vector<int> left, right, feature;
  std::vector<float> condition;
  std::vector<int> default_left;
};

UserError bad(const std::string& what) {
  return UserError(fmt::format("tree model is not an XGBoost gbtree JSON model: {}", what));
}

}  // namespace

Forest Forest::from_xgboost_json(std::string_view text) {
  Forest f;
  try {
    const nlohmann::json doc = nlohmann::json::parse(text);
    const auto& learner = doc.at("learner");
    f.base_score_ = std::stof(learner.at("learner_model_param").at("base_score").get<std::string>());
    const auto& booster = learner.at("gradient_booster");
    if (booster.at("name").get<std::string>() != "gbtree") throw bad("booster is not gbtree");
    for (const auto& t : booster.at("model").at("trees")) {
      XgbTree x{t.at("left_children").get<std::vector<int>>(), t.at("right_children").get<std::vector<int>>(),
                t.at("split_indices").get<std::vector<int>>(), t.at("split_conditions").get<std::vector<float>>(),
                t.at("default_left").get<std::vector<int>>()};
      const std::size_t n = x.left.size();
      if (n == 0 || x.right.size() != n || x.feature.size() != n || x.condition.size() != n ||
          x.default_left.size() != n)
        throw bad("tree arrays of different lengths");
      // Breadth-first, siblings adjacent; (xgboost node, depth) per queue entry.
      const std::uint32_t root = static_cast<std::uint32_t>(f.nodes_.size());
      std::vector<std::pair<int, std::uint32_t>> queue = {{0, 0}};
      f.nodes_.push_back({});
      f.leaf_.push_back(0);
      f.missing_left_.push_back(1);
      std::uint32_t depth = 0;
      for (std::size_t head = 0; head < queue.size(); ++head) {
        const auto [id, level] = queue[head];
        const std::uint32_t at = root + static_cast<std::uint32_t>(head);
        if (id < 0 || static_cast<std::size_t>(id) >= n || queue.size() > n) throw bad("bad child index");
        if (n > 65534 || x.feature[id] > 65535) throw bad("a tree of more than 65534 nodes or 65536 features");
        Node& node = f.nodes_[at];
        if (x.left[id] == -1) {
          // A leaf: every value, NaN included, goes "left" to itself.
          node = {std::numeric_limits<float>::infinity(), 0, static_cast<std::uint16_t>(at - root)};
          f.leaf_[at] = x.condition[id];
          continue;
        }
        if (x.feature[id] < 0) throw bad("negative split index");
        depth = std::max(depth, level + 1);
        f.features_ = std::max(f.features_, static_cast<std::size_t>(x.feature[id]) + 1);
        node = {x.condition[id], static_cast<std::uint16_t>(x.feature[id]), static_cast<std::uint16_t>(queue.size())};
        f.missing_left_[at] = x.default_left[id] != 0;
        queue.push_back({x.left[id], level + 1});
        queue.push_back({x.right[id], level + 1});
        f.nodes_.insert(f.nodes_.end(), 2, Node{});
        f.leaf_.insert(f.leaf_.end(), 2, 0.0f);
        f.missing_left_.insert(f.missing_left_.end(), 2, 1);
      }
      f.trees_.push_back({root, depth});
    }
  } catch (const nlohmann::json::exception& e) {
    throw bad(e.what());
  } catch (const std::logic_error& e) {  // std::stof
    throw bad(e.what());
  }
  return f;
}

void Forest::predict(std::span<const float> x, std::size_t cols, std::span<float> out) const {
  const std::size_t rows = cols == 0 ? 0 : x.size() / cols;
  HWNAS_CHECK(out.size() == rows && (rows == 0 || cols >= features_));
  // Rows with a missing value walk one by one, sending NaN where XGBoost does.
  const auto walk_with_missing = [&](const Tree& tree, const float* row) {
    const Node* base = nodes_.data() + tree.root;
    std::uint32_t at = 0;
    for (std::uint32_t d = 0; d < tree.depth; ++d) {
      const Node& n = base[at];
      const float v = row[n.feature];
      at = n.left + !(std::isnan(v) ? missing_left_[tree.root + at] != 0 : v < n.threshold);
    }
    return leaf_[tree.root + at];
  };
  std::vector<std::size_t> plain, missing;  // rows of a block without and with NaN
  std::vector<float> transposed;            // groups of kLanes plain rows: [group][feature][lane]
  for (std::size_t begin = 0; begin < rows; begin += kBlock) {
    const std::size_t end = std::min(rows, begin + kBlock);
    plain.clear();
    missing.clear();
    for (std::size_t r = begin; r < end; ++r) {
      const float* row = x.data() + r * cols;
      (std::any_of(row, row + cols, [](float v) { return std::isnan(v); }) ? missing : plain).push_back(r);
      out[r] = base_score_;
    }
    const std::size_t groups = plain.size() / kLanes;
    transposed.resize(groups * cols * kLanes);
    for (std::size_t g = 0; g < groups; ++g)
      for (std::size_t l = 0; l < kLanes; ++l) {
        const float* row = x.data() + plain[g * kLanes + l] * cols;
        for (std::size_t c = 0; c < cols; ++c) transposed[(g * cols + c) * kLanes + l] = row[c];
      }
    for (const Tree& tree : trees_) {
      const Node* base = nodes_.data() + tree.root;
      const float* leaf = leaf_.data() + tree.root;
      for (std::size_t g = 0; g < groups; ++g) {
        const float* xt = transposed.data() + g * cols * kLanes;
        std::uint32_t at[kLanes] = {};
        for (std::uint32_t d = 0; d < tree.depth; ++d) {
#pragma GCC unroll 8
          for (std::size_t l = 0; l < kLanes; ++l) {
            const Node n = base[at[l]];
            at[l] = n.left + (xt[n.feature * kLanes + l] >= n.threshold);  // a leaf's +inf keeps it in place
          }
        }
#pragma GCC unroll 8
        for (std::size_t l = 0; l < kLanes; ++l) out[plain[g * kLanes + l]] += leaf[at[l]];
      }
      for (std::size_t i = groups * kLanes; i < plain.size(); ++i)
        out[plain[i]] += walk_with_missing(tree, x.data() + plain[i] * cols);
      for (std::size_t r : missing) out[r] += walk_with_missing(tree, x.data() + r * cols);
    }
  }
}

}  // namespace hwnas::estimate
