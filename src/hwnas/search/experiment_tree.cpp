// The YAML tree of an experiment file: --set overrides, the normalised text the store
// keeps, the comparison --resume makes, and the conversion of strategy parameters to JSON.
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "hwnas/base/error.h"
#include "hwnas/base/yaml_input.h"
#include "hwnas/search/experiment_config.h"

namespace hwnas::search {
namespace {

/// Splits "a.b.c" into its parts; every part non-empty.
std::vector<std::string> split_key(const std::string& key, const std::string& set) {
  // rungs[1] as errors print it: --set writes the index as a part of its own.
  if (key.find_first_of("[]") != std::string::npos) {
    std::string dotted;
    for (const char c : key) {
      if (c == '[') dotted += '.';
      else if (c != ']') dotted += c;
    }
    throw UserError(fmt::format("--set '{}': write a list index as a part of the key: {}=...", set, dotted));
  }
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    const std::size_t dot = key.find('.', start);
    parts.push_back(key.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (parts.back().empty())
      throw UserError(fmt::format("--set '{}': the key has an empty part; write dotted names like strategy.population=64",
                                  set));
    if (dot == std::string::npos) return parts;
    start = dot + 1;
  }
}

std::optional<std::size_t> list_index(const std::string& part, std::size_t size) {
  if (part.empty() || !std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      part.size() > 9 || (part.size() > 1 && part[0] == '0'))
    return std::nullopt;
  const std::size_t i = std::stoul(part);
  if (i >= size) return std::nullopt;
  return i;
}

void emit_sorted(YAML::Emitter& out, const YAML::Node& node) {
  if (node.IsMap()) {
    std::vector<std::string> keys;
    for (const auto& entry : node) keys.push_back(entry.first.Scalar());
    std::sort(keys.begin(), keys.end());
    out << YAML::BeginMap;
    for (const std::string& k : keys) {
      out << YAML::Key << k << YAML::Value;
      emit_sorted(out, node[k]);
    }
    out << YAML::EndMap;
  } else if (node.IsSequence()) {
    out << YAML::BeginSeq;
    for (const YAML::Node& item : node) emit_sorted(out, item);
    out << YAML::EndSeq;
  } else if (node.IsScalar()) {
    if (is_plain_scalar(node)) out << node.Scalar();
    else out << YAML::DoubleQuoted << node.Scalar();
  } else {
    out << YAML::Null;
  }
}

/// Appends to `out` every dotted key under `key` whose value differs, in sorted order.
void collect_differences(const YAML::Node& a, const YAML::Node& b, const std::string& key,
                         std::vector<std::string>& out) {
  if (a.Type() != b.Type()) {
    out.push_back(key);
    return;
  }
  const auto sub = [&](const std::string& k) { return key.empty() ? k : key + "." + k; };
  if (a.IsScalar()) {
    if (a.Scalar() != b.Scalar() || is_plain_scalar(a) != is_plain_scalar(b)) out.push_back(key);
  } else if (a.IsSequence()) {
    if (a.size() != b.size()) {
      out.push_back(key);
      return;
    }
    for (std::size_t i = 0; i < a.size(); ++i) collect_differences(a[i], b[i], sub(std::to_string(i)), out);
  } else if (a.IsMap()) {
    std::set<std::string> keys;
    for (const auto& e : a) keys.insert(e.first.Scalar());
    for (const auto& e : b) keys.insert(e.first.Scalar());
    for (const std::string& k : keys) {
      if ((key.empty() && k == "budget") || (key == "parallel" && k == "workers")) continue;
      if (!a[k].IsDefined() || !b[k].IsDefined()) out.push_back(sub(k));
      else collect_differences(a[k], b[k], sub(k), out);
    }
  }
}

// A copy of `node` without source marks (tags kept: a quoted scalar stays a string), so
// that an error about an overridden value names no line of the override's text as if it
// were the experiment file's.
YAML::Node without_marks(const YAML::Node& node) {
  YAML::Node out;
  if (node.IsScalar()) {
    out = node.Scalar();
    out.SetTag(node.Tag());
  } else if (node.IsSequence()) {
    out = YAML::Node(YAML::NodeType::Sequence);
    for (const YAML::Node& item : node) out.push_back(without_marks(item));
  } else if (node.IsMap()) {
    out = YAML::Node(YAML::NodeType::Map);
    for (const auto& entry : node) out[without_marks(entry.first)] = without_marks(entry.second);
  } else if (node.IsNull()) {
    out = YAML::Node(YAML::NodeType::Null);
  }
  return out;
}

}  // namespace

std::string apply_override(YAML::Node& root, const std::string& set) {
  // "epochs = 2" as a user would write it: blanks around the key and the value are dropped
  // (s29 fresh-user finding 12: the key kept a trailing space that no error could show).
  const auto trimmed = [](std::string_view s) {
    const std::size_t first = s.find_first_not_of(" \t");
    return first == std::string_view::npos ? std::string() : std::string(s.substr(first, s.find_last_not_of(" \t") - first + 1));
  };
  const std::size_t eq = set.find('=');
  if (eq == std::string::npos || trimmed(set.substr(0, eq)).empty())
    throw UserError(fmt::format("--set '{}': write KEY=VALUE, e.g. --set strategy.population=64", set));
  const std::string key = trimmed(set.substr(0, eq)), text = trimmed(set.substr(eq + 1));
  if (text.empty())
    throw UserError(fmt::format("--set '{}': no value after '='; write KEY=VALUE", set));
  if (key.find_first_of(" \t") != std::string::npos)
    throw UserError(fmt::format("--set '{}': the key '{}' has a blank inside; write the dotted key without blanks, "
                                "e.g. --set accuracy.train.epochs=2",
                                set, key));
  const YAML::Node value =
      without_marks(parse_yaml_document(text, fmt::format("--set '{}'", set), "--set value"));
  const std::vector<std::string> parts = split_key(key, set);
  YAML::Node at = root;
  std::string path;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::string& part = parts[i];
    const bool last = i + 1 == parts.size();
    if (at.IsSequence()) {
      const std::optional<std::size_t> index = list_index(part, at.size());
      if (!index)
        throw UserError(fmt::format("--set '{}': '{}' is a list of {}; '{}' is not an index of it (0 to {})", set,
                                    path, at.size(), part, at.size() - 1));
      if (last) at[*index] = value;
      else at.reset(at[*index]);
    } else if (at.IsMap() || at.IsNull()) {
      if (last) {
        at[part] = value;
      } else {
        if (!at[part].IsDefined() || at[part].IsNull()) at[part] = YAML::Node(YAML::NodeType::Map);
        at.reset(at[part]);
      }
    } else {
      throw UserError(fmt::format("--set '{}': '{}' is a value ({}), not a mapping; set '{}' itself", set, path,
                                  value_words(at), path));
    }
    path += (path.empty() ? "" : ".") + part;
  }
  return key;
}

