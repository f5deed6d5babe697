// What --resume checks before it continues an experiment (docs/experiments.md, "Resume"),
// before anything starts: the config given now against the stored one, the budget keys an
// override gave, the searched space's fingerprint, the digests of the files the accuracy
// sources read, and a supernet file that moved. run_search calls them.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <string>
#include <vector>

#include "hwnas/search/experiment_config.h"
#include "hwnas/search/experiment_store.h"
#include "hwnas/search/input_digest.h"
#include "hwnas/space/space.h"

namespace hwnas::search {

/// `root` with `parallel.batch` set to `batch` (a copy), so that the stored config says the
/// batch its trials depend on even when the file left it to the workers.
YAML::Node with_batch(const YAML::Node& root, std::int32_t batch);

/// Throws UserError "--resume: FILE: ..." when the experiment stored in `dir` (its `info`)
/// may not continue with `config` (`config_yaml`: its normalised text, the batch recorded):
/// - a key differs from the stored config's, naming the first ("key 'strategy.population'
///   is 50 here but 20 in the experiment stored in DIR"), but for the budget,
///   parallel.workers, a supernet's space file and, when its digest is stored, its file (a
///   stored config without `parallel` ran batches of 1);
/// - a budget key a --set gave when the experiment last ran (info.set_keys) is now the
///   file's, with another value (s26 second pass, finding 13);
/// - `space`'s fingerprint is not the stored one (a space file edited since);
/// - a file the accuracy sources read (`inputs`) is not the one it started with (digest).
/// accuracy.train and its training rungs are compared at their effective values (a key
/// written equal to its default, or to what the rung inherits, is no difference), and so
/// are accuracy.proxy and proxy rungs (effective_proxy_keys); a refused
/// key of an accuracy source or a rung says that the stored accuracies were measured at
/// the stored value. Returns a note ("--resume: accuracy.train.timeout_s is 1 here but 3600
/// when the experiment in DIR last ran: ...") for each timeout_s lowered, added or left
/// out, which a resume may do (docs/experiments.md, "Resume").
/// How the resume runs, for check_resumable.
struct ResumeContext {
  /// What sets the workers when not parallel.workers: "the worker ranks, mpirun -np less
  /// one" under mpirun (named by the refusal of a batch that came from them); "" otherwise.
  std::string workers;
  /// Its budget is spent, so it runs no step: a batch that came from the workers is then
  /// no difference (s30 fresh-user finding 2: a finished search resumed alone was refused).
  bool runs_nothing = false;
};

std::vector<std::string> check_resumable(const ExperimentInfo& info, const std::string& dir,
                                         const ExperimentConfig& config, const std::string& config_yaml,
                                         const space::Space& space, const std::vector<InputDigest>& inputs,
                                         const ResumeContext& context = {});

/// Before the accuracy sources read the config: a supernet file the experiment in `dir`
/// started with that is no longer at the config's path is refused with "--resume:
/// FILE:LINE: KEY: no such file '...'; the experiment in DIR started with the supernet at
/// '...' (DIGEST): if it moved, give its new path here", not the source's "(train one
/// ...)" (s26 second pass, finding 8). Anything else is left to the accuracy sources, and a
/// directory that holds no experiment to the store.
void check_supernets_found(const ExperimentConfig& config, const std::string& dir);

}  // namespace hwnas::search
