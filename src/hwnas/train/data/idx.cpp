#include "hwnas/train/data/idx.h"

#include <fmt/format.h>

#include "hwnas/base/error.h"
#include "hwnas/base/file_io.h"
#include "hwnas/train/data/gzip.h"

namespace hwnas::train {

IdxArray parse_idx(std::string_view bytes, const std::string& name) {
  const auto byte = [&](std::size_t at) { return static_cast<std::uint8_t>(bytes[at]); };
  if (bytes.size() < 4)
    throw UserError(fmt::format("{}: truncated IDX file: {} bytes, shorter than the 4-byte magic number", name,
                                bytes.size()));
  if (byte(0) != 0 || byte(1) != 0 || byte(2) != 0x08 || byte(3) == 0)
    throw UserError(fmt::format(
        "{}: not an IDX file of unsigned bytes (magic number {:02x} {:02x} {:02x} {:02x}, expected 00 00 08 and a "
        "dimension count); check that it is the right file",
        name, byte(0), byte(1), byte(2), byte(3)));
  IdxArray array;
  const std::size_t rank = byte(3);
  const std::size_t header = 4 + 4 * rank;
  if (bytes.size() < header)
    throw UserError(fmt::format("{}: truncated IDX file: {} bytes, shorter than its {}-byte header", name,
                                bytes.size(), header));
  std::uint64_t elements = 1;
  std::string shape;
  for (std::size_t d = 0; d < rank; ++d) {
    const std::size_t at = 4 + 4 * d;
    const std::uint32_t count = std::uint32_t{byte(at)} << 24 | std::uint32_t{byte(at + 1)} << 16 |
                                std::uint32_t{byte(at + 2)} << 8 | std::uint32_t{byte(at + 3)};
    array.dims.push_back(count);
    elements *= count;  // at most 255 dimensions of 2^32: checked against the file's size below
    if (elements > (std::uint64_t{1} << 40))
      throw UserError(fmt::format("{}: not a valid IDX file: its header declares more than 2^40 elements", name));
    if (d > 0) shape += 'x';
    shape += std::to_string(count);
  }
  const std::uint64_t held = bytes.size() - header;
  if (held != elements)
    throw UserError(fmt::format("{}: {} IDX file: the header says {} ({} bytes of data) but the file holds {}; "
                                "reinstall or re-download it",
                                name, held < elements ? "truncated" : "corrupt", shape, elements, held));
  array.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(header), bytes.end());
  return array;
}

IdxArray read_idx_file(const std::filesystem::path& path) {
  const std::string bytes = read_text_file(path.string(), "IDX dataset file");
  if (!is_gzip(bytes)) return parse_idx(bytes, path.string());
  std::string data;
  try {
    data = gunzip(bytes, path.string());
  } catch (const UserError& e) {
    throw UserError(std::string(e.what()) + "; reinstall or re-download it");
  }
  return parse_idx(data, path.string());
}

}  // namespace hwnas::train
