#include "hwnas/estimate/ubj_check.h"

#include <fmt/format.h>

#include <cstdint>
#include <cstring>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace hwnas::estimate {
namespace {

// The grammar of XGBoost 1.7's UBJReader (src/common/json.cc): values Z T F i U C I l L d D,
// strings S, objects { (L-string key, value)* }, arrays [ value* ], arrays with a count
// [ # L n value{n} ], typed arrays [ $ t # L n, t in d U l L. Lengths and counts are
// big-endian int64 after an 'L' marker.
class Walker {
 public:
  explicit Walker(std::string_view bytes) : s_(bytes) {}

  void model() {
    if (s_.empty() || s_[0] != '{') fail("it does not start with '{'");
    value(0);
    if (at_ != s_.size()) fail(fmt::format("{} bytes follow the model", s_.size() - at_));
  }

 private:
  [[noreturn]] void fail(const std::string& why) const {
    throw std::runtime_error(fmt::format("byte {}: {}", at_, why));
  }
  std::size_t left() const { return s_.size() - at_; }
  char next() {
    if (at_ >= s_.size()) fail("the model ends early");
    return s_[at_++];
  }
  char peek() const {
    if (at_ >= s_.size()) fail("the model ends early");
    return s_[at_];
  }
  void skip(std::uint64_t n) {
    if (n > left()) fail(fmt::format("a length of {} bytes runs past the end", n));
    at_ += n;
  }
  void expect(char c) {
    if (next() != c) fail(fmt::format("expected '{}'", c));
  }
  // An 'L'-marked count, at most `limit`.
  std::uint64_t count(std::uint64_t limit) {
    expect('L');
    if (left() < 8) fail("the model ends early");
    std::uint64_t n = 0;
    for (int i = 0; i < 8; ++i) n = (n << 8) | static_cast<unsigned char>(s_[at_++]);
    if (n > limit) fail(fmt::format("a count of {} is more than the {} bytes left", n, left()));
    return n;
  }
  void string() { skip(count(left())); }

  void value(int depth) {
    if (depth > 64) fail("nested more than 64 deep");
    switch (next()) {
      case 'Z': case 'T': case 'F': return;
      case 'i': case 'U': case 'C': return skip(1);
      case 'I': return skip(2);
      case 'l': case 'd': return skip(4);
      case 'L': case 'D': return skip(8);
      case 'S': return string();
      case '{':
        while (peek() != '}') {
          string();
          value(depth + 1);
        }
        ++at_;
        return;
      case '[': return array(depth);
      default: fail(fmt::format("unknown marker 0x{:02x}", static_cast<unsigned char>(s_[at_ - 1])));
    }
  }

  void array(int depth) {
    if (peek() == '$') {
      ++at_;
      const char type = next();
      const std::size_t size = type == 'U' ? 1 : type == 'd' || type == 'l' ? 4 : type == 'L' ? 8 : 0;
      if (size == 0) fail(fmt::format("typed array of unknown type 0x{:02x}", static_cast<unsigned char>(type)));
      expect('#');
      skip(count(left() / size) * size);
      return;
    }
    if (peek() == '#') {
      ++at_;
      for (std::uint64_t n = count(left()); n > 0; --n) value(depth + 1);  // each value takes a byte at least
      return;
    }
    while (peek() != ']') value(depth + 1);
    ++at_;
  }

  std::string_view s_;
  std::size_t at_ = 0;
};

// XGBoost 1.7's RegTree::LoadModel indexes a tree's nodes by its children and parents
// arrays unchecked (a parent of 2^30 in a 3-node tree crashed it): each tree's arrays must
// hold num_nodes entries, children -1 or a node, parents a node or 2147483647 (the root's).
// hwnas fits no categorical splits, so category arrays must be empty.
void check_trees(const nlohmann::json& model) {
  for (const nlohmann::json& tree : model.at("learner").at("gradient_booster").at("model").at("trees")) {
    const std::int64_t n = std::stoll(tree.at("tree_param").at("num_nodes").get<std::string>());
    for (const char* key : {"left_children", "right_children", "parents", "split_indices", "split_conditions",
                            "default_left", "base_weights", "loss_changes", "sum_hessian"})
      if (tree.at(key).size() != static_cast<std::size_t>(n))
        throw std::runtime_error(fmt::format("tree array '{}' does not hold num_nodes = {} entries", key, n));
    const auto in_range = [&](const char* key, std::int64_t none) {
      for (const nlohmann::json& v : tree.at(key)) {
        if (!v.is_number_integer()) throw std::runtime_error(fmt::format("tree array '{}' holds a non-integer", key));
        const auto i = v.get<std::int64_t>();
        if (i != none && (i < 0 || i >= n))
          throw std::runtime_error(fmt::format("tree array '{}' names node {} of {}", key, i, n));
      }
    };
    in_range("left_children", -1);
    in_range("right_children", -1);
    in_range("parents", 2147483647);
    for (const char* key : {"categories", "categories_nodes", "categories_segments", "categories_sizes"})
      if (tree.contains(key) && !tree.at(key).empty())
        throw std::runtime_error(fmt::format("tree array '{}' is not empty (categorical splits)", key));
  }
}

}  // namespace

std::optional<std::string> ubj_model_problem(std::string_view bytes) {
  try {
    Walker(bytes).model();
    check_trees(nlohmann::json::from_ubjson(bytes));
  } catch (const std::exception& e) {  // runtime_error, nlohmann's, stoll's
    return e.what();
  }
  return std::nullopt;
}

}  // namespace hwnas::estimate
