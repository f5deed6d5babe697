// The IDX file format of MNIST and Fashion-MNIST (LeCun et al., "THE MNIST DATABASE of
// handwritten digits", file formats section): a 4-byte magic number (two zero bytes, the
// element type, the number of dimensions), each dimension as a big-endian 32-bit count,
// then the elements row-major. Only unsigned bytes (type 0x08) occur in these datasets.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace hwnas::train {

struct IdxArray {
  std::vector<std::int64_t> dims;  // e.g. {60000, 28, 28} for images, {60000} for labels
  std::vector<std::uint8_t> data;  // product(dims) bytes, row-major
};

/// Parses an IDX file's bytes. Throws UserError "NAME: not an IDX file of unsigned bytes
/// (…)" for a wrong magic number or element type, and "NAME: truncated IDX file: the
/// header says … (B bytes of data) but the file holds …" when the sizes disagree (extra
/// bytes are an error too).
IdxArray parse_idx(std::string_view bytes, const std::string& name);

/// Reads and parses `path`, gunzipping it when it is gzip'd (gzip.h's errors).
IdxArray read_idx_file(const std::filesystem::path& path);

}  // namespace hwnas::train
