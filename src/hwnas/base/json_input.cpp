#include "hwnas/base/json_input.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <vector>

namespace hwnas {
namespace {

std::string type_name(const nlohmann::json& v) {
  if (v.is_number_integer()) return "an integer";
  if (v.is_number()) return "a number";
  if (v.is_string()) return "a string";
  if (v.is_boolean()) return "a boolean";
  if (v.is_null()) return "null";
  if (v.is_array()) return "a list";
  return "an object";
}

/// One pass over `text`: nlohmann's parser (iterative) with a callback that refuses nesting
/// past kMaxJsonDepth before the tree gets deeper, and a key given twice. nlohmann's
/// exceptions (syntax, trailing text, a number out of range) are the caller's.
nlohmann::json parse_checked(std::string_view text, std::string_view what) {
  struct Frame {
    bool object;
    std::set<std::string> keys;
    std::string last_key;
  };
  std::vector<Frame> stack;
  using Event = nlohmann::json::parse_event_t;
  const auto callback = [&](int depth, Event event, nlohmann::json& parsed) {
    switch (event) {
      case Event::object_start:
      case Event::array_start:
        // `depth`: the objects and arrays around this one.
        if (static_cast<std::size_t>(depth) + 1 > kMaxJsonDepth)
          throw UserError(fmt::format("{}: not valid JSON here: objects and arrays nested deeper than {} levels", what,
                                      kMaxJsonDepth));
        stack.push_back({event == Event::object_start, {}, {}});
        break;
      case Event::object_end:
      case Event::array_end: stack.pop_back(); break;
      case Event::key: {
        Frame& top = stack.back();
        top.last_key = parsed.get<std::string>();
        if (!top.keys.insert(top.last_key).second) {
          std::vector<std::string> path;
          for (const Frame& f : stack)
            if (f.object) path.push_back(f.last_key);
          throw UserError(fmt::format("{}: key '{}' appears twice in one object; keep one", what,
                                      fmt::join(path, ".")));
        }
        break;
      }
      case Event::value: break;
    }
    return true;
  };
  return nlohmann::json::parse(text, callback);  // the whole text: trailing text is an error
}

}  // namespace

nlohmann::json parse_json_strict(std::string_view text, std::string_view what) {
  try {
    return parse_checked(text, what);
  } catch (const nlohmann::json::parse_error& e) {
    throw UserError(fmt::format("{}: not valid JSON (at byte {})", what, e.byte));
  } catch (const nlohmann::json::exception&) {
    throw UserError(fmt::format("{}: not valid JSON (a number out of range)", what));
  }
}

std::optional<nlohmann::json> try_parse_json_strict(std::string_view text, std::string_view what) {
  try {
    return parse_checked(text, what);
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

JsonFields::JsonFields(const nlohmann::json& obj, std::string path, std::string file, std::string fix)
    : obj_(obj), path_(std::move(path)), file_(std::move(file)), fix_(std::move(fix)) {
  if (!obj_.is_object())
    throw UserError(fmt::format("{}: {} must be an object, got {}; {}", file_,
                                path_.empty() ? std::string("the file") : "key '" + path_ + "'", type_name(obj_), fix_));
}

std::string JsonFields::key_path(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

UserError JsonFields::error(std::string_view key, std::string_view why) const {
  return UserError(fmt::format("{}: key '{}' {}; {}", file_, key_path(key), why, fix_));
}

void JsonFields::only(std::initializer_list<std::string_view> allowed) const {
  for (const auto& [key, value] : obj_.items())
    if (std::ranges::find(allowed, std::string_view(key)) == allowed.end())
      throw error(key, fmt::format("is unknown (allowed: {})", fmt::join(allowed, ", ")));
}

const nlohmann::json& JsonFields::at(std::string_view key) const {
  const auto it = obj_.find(key);
  if (it == obj_.end()) throw error(key, "is missing");
  return *it;
}

JsonFields JsonFields::object(std::string_view key) const {
  const nlohmann::json& v = at(key);
  if (!v.is_object()) throw error(key, "must be an object, got " + type_name(v));
  return JsonFields(v, key_path(key), file_, fix_);
}

std::string JsonFields::string(std::string_view key) const {
  const nlohmann::json& v = at(key);
  if (!v.is_string()) throw error(key, "must be a string, got " + type_name(v));
  return v.get<std::string>();
}

bool JsonFields::boolean(std::string_view key) const {
  const nlohmann::json& v = at(key);
  if (!v.is_boolean()) throw error(key, "must be true or false, got " + type_name(v));
  return v.get<bool>();
}

double JsonFields::number(std::string_view key) const {
  const nlohmann::json& v = at(key);
  if (!v.is_number()) throw error(key, "must be a number, got " + type_name(v));
  const double d = v.get<double>();
  if (!std::isfinite(d)) throw error(key, "is not a finite number");
  return d;
}

std::int64_t JsonFields::integer(std::string_view key, std::int64_t lo, std::int64_t hi) const {
  const nlohmann::json& v = at(key);
  if (!v.is_number_integer()) throw error(key, "must be an integer, got " + type_name(v));
  if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(hi))
    throw error(key, fmt::format("is {}, too large (at most {})", v.get<std::uint64_t>(), hi));
  const std::int64_t n = v.get<std::int64_t>();
  if (n > hi) throw error(key, fmt::format("is {}, too large (at most {})", n, hi));
  if (n < lo) throw error(key, fmt::format("is {}, too small (at least {})", n, lo));
  return n;
}

std::uint64_t JsonFields::unsigned_integer(std::string_view key) const {
  const nlohmann::json& v = at(key);
  if (v.is_number_integer() && !v.is_number_unsigned())
    throw error(key, fmt::format("is {}, must not be negative", v.get<std::int64_t>()));
  if (!v.is_number_unsigned()) throw error(key, "must be a non-negative integer, got " + type_name(v));
  return v.get<std::uint64_t>();
}

}  // namespace hwnas
