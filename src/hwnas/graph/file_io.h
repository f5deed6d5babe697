// Writing files so that a reader never sees half of one.
#pragma once

#include <string>
#include <string_view>

namespace hwnas {

/// Writes `text` to `path` through a temporary file and a rename. Throws UserError
/// "PATH: cannot write the WHAT: ..." and leaves no temporary file behind on failure.
void write_file_atomically(const std::string& path, std::string_view text, std::string_view what);

}  // namespace hwnas
