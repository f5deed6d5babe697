#include "hwnas/train/supernet/supernet_file.h"

#include "hwnas/train/train_options.h"

#include <fmt/format.h>

#include <algorithm>
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

using space::is_space_file;

// The existing files of supernet_space's lookup, in its order: the space file `f` names
// where it was, where it was relative to the supernet file, one of its name beside it.
std::vector<std::string> space_file_candidates(const SupernetFile& f, const std::string& path) {
  const fs::path folder = fs::absolute(path).parent_path();
  std::vector<fs::path> tried = {f.space};
  if (!f.space_beside.empty()) tried.push_back(folder / f.space_beside);
  tried.push_back(folder / fs::path(f.space).filename());
  std::vector<std::string> found;
  std::error_code ec;
  for (const fs::path& p : tried) {
    const std::string normal = p.lexically_normal().string();
    if (fs::is_regular_file(p, ec) && std::find(found.begin(), found.end(), normal) == found.end())
      found.push_back(normal);
  }
  return found;
}

// The option a caller gives the space with: --space, or a search's key (`space_key`).
std::string space_option(const std::string& space_key) { return space_key.empty() ? "--space" : space_key; }

// How the caller gives the space: "--space FILE", or a search's key (of the mapping form).
std::string give_space(const std::string& space_key, const std::string& file = "FILE") {
  return space_key.empty() ? "--space " + file
                           : fmt::format("{}: {} in the experiment (supernet: {{file: ..., space: {}}})", space_key,
                                         file, file);
}

// --space X refused before it is built: no such file, or a directory (make_space would
// call a directory an unknown built-in space).
void check_space_arg(const std::string& space_arg, const std::string& space_key) {
  const std::string option = space_option(space_key);
  std::error_code ec;
  if (fs::is_directory(space_arg, ec))
    throw UserError(fmt::format("{} {}: is a directory; give the space file the supernet was trained on", option,
                                space_arg));
  if ((is_space_file(space_arg) || space_arg.find('/') != std::string::npos) && !fs::exists(space_arg, ec))
    throw UserError(fmt::format("{} {}: no such space file; give the space file the supernet was trained on", option,
                                space_arg));
}

// The first of `files` whose space has the fingerprint `fingerprint`, or "".
std::string file_with_fingerprint(const std::vector<std::string>& files, const std::string& fingerprint,
                                  const space::SpaceOptions& options) {
  for (const std::string& file : files) try {
      if (space::fingerprint(*space::make_space(file, options)) == fingerprint) return file;
    } catch (const UserError&) {  // a broken copy is no candidate
    }
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
  if (const auto task = f.options.find("--task"); task != f.options.end()) {
    try {
      f.task = parse_task(task->second, "--task");
    } catch (const UserError&) {
      throw UserError(fmt::format("{}: damaged supernet file (task '{}'); train it again", path, task->second));
    }
  }
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
  check_finite_tensors(f.tensors, path, "train it again");
  return f;
}

std::vector<std::string> supernet_space_files(const SupernetFile& f, const std::string& path,
                                              const std::string& space_arg) {
  std::error_code ec;
  if (!space_arg.empty())
    return fs::is_regular_file(space_arg, ec) ? std::vector<std::string>{space_arg} : std::vector<std::string>{};
  return is_space_file(f.space) ? space_file_candidates(f, path) : std::vector<std::string>{};
}

std::unique_ptr<space::Space> supernet_space(const SupernetFile& f, const std::string& path,
                                             const std::string& space_arg, const std::string& space_key) {
  space::SpaceOptions options;
  if (f.parallelism_factor > 0) {
    options.parallelism_factor = f.parallelism_factor;
    options.parallelism_source = fmt::format("supernet {} (target '{}')", path, f.target);
    if (!f.target.empty()) options.parallelism_option = "--target " + f.target;
  }
  std::string space = space_arg.empty() ? f.space : space_arg;
  std::vector<std::string> candidates;
  if (!space_arg.empty()) check_space_arg(space_arg, space_key);
  if (space_arg.empty() && is_space_file(f.space)) {
    candidates = space_file_candidates(f, path);
    if (candidates.empty())
      throw UserError(fmt::format("{}: the supernet's space file {} is missing (not there, nor beside the supernet); "
                                  "give it with {}",
                                  path, f.space, give_space(space_key)));
    space = candidates.front();
  }
  std::unique_ptr<space::Space> s;
  try {
    s = space::make_space(space, options);
  } catch (const UserError& e) {
    if (!space_arg.empty())
      throw UserError(fmt::format("{} {}: {}", space_option(space_key), space_arg, e.what()));
    throw UserError(fmt::format("{}: the supernet's space '{}' cannot be built again: {}", path, space, e.what()));
  }
  if (space::fingerprint(*s) == f.fingerprint) return s;
  if (!space_arg.empty())
    throw UserError(fmt::format("{}: the space {} is not the one the supernet was trained on ({}, '{}'): fingerprint "
                                "{}, trained on {}; give that space file with {}",
                                path, space_arg, f.space, f.space_name, space::fingerprint(*s), f.fingerprint,
                                space_option(space_key)));
  // The lookup order stays: the first file found is the one used, even when a later one fits.
  const std::string fits = file_with_fingerprint({candidates.begin() + std::min<std::size_t>(1, candidates.size()),
                                                  candidates.end()},
                                                 f.fingerprint, options);
  throw UserError(fmt::format("{}: the space '{}' has changed since the supernet was trained (fingerprint {}, "
                              "trained on {}); {}",
                              path, space, space::fingerprint(*s), f.fingerprint,
                              fits.empty() ? "train the supernet again, restore the space file, or give the one it "
                                             "was trained on with " + give_space(space_key)
                                           : fmt::format("{} has the supernet's space: give {}, or restore the space "
                                                         "file", fits, give_space(space_key, fits))));
}

}  // namespace hwnas::train::supernet
