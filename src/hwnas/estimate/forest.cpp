#include "hwnas/estimate/forest.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "hwnas/graph/error.h"

namespace hwnas::estimate {
namespace {

constexpr std::uint32_t kMissingLeft = 0x80000000u;
constexpr std::size_t kLanes = 8;    // rows walked together
constexpr std::size_t kBlock = 256;  // rows per pass over the trees

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
      std::uint32_t depth = 0;
      for (std::size_t head = 0; head < queue.size(); ++head) {
        const auto [id, level] = queue[head];
        const std::uint32_t at = root + static_cast<std::uint32_t>(head);
        if (id < 0 || static_cast<std::size_t>(id) >= n || queue.size() > n) throw bad("bad child index");
        Node& node = f.nodes_[at];
        if (x.left[id] == -1) {
          // A leaf: every value, NaN included, goes "left" to itself.
          node = {std::numeric_limits<float>::infinity(), kMissingLeft, at};
          f.leaf_[at] = x.condition[id];
          continue;
        }
        if (x.feature[id] < 0) throw bad("negative split index");
        depth = std::max(depth, level + 1);
        f.features_ = std::max(f.features_, static_cast<std::size_t>(x.feature[id]) + 1);
        node = {x.condition[id], static_cast<std::uint32_t>(x.feature[id]) | (x.default_left[id] ? kMissingLeft : 0),
                root + static_cast<std::uint32_t>(queue.size())};
        queue.push_back({x.left[id], level + 1});
        queue.push_back({x.right[id], level + 1});
        f.nodes_.push_back({});
        f.nodes_.push_back({});
        f.leaf_.push_back(0);
        f.leaf_.push_back(0);
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
  const Node* nodes = nodes_.data();
  const float* leaf = leaf_.data();
  for (std::size_t begin = 0; begin < rows; begin += kBlock) {
    const std::size_t end = std::min(rows, begin + kBlock);
    std::fill(out.begin() + begin, out.begin() + end, base_score_);
    for (const Tree& tree : trees_) {
      std::size_t r = begin;
      for (; r + kLanes <= end; r += kLanes) {
        std::uint32_t at[kLanes];
        for (std::size_t l = 0; l < kLanes; ++l) at[l] = tree.root;
        for (std::uint32_t d = 0; d < tree.depth; ++d)
          for (std::size_t l = 0; l < kLanes; ++l) {
            const Node& n = nodes[at[l]];
            const float v = x[(r + l) * cols + (n.feature & ~kMissingLeft)];
            const bool left = (n.feature & kMissingLeft) ? !(v >= n.threshold) : v < n.threshold;
            at[l] = n.left + !left;
          }
        for (std::size_t l = 0; l < kLanes; ++l) out[r + l] += leaf[at[l]];
      }
      for (; r < end; ++r) {
        std::uint32_t at = tree.root;
        for (std::uint32_t d = 0; d < tree.depth; ++d) {
          const Node& n = nodes[at];
          const float v = x[r * cols + (n.feature & ~kMissingLeft)];
          const bool left = (n.feature & kMissingLeft) ? !(v >= n.threshold) : v < n.threshold;
          at = n.left + !left;
        }
        out[r] += leaf[at];
      }
    }
  }
}

}  // namespace hwnas::estimate
