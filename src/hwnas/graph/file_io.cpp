#include "hwnas/graph/file_io.h"

#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "hwnas/graph/error.h"

namespace hwnas {

void write_file_atomically(const std::string& path, std::string_view text, std::string_view what) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out || !out.write(text.data(), static_cast<std::streamsize>(text.size())) || !out.flush()) {
      std::remove(tmp.c_str());
      throw UserError(fmt::format("{}: cannot write the {}; check the directory", path, what));
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::remove(tmp.c_str());
    throw UserError(fmt::format("{}: cannot write the {}: {}", path, what, ec.message()));
  }
}

}  // namespace hwnas
