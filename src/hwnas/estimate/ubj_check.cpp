#include "hwnas/estimate/ubj_check.h"

#include <fmt/format.h>

#include <cstdint>
#include <cstring>
#include <stdexcept>

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

}  // namespace

std::optional<std::string> ubj_model_problem(std::string_view bytes) {
  try {
    Walker(bytes).model();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return std::nullopt;
}

}  // namespace hwnas::estimate
