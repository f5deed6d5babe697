// Reading JSON the user hands hwnas (estimator files, an external target's answers) strictly:
// the whole text must be one JSON value, no object may hold a key twice (at any depth: the
// parser would keep the last silently), and each object is read through JsonFields, which
// refuses unknown keys and range-checks every number before narrowing it.
//
// Every error is a one-line UserError "WHAT: ..." (WHAT: the file's path or a description
// of the text); nlohmann's exception text never reaches the user.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "hwnas/base/error.h"

namespace hwnas {

/// The deepest nesting of objects and arrays hwnas reads; no file or answer of its own
/// comes near (an estimator file: 6 levels).
inline constexpr std::size_t kMaxJsonDepth = 256;

/// Parses `text` as one JSON value, in one pass. Throws UserError "WHAT: not valid JSON (at
/// byte N)" for a syntax error or trailing text, "WHAT: key 'a.b' appears twice in one
/// object" for a duplicate key (named by its path from the top), and "WHAT: not valid JSON
/// here: objects and arrays nested deeper than 256 levels" as soon as the nesting passes
/// kMaxJsonDepth (nlohmann's tree recurses when destroyed: 100,000 levels overflowed the
/// stack, a fresh-user finding).
nlohmann::json parse_json_strict(std::string_view text, std::string_view what);

/// parse_json_strict, except that a syntax error, trailing text or a number out of range
/// gives nullopt (the other errors still throw): for callers that word that error
/// themselves (an external device's answer).
std::optional<nlohmann::json> try_parse_json_strict(std::string_view text, std::string_view what);

/// One JSON object read key by key. `path` is the object's key path from the top ("" for
/// the top, "train" for {"train": {...}}); errors read "FILE: key 'PATH.KEY' ...; FIX".
class JsonFields {
 public:
  /// Throws UserError when `obj` is not an object.
  JsonFields(const nlohmann::json& obj, std::string path, std::string file, std::string fix);

  /// Throws "FILE: key 'P.K' is unknown (allowed: ...); FIX" for a key not in `allowed`.
  void only(std::initializer_list<std::string_view> allowed) const;
  bool has(std::string_view key) const { return obj_.contains(key); }
  /// The whole object.
  const nlohmann::json& at_self() const { return obj_; }
  /// The value; throws "FILE: key 'P.K' is missing; FIX".
  const nlohmann::json& at(std::string_view key) const;
  /// The object at `key` (missing or not an object: UserError).
  JsonFields object(std::string_view key) const;
  std::string string(std::string_view key) const;
  bool boolean(std::string_view key) const;
  /// A finite number (integer or not).
  double number(std::string_view key) const;
  /// An integer in [lo, hi]; "is N, too large (at most HI)" / "too small (at least LO)".
  std::int64_t integer(std::string_view key, std::int64_t lo, std::int64_t hi) const;
  /// An unsigned integer up to 2^64 - 1 (e.g. a seed).
  std::uint64_t unsigned_integer(std::string_view key) const;

  /// "FILE: key 'P.K' WHY; FIX" as a UserError, for checks of the caller's own.
  [[nodiscard]] UserError error(std::string_view key, std::string_view why) const;
  std::string key_path(std::string_view key) const;

 private:
  const nlohmann::json& obj_;
  std::string path_, file_, fix_;
};

}  // namespace hwnas