std::string normalised_yaml(const YAML::Node& root) {
  YAML::Emitter out;
  emit_sorted(out, root);
  return std::string(out.c_str()) + "\n";
}

std::vector<std::string> differences(const YAML::Node& stored, const YAML::Node& given) {
  std::vector<std::string> out;
  collect_differences(stored, given, "", out);
  return out;
}

std::optional<std::string> first_difference(const YAML::Node& stored, const YAML::Node& given) {
  std::vector<std::string> all = differences(stored, given);
  if (all.empty()) return std::nullopt;
  return std::move(all.front());
}

nlohmann::json yaml_to_json(const YAML::Node& node) {
  if (node.IsMap()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& entry : node) out[entry.first.Scalar()] = yaml_to_json(entry.second);
    return out;
  }
  if (node.IsSequence()) {
    nlohmann::json out = nlohmann::json::array();
    for (const YAML::Node& item : node) out.push_back(yaml_to_json(item));
    return out;
  }
  if (!node.IsScalar()) return nullptr;
  if (!is_plain_scalar(node)) return node.Scalar();
  const std::string& s = node.Scalar();
  if (s == "true") return true;
  if (s == "false") return false;
  if (s == "null" || s == "~") return nullptr;
  std::int64_t i = 0;
  if (read_integer(node, std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max(), i) ==
      NumberProblem::none)
    return i;
  double d = 0;
  if (read_real(node, -std::numeric_limits<double>::max(), std::numeric_limits<double>::max(), d) == NumberProblem::none)
    return d;
  return s;
}

}  // namespace hwnas::search
