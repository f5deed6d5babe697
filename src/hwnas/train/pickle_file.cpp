#include "hwnas/train/pickle_file.h"

#include <fmt/format.h>
#include <torch/csrc/jit/serialization/pickle.h>

#include <algorithm>

#include "hwnas/base/file_io.h"

namespace hwnas::train {

c10::impl::GenericDict pickle_dict(std::string_view format, std::int64_t version) {
  c10::impl::GenericDict d(c10::StringType::get(), c10::AnyType::get());
  d.insert("format", std::string(format));
  d.insert("version", version);
  return d;
}

void write_pickle_file(const std::string& path, const c10::impl::GenericDict& d, std::string_view what) {
  const std::vector<char> bytes = torch::jit::pickle_save(d);
  write_file_atomically(path, std::string_view(bytes.data(), bytes.size()), what);
}

c10::impl::GenericDict read_pickle_file(const std::string& path, const PickleKind& kind) {
  const std::string text = read_text_file(path, kind.what);
  const std::string not_ours = fmt::format("{}: not a {} of hwnas", path, kind.what);
  c10::IValue v;
  try {
    v = torch::jit::pickle_load(std::vector<char>(text.begin(), text.end()));
  } catch (const std::exception& e) {
    const std::string why = e.what();
    throw UserError(fmt::format("{} (unreadable: {}); give a file written by {}", not_ours,
                                why.substr(0, std::min<std::size_t>(why.find('\n'), 120)), kind.writer));
  }
  if (!v.isGenericDict() || !v.toGenericDict().contains("format") || !v.toGenericDict().at("format").isString())
    throw UserError(fmt::format("{}; give a file written by {}", not_ours, kind.writer));
  c10::impl::GenericDict d = v.toGenericDict();
  const std::string found = d.at("format").toStringRef();
  if (std::find(kind.formats.begin(), kind.formats.end(), found) == kind.formats.end()) {
    if (found == kSupernetFormat && kind.holds_weights)
      throw UserError(fmt::format("{}: is a supernet file (hwnas supernet train), not a {}; take a subnet's weights "
                                  "out of it with `hwnas supernet extract {} MODEL --out M.yaml --weights W.pt`, then "
                                  "give W.pt as the {}",
                                  path, kind.what, path, kind.what));
    throw UserError(fmt::format("{}: is a {} file, not a {}; {}", path, found, kind.what, kind.other_kind_fix));
  }
  if (!d.contains("version") || !d.at("version").isInt() || d.at("version").toInt() != kind.version)
    throw UserError(fmt::format("{}: a {} of another hwnas version (this one reads version {})", path, kind.what,
                                kind.version));
  return d;
}

void check_finite_tensors(const std::vector<std::pair<std::string, torch::Tensor>>& tensors, const std::string& path,
                          std::string_view non_finite_fix) {
  for (const auto& [name, tensor] : tensors)
    if (tensor.is_floating_point() && !torch::isfinite(tensor).all().item<bool>())
      throw UserError(fmt::format("{}: tensor '{}' holds a NaN or an infinity: the file is damaged; {}", path, name,
                                  non_finite_fix));
}

}  // namespace hwnas::train
