// A tree ensemble compiled for fast batched prediction.
//
// XGBoost's predictor walks each tree with branches and per-row bookkeeping; a search
// asks for millions of predictions of a few hundred trees. The forest re-lays each tree
// out breadth-first with siblings adjacent (right child = left child + 1) and makes leaves
// point to themselves, so every row walks exactly `depth` steps of branch-free code, and
// eight rows walk together (independent loads the CPU overlaps), their features transposed
// so that one base address serves all eight. Trees are the outer loop over a block of rows,
// so one tree stays in L1 while the block passes through it.
//
// Predictions equal XGBoost's up to float summation order (tests/estimate/forest_test.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace hwnas::estimate {

class Forest {
 public:
  /// Compiles a gbtree model in XGBoost's JSON format (XGBoosterSaveModelToBuffer with
  /// {"format": "json"}). Throws UserError when the text is not such a model.
  static Forest from_xgboost_json(std::string_view json);

  /// One prediction per row of `x` (row-major, rows × cols) into `out`.
  void predict(std::span<const float> x, std::size_t cols, std::span<float> out) const;

  std::size_t trees() const { return trees_.size(); }
  std::size_t nodes() const { return nodes_.size(); }
  /// Features the model reads: rows must have at least this many columns.
  std::size_t features() const { return features_; }

 private:
  // 8 bytes, read with one load: the walk is bound by loads.
  struct Node {
    float threshold;        // go left when x[feature] < threshold; a leaf's is +inf
    std::uint16_t feature;
    std::uint16_t left;     // from the tree's root; right = left + 1; a leaf's left is itself
  };
  struct Tree {
    std::uint32_t root;
    std::uint32_t depth;
  };

  std::vector<Node> nodes_;
  std::vector<float> leaf_;             // value of each node when it is a leaf, else 0
  std::vector<std::uint8_t> missing_left_;  // where a NaN goes (rows with NaN take a slower path)
  std::vector<Tree> trees_;
  float base_score_ = 0;
  std::size_t features_ = 0;
};

}  // namespace hwnas::estimate
