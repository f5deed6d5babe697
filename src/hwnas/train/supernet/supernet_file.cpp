#include "hwnas/train/supernet/supernet_file.h"

#include <fmt/format.h>

#include <filesystem>
#include <string_view>
#include <vector>

#include "hwnas/base/error.h"
#include "hwnas/space/registry.h"
#include "hwnas/train/pickle_file.h"

namespace hwnas::train::supernet {
namespace {

constexpr std::int64_t kVersion = 1;
constexpr std::string_view kWhat = "supernet file";

const PickleKind& supernet_kind() {
  static const PickleKind kind{{kSupernetFormat},
                               kVersion,
                               kWhat,
                               "hwnas supernet train",
                               "give a file written by hwnas supernet train",
                               "damaged supernet file",
                               "train it again"};
  return kind;
}

namespace fs = std::filesystem;

bool is_space_file(std::string_view space) { return space.ends_with(".yaml") || space.ends_with(".yml"); }

// The space file `f` names: where it was, else where it was relative to the supernet file,
// else one of its name beside it; "" when none exists.
std::string find_space_file(const SupernetFile& f, const std::string& path) {
  const fs::path folder = fs::absolute(path).parent_path();
  std::vector<fs::path> tried = {f.space};
  if (!f.space_beside.empty()) tried.push_back(folder / f.space_beside);
  tried.push_back(folder / fs::path(f.space).filename());
  std::error_code ec;
  for (const fs::path& p : tried)
    if (fs::is_regular_file(p, ec)) return p.lexically_normal().string();
  return "";
}

}  // namespace

void write_supernet(const std::string& path, const SupernetFile& f) {
  c10::impl::GenericDict d = pickle_dict(kSupernetFormat, kVersion);
  d.insert("space", f.space);
  d.insert("space_name", f.space_name);
  d.insert("space_beside",
           is_space_file(f.space)
               ? fs::absolute(f.space).lexically_relative(fs::absolute(path).parent_path()).string()
               : std::string());
  d.insert("fingerprint", f.fingerprint);
  d.insert("parallelism_factor", std::int64_t{f.parallelism_factor});
  d.insert("target", f.target);
  c10::Dict<std::string, std::string> options;
  for (const auto& [option, value] : f.options) options.insert(option, value);
  d.insert("options", options);
  d.insert("validation", f.validation);
  d.insert("batch", std::int64_t{f.batch});
  d.insert("epochs_done", std::int64_t{f.epochs_done});
  d.insert("train_seconds", f.train_seconds);
  c10::Dict<std::string, at::Tensor> tensors;
  for (const auto& [key, tensor] : f.tensors) tensors.insert(key, tensor.detach().contiguous());
  d.insert("tensors", tensors);
  write_pickle_file(path, d, kWhat);
}

SupernetFile read_supernet(const std::string& path) {
  const c10::impl::GenericDict d = read_pickle_file(path, supernet_kind());
  SupernetFile f;
  const auto field = [&](const char* key, auto as) { return pickle_field(d, key, path, supernet_kind(), as); };
  const auto text_of = [](const c10::IValue& x) { return x.toStringRef(); };
  const auto int_of = [](const c10::IValue& x) { return x.toInt(); };
  f.space = field("space", text_of);
  f.space_name = field("space_name", text_of);
  if (d.contains("space_beside")) f.space_beside = field("space_beside", text_of);
  f.fingerprint = field("fingerprint", text_of);
  f.parallelism_factor = static_cast<std::int32_t>(field("parallelism_factor", int_of));
  f.target = field("target", text_of);
  field("options", [&](const c10::IValue& x) {
    for (const auto& entry : x.toGenericDict()) f.options[entry.key().toStringRef()] = entry.value().toStringRef();
    return 0;
  });
  f.validation = field("validation", int_of);
  f.batch = static_cast<std::int32_t>(field("batch", int_of));
  f.epochs_done = static_cast<std::int32_t>(field("epochs_done", int_of));
  f.train_seconds = field("train_seconds", [](const c10::IValue& x) { return x.toDouble(); });
  field("tensors", [&](const c10::IValue& x) {
    for (const auto& entry : x.toGenericDict()) f.tensors.emplace_back(entry.key().toStringRef(), entry.value().toTensor());
    return 0;
  });
  if (f.tensors.empty() || f.batch < 2)
    throw UserError(fmt::format("{}: damaged supernet file (no tensors or batch {}); train it again", path, f.batch));
  return f;
}

std::unique_ptr<space::Space> supernet_space(const SupernetFile& f, const std::string& path,
                                             const std::string& space_arg) {
  space::SpaceOptions options;
  if (f.parallelism_factor > 0) {
    options.parallelism_factor = f.parallelism_factor;
    options.parallelism_source = fmt::format("supernet {} (target '{}')", path, f.target);
    if (!f.target.empty()) options.parallelism_option = "--target " + f.target;
  }
  std::string space = space_arg.empty() ? f.space : space_arg;
  if (space_arg.empty() && is_space_file(f.space)) {
    space = find_space_file(f, path);
    if (space.empty())
      throw UserError(fmt::format("{}: the supernet's space file {} is missing (not there, nor beside the supernet); "
                                  "give it with --space FILE (a space: key beside file: in a search)",
                                  path, f.space));
  }
  std::unique_ptr<space::Space> s;
  try {
    s = space::make_space(space, options);
  } catch (const UserError& e) {
    throw UserError(fmt::format("{}: the supernet's space '{}' cannot be built again: {}", path, space, e.what()));
  }
  if (space::fingerprint(*s) == f.fingerprint) return s;
  if (!space_arg.empty())
    throw UserError(fmt::format("{}: the space {} is not the one the supernet was trained on ({}, '{}'): fingerprint "
                                "{}, trained on {}; give that space file with --space",
                                path, space_arg, f.space, f.space_name, space::fingerprint(*s), f.fingerprint));
  throw UserError(fmt::format("{}: the space '{}' has changed since the supernet was trained (fingerprint {}, "
                              "trained on {}); train the supernet again or restore the space file",
                              path, space, space::fingerprint(*s), f.fingerprint));
}

}  // namespace hwnas::train::supernet
