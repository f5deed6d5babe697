// The built-in YAML spaces (configs/spaces/mobilenet-{cls,det,seg}.yaml), embedded in the
// binary at build time (builtin_embed.cmake) so that they work from any directory.
#pragma once

#include <span>
#include <string_view>

namespace hwnas::space {

struct BuiltinSpaceText {
  std::string_view name;  // the file's stem, e.g. "mobilenet-cls"
  std::string_view yaml;  // the file's text as it was at build time
};

/// The embedded files, in the order the build lists them (generated source).
std::span<const BuiltinSpaceText> builtin_space_texts();

}  // namespace hwnas::space
