// Small helpers the benchmarks' option parsing shares.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

namespace hwnas::bench {

/// "a,b,,c" -> {"a", "b", "c"} (empty parts dropped).
inline std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> out;
  for (std::size_t begin = 0; begin <= text.size();) {
    const std::size_t end = std::min(text.find(',', begin), text.size());
    if (end > begin) out.push_back(text.substr(begin, end - begin));
    begin = end + 1;
  }
  return out;
}

/// The shared data directory: $HWNAS_DATA_DIR, else ../shared/data beside the source tree.
inline std::string shared_data_dir(const std::string& source_dir) {
  const char* env = std::getenv("HWNAS_DATA_DIR");
  return env != nullptr && *env != '\0' ? env : source_dir + "/../shared/data";
}

}  // namespace hwnas::bench
