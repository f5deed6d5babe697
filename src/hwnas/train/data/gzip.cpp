#include "hwnas/train/data/gzip.h"

#include <zlib.h>

#include <algorithm>
#include <utility>

#include "hwnas/base/error.h"

namespace hwnas::train {
namespace {

constexpr int kGzipWindowBits = 15 + 16;  // zlib: 15-bit window, gzip wrapper
constexpr std::size_t kChunk = std::size_t{1} << 20;

/// Runs zlib's `step` (inflate or deflate; it is told whether all input has been given)
/// over `bytes`, appending its output to `out`, until it returns anything but Z_OK; returns
/// that status and how many bytes of `bytes` were given to zlib.
template <class Step>
std::pair<int, std::size_t> pump(z_stream& stream, std::string_view bytes, std::string& out, Step step) {
  std::size_t given = 0;
  for (;;) {
    if (stream.avail_in == 0 && given < bytes.size()) {
      stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data() + given));
      stream.avail_in = static_cast<uInt>(std::min<std::size_t>(bytes.size() - given, std::size_t{1} << 30));
      given += stream.avail_in;
    }
    const std::size_t before = out.size();
    out.resize(before + kChunk);
    stream.next_out = reinterpret_cast<Bytef*>(out.data() + before);
    stream.avail_out = static_cast<uInt>(kChunk);
    const int status = step(given == bytes.size());
    out.resize(before + kChunk - stream.avail_out);
    if (status != Z_OK) return {status, given};
  }
}

}  // namespace

bool is_gzip(std::string_view bytes) {
  return bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f && static_cast<unsigned char>(bytes[1]) == 0x8b;
}

std::string gunzip(std::string_view bytes, const std::string& name) {
  z_stream stream{};
  if (inflateInit2(&stream, kGzipWindowBits) != Z_OK) throw InternalError("gunzip: inflateInit2 failed");
  std::string out;
  const auto [status, given] = pump(stream, bytes, out, [&](bool) { return inflate(&stream, Z_NO_FLUSH); });
  const std::string why = stream.msg != nullptr ? stream.msg : "zlib error " + std::to_string(status);
  const std::size_t trailing = stream.avail_in + (bytes.size() - given);
  inflateEnd(&stream);
  // With a fresh output buffer, inflate stops without progress only when the input ran out.
  if (status == Z_BUF_ERROR)
    throw UserError(name + ": truncated gzip file (the compressed data ends early)");
  if (status != Z_STREAM_END) throw UserError(name + ": not a valid gzip file (" + why + ")");
  if (trailing != 0)
    throw UserError(name + ": " + std::to_string(trailing) + " bytes after the end of the gzip data");
  return out;
}

std::string gzip(std::string_view bytes, int level) {
  z_stream stream{};
  if (deflateInit2(&stream, level, Z_DEFLATED, kGzipWindowBits, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw InternalError("gzip: deflateInit2 failed");
  std::string out;
  const int status =
      pump(stream, bytes, out, [&](bool all_given) { return deflate(&stream, all_given ? Z_FINISH : Z_NO_FLUSH); })
          .first;
  deflateEnd(&stream);
  HWNAS_CHECK(status == Z_STREAM_END);
  return out;
}

}  // namespace hwnas::train
