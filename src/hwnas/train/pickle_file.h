// hwnas's pickled files: weights files and checkpoints (checkpoint.h), supernet files
// (supernet/supernet_file.h). Each is one dictionary that starts with `format` (which file
// it is, e.g. "hwnas-weights") and `version`, written with torch::jit::pickle_save (the
// format torch.save writes, so Python's torch.load reads it too) and atomically
// (base/file_io.h: a reader sees the old file or the new one, never half of one).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hwnas/base/error.h"

namespace hwnas::train {

/// What read_pickle_file accepts, and how its errors name the file and the fix.
struct PickleKind {
  std::vector<std::string_view> formats;  // accepted `format`s, e.g. {"hwnas-weights", "hwnas-checkpoint"}
  std::int64_t version = 1;
  std::string_view what;            // "weights file (--init-from)", "supernet file"
  std::string_view writer;          // "hwnas train": "...; give a file written by WRITER"
  std::string_view other_kind_fix;  // after "PATH: is a hwnas-F file, not a WHAT; "
  std::string_view damaged;         // "damaged file", "damaged supernet file"
  std::string_view damaged_fix;     // "write it again", "train it again"
  bool holds_weights = false;       // a network's weights: a supernet file here is told how to extract them
};

/// The format of supernet files (supernet/supernet_file.h), named here so that a supernet
/// given where weights are wanted gets its own fix.
inline constexpr std::string_view kSupernetFormat = "hwnas-supernet";

/// A new dictionary holding `format` and `version`, for the writer to fill.
c10::impl::GenericDict pickle_dict(std::string_view format, std::int64_t version);

/// Writes `d` to `path` atomically; UserError "PATH: cannot write the WHAT: WHY".
void write_pickle_file(const std::string& path, const c10::impl::GenericDict& d, std::string_view what);

/// The dictionary of the file at `path`, after its format and version are checked. UserError
/// "PATH: not a WHAT of hwnas (unreadable: ...); give a file written by WRITER" for a file
/// that is no pickled dictionary with a format; "PATH: is a hwnas-F file, not a WHAT; FIX"
/// for another of hwnas's files (a supernet file where `holds_weights`: how to take a
/// subnet's weights out of it with `hwnas supernet extract`); "PATH: a WHAT of another
/// hwnas version (this one reads version V)"; read_text_file's errors.
c10::impl::GenericDict read_pickle_file(const std::string& path, const PickleKind& kind);

/// `as(d.at(key))`; UserError "PATH: DAMAGED (key 'KEY' missing or of the wrong type);
/// DAMAGED_FIX" when the key is missing or `as` throws.
template <class F>
auto pickle_field(const c10::impl::GenericDict& d, const char* key, const std::string& path, const PickleKind& kind,
                  F as) {
  try {
    return as(d.at(key));
  } catch (const std::exception&) {
    throw UserError(std::string(path) + ": " + std::string(kind.damaged) + " (key '" + key +
                    "' missing or of the wrong type); " + std::string(kind.damaged_fix));
  }
}

/// UserError "PATH: tensor 'NAME' holds a NaN or an infinity: the file is damaged;
/// NON_FINITE_FIX" for the first floating-point tensor of `tensors` that is not finite (a
/// flipped byte, a file written by hand: the network would measure chance or train to a
/// "loss is nan" that blames --lr; s32 fresh-user finding 2). Weights, checkpoints and
/// supernet files check the tensors they read with it.
void check_finite_tensors(const std::vector<std::pair<std::string, torch::Tensor>>& tensors, const std::string& path,
                          std::string_view non_finite_fix);

}  // namespace hwnas::train
