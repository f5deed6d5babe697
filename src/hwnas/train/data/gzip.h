// gzip compression of byte strings in memory (zlib, RFC 1952), for the IDX files of the
// datasets and the scene cache. The gzip trailer's CRC-32 and length make a corrupt or
// truncated file an error instead of wrong data.
#pragma once

#include <string>
#include <string_view>

namespace hwnas::train {

/// Whether `bytes` starts with the gzip magic number (1f 8b).
bool is_gzip(std::string_view bytes);

/// The decompressed content of the gzip stream `bytes` (one member; bytes after it are an
/// error). Throws UserError "NAME: not a valid gzip file (WHY)" for corrupt data (zlib's
/// message, e.g. "incorrect data check") and "NAME: truncated gzip file (the compressed
/// data ends early)" when the stream stops before its end.
std::string gunzip(std::string_view bytes, const std::string& name);

/// `bytes` as one gzip member at zlib `level` (1 fastest … 9 smallest).
std::string gzip(std::string_view bytes, int level);

}  // namespace hwnas::train
