// The supernet file `hwnas supernet train` writes and `eval` / `extract` read: a pickled
// dictionary (torch::pickle_save, as checkpoint.h's files; Python's torch.load reads it),
// written atomically (base/file_io.h):
//
//   format "hwnas-supernet", version 1,
//   space (a built-in's name or the space file's absolute path), space_name,
//   space_beside (the space file's path relative to the supernet file's folder, written by
//   write_supernet; "" for a built-in; absent from files written before it),
//   fingerprint (space.h: the space as it was trained; an edited space file is refused),
//   parallelism_factor (the P it was built with, 0 for none), target (as given),
//   options {option → value} (CLI spelling: the training's knobs; --task, absent from files
//   written before scene supernets, is classification), validation (training
//   images held out, sampling.h validation_split), batch, epochs_done, train_seconds,
//   tensors {bank key → tensor} (weight_bank.h).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "hwnas/space/space.h"
#include "hwnas/train/network.h"
#include "hwnas/train/train_options.h"

namespace hwnas::train::supernet {

struct SupernetFile {
  std::string space;                 // make_space's argument
  std::string space_beside;          // read only: the space file relative to the supernet file's folder
  std::string space_name;
  std::string fingerprint;
  std::int32_t parallelism_factor = 0;
  std::string target;
  std::map<std::string, std::string> options;
  Task task = Task::classification;      // read only: options' --task
  std::int64_t validation = 0;
  std::int32_t batch = 0;
  std::int32_t epochs_done = 0;
  double train_seconds = 0;              // every session's training (trainer.h FitResult::seconds, summed)
  NamedTensors tensors;
};

/// Writes the file atomically; UserError "PATH: cannot write the supernet file: WHY".
void write_supernet(const std::string& path, const SupernetFile& file);

/// Reads a file written by write_supernet. UserError naming the path when it cannot be
/// read, is not a supernet file of hwnas (another hwnas file names its kind), is of
/// another version, or is damaged (truncated, a key missing or of the wrong type).
SupernetFile read_supernet(const std::string& path);

/// The space the supernet was trained on, built again (its file's P): `space_arg` when
/// given (--space: a built-in's name or a space file, for a space file that moved), else
/// the stored space file where it was, else where it was relative to the supernet file
/// (both moved together), else a file of its name beside the supernet file. UserError
/// naming `path`: no such space file ("... missing; give it with --space FILE"), a
/// `space_arg` that is no file ("--space X: no such space file" / "is a directory") or
/// cannot be built, a stored space that cannot be built (broken), or one without the
/// file's fingerprint (edited since: names a file of the lookup that has it, else suggests
/// --space; or `space_arg` another space: its genomes would decode to other networks;
/// names both). `space_key`: the experiment key a search gives the space with
/// ("accuracy.supernet.space"), named in those fixes instead of --space.
std::unique_ptr<space::Space> supernet_space(const SupernetFile& file, const std::string& path,
                                             const std::string& space_arg = "", const std::string& space_key = "");

/// The space files supernet_space may read for the same arguments, so that no output of a
/// command replaces one (check_output_path): `space_arg` when it names an existing file;
/// without it, every existing file of the lookup above (the first is built, the others are
/// read when it has another fingerprint, and a model file written over the stored path
/// would break every later lookup); none for a built-in space.
std::vector<std::string> supernet_space_files(const SupernetFile& file, const std::string& path,
                                              const std::string& space_arg = "");

}  // namespace hwnas::train::supernet
