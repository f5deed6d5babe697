// Where a search's accuracy comes from (docs/experiments.md, "Accuracy").
//
// Implementations: a CSV column keyed by the architecture string (csv_accuracy.cpp; e.g.
// NAS-Bench-201's acc_cifar10), the user's own training program (external_accuracy.cpp)
// training in hwnas (train_accuracy.cpp: hwnas-train per trial), zero-shot proxies
// (proxy_accuracy.cpp: one hwnas-train proxy --serve process) and a weight-sharing
// supernet (supernet_accuracy.cpp: one hwnas-train supernet eval --serve process). With
// `multi_fidelity:` (fidelity_schedule.h) there is one source per rung; a rung may be a
// source of its own (a proxy or supernet rung below training: docs/hybrid.md).
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hwnas/search/accuracy_pool.h"
#include "hwnas/search/candidate.h"
#include "hwnas/search/experiment_input.h"
#include "hwnas/search/input_digest.h"
#include "hwnas/space/space.h"

namespace hwnas::train {
struct TrainOptions;
}

namespace hwnas::search {

class AccuracySource {
 public:
  virtual ~AccuracySource() = default;
  /// The task's metric of the candidate in [0, 100] (top-1 %, mAP, mIoU): the expensive
  /// query a search counts. Throws UserError with the reason when this candidate's
  /// evaluation fails (the program crashed, hung or answered garbage; the table has no
  /// row for it; the training diverged): the cost model records the trial as failed and
  /// the search goes on. Safe to call from several threads at once.
  virtual double accuracy(const Candidate& candidate) = 0;

  /// Where the number comes from (issue 13's families). Values of different families are on
  /// different scales (a proxy's percentile, a shared-weight subnet's top-1, a stand-alone
  /// training's top-1), so the search compares them only within one family.
  enum class Family { table, program, multishot, zero_shot, single_shot };
  virtual Family family() const = 0;

  /// The trivial answer's score on the same data and scale, as measured by `candidate`'s
  /// latest accuracy() (accuracy: train: for detection 100 × the prior-box baseline's
  /// mAP@0.5, for segmentation 100 × the all-background mIoU); a candidate at or below it
  /// learnt nothing (s29 fresh-user finding 2). It depends on the candidate (its resolution
  /// sets the test scenes' size: 7.29496 at 64 px, 7.29395 at 96 px on 200 test scenes,
  /// s30 fresh-user finding 1), so each trial is compared with its own. nullopt otherwise.
  virtual std::optional<double> baseline(const Candidate& /*candidate*/) const { return std::nullopt; }

  /// What this source's answer for `candidate` depends on, as a 64-bit key: two candidates
  /// of one key get one answer, so the search evaluates the first and answers the other
  /// with its result, as no new evaluation (search_step.cpp). Default: the network's
  /// structural hash (Graph::hash: the model file every program-run source writes);
  /// training at a fixed resolution: the hash of the network at that resolution; a CSV
  /// column: the hash of the architecture string. nullopt: every genome its own. Stable
  /// across processes (a resumed search compares keys of stored evaluations); needs no
  /// started program (rank 0 of mpirun computes it).
  virtual std::optional<std::uint64_t> evaluation_key(const Candidate& candidate) const {
    return candidate.network.hash();
  }
};

/// What an experiment's accuracy is, from its config (a file's or a store's), for the
/// search's text, --json and report: "top-1 %", "100 x mAP@0.5" or "100 x mIoU" for
/// accuracy: train: by task, "proxy percentile" for accuracy: proxy:, "top-1 % with shared
/// weights" for accuracy: supernet: (or "100 x mAP@0.5 ..." / "100 x mIoU ..." when the
/// space's head, read from its file as `experiment_file` names it, detects or segments;
/// all three when the space cannot be read), "column NAME" for a csv table, "" for an
/// accuracy program's own number or no accuracy: (s29 fresh-user finding 2: a scene
/// search's "accuracy" is 100 × mIoU or 100 × mAP@0.5 and nothing said so).
std::string accuracy_metric(const YAML::Node& experiment, const std::string& experiment_file);

/// What AccuracySource::baseline() is for the experiment's config: "all-background" for a
/// segmentation accuracy.train, "prior-box" for detection (the words of hwnas train's output,
/// cli/train_output.cpp), "" otherwise (no baseline is measured).
std::string accuracy_baseline_name(const YAML::Node& experiment);

/// Whether `accuracy` is no better than the trivial `baseline` (AccuracySource::baseline,
/// same scale: the trial's own, Trial::accuracy_baseline), within 1e-6 for a value read back
/// from the store: the network learnt nothing. One rule for `hwnas search`'s note and the
/// report's marks.
inline bool no_better_than_baseline(double accuracy, double baseline) { return accuracy <= baseline + 1e-6; }

/// A source whose settings are read and checked, not started yet: a search checks its
/// whole config (the schedule, the strategy, a resumed store) before anything slow runs.
struct PlannedSource {
  /// Makes the source, starting what is slow (a served hwnas-train: a proxy's reference
  /// sample, a supernet's probe, tens of seconds); throws the errors found only then, as
  /// the make_* functions below. Called at most once.
  std::function<std::unique_ptr<AccuracySource>()> start;
  /// The files whose content its values depend on, with their digests (a supernet file).
  std::vector<InputDigest> inputs;
};

/// The experiment's accuracy sources, one per fidelity rung (multi_fidelity.rungs, low to
/// high; one when single fidelity; none without `accuracy:`). The `accuracy:` section
/// names one kind: `csv` + `column` (+ `arch_column`), `command` (+ `timeout_s`,
/// `fidelity`, `model_format`), `train` (a mapping of hwnas-train's options), `proxy` or
/// `supernet` (a name or file, or a mapping; single fidelity only). With `train` or
/// `command`, the rungs may start with sources of their own (docs/hybrid.md): a
/// `{proxy: ...}` rung (first only), then a `{supernet: ...}` rung, then at least one rung
/// of the `accuracy:` source (the top rung is always one); at most one of each.
/// Throws UserError naming the file and key
/// ("exp.yaml:9: accuracy.train.subset: 0 is out of range (0, 1]",
/// "multi_fidelity.rungs[1].epochs: ...") for every bad key, a missing file, column,
/// dataset (with its install command) or program, table rows that are not architectures
/// of `space`, rungs of the wrong kind for the source, equal or decreasing rungs, source
/// rungs out of that order or with keys of a training rung; and
/// make_fidelity_schedule's errors; "(from --set)" for a key in `set_keys` (experiment_input.h).
/// plan_accuracy_sources then start_accuracy_sources.
std::vector<std::unique_ptr<AccuracySource>> make_accuracy_sources(const YAML::Node& experiment,
                                                                   const std::string& file,
                                                                   const space::Space& space,
                                                                   const std::set<std::string>& set_keys = {});
/// Every check of make_accuracy_sources that needs nothing started (all but the proxy's
/// reference sample and the supernet's probe), one planned source per rung. `at_once`: the
/// evaluations that run at once on this machine (make_train_accuracies).
std::vector<PlannedSource> plan_accuracy_sources(const YAML::Node& experiment, const std::string& file,
                                                 const space::Space& space, const std::set<std::string>& set_keys = {},
                                                 const EvaluationsAtOnce& at_once = {});
/// Starts `planned` from the top rung down (a supernet's one probe fails faster than a
/// proxy's reference sample); the sources in rung order.
std::vector<std::unique_ptr<AccuracySource>> start_accuracy_sources(std::vector<PlannedSource> planned);

/// The sources, from a section already known to be of their kind. `rung_fidelity`: the
/// text for {fidelity} of one multi-fidelity rung (then accuracy.fidelity must be absent).
std::unique_ptr<AccuracySource> make_csv_accuracy(const ExperimentSection& section, const space::Space& space);
std::unique_ptr<AccuracySource> make_external_accuracy(const ExperimentSection& section,
                                                       const std::optional<std::string>& rung_fidelity = {});
/// `proxy`: a zero-shot proxy scored by `hwnas-train proxy --serve` (proxy_accuracy.cpp),
/// reported as the candidate's percentile among `reference` sampled genomes of `space`
/// (docs/proxies.md). Scores the reference sample before returning: an unknown proxy, a
/// space hwnas-train cannot score or missing data fail here, naming accuracy.proxy.
std::unique_ptr<AccuracySource> make_proxy_accuracy(const ExperimentSection& section, const space::Space& space);
/// What a proxy rung under accuracy: train: takes from the training unless the rung gives its
/// own: the data directory (Fashion-MNIST, or the scene cache) and the scenes.
struct ProxyDefaults {
  std::string data;                        // absolute; empty: the default
  std::int64_t scene_size = 96;            // the scenes' canvas (detection, segmentation)
  std::optional<std::string> scene_labels; // "items" or "presence"; unset: from the head's classes
};
/// What a proxy rung takes from `train` (accuracy.train): its data, scene_size and
/// scene_labels when given. Throws UserError, naming the key, for a value that does not read.
ProxyDefaults training_proxy_defaults(const ExperimentSection& train);
/// The same in two steps: reads and checks the settings (and that hwnas-train is there, the
/// data a proxy that reads a batch needs, and for a detection or segmentation space that its
/// head's classes are the scene labels'); start() scores the reference sample. `space` must
/// outlive the planned source.
PlannedSource plan_proxy_accuracy(const ExperimentSection& section, const space::Space& space,
                                  const ProxyDefaults& defaults = {});
/// `supernet`: a subnet's top-1 % with a supernet's shared weights, from `hwnas-train
/// supernet eval FILE --serve` (supernet_accuracy.cpp; `program`: that executable, empty:
/// hwnas-train beside this program). FILE is resolved from the experiment file's directory
/// (or data:). Evaluates the space's baseline (else its first seeded sample) before
/// returning: a missing file ("... (train one with `hwnas supernet train SPACE --target T
/// --out FILE`)"), one hwnas-train refuses at start-up (its stderr line) or a supernet of
/// another space fail here, naming accuracy.supernet.
std::unique_ptr<AccuracySource> make_supernet_accuracy(const ExperimentSection& section, const space::Space& space,
                                                       const std::filesystem::path& program = {});
/// The same in two steps: reads and checks the settings, the file (its digest in inputs)
/// and the program; start() probes the supernet. `space` must outlive the planned source.
PlannedSource plan_supernet_accuracy(const ExperimentSection& section, const space::Space& space,
                                     const std::filesystem::path& program = {});
/// `train` (an accuracy.train mapping, as a stored or given config holds it) with every key
/// that decides a training at its effective value, written one way: a key left out at its
/// default (lr and weight_decay: the optimizer's; threads: 1), every number as the trainer
/// reads it ("0.10" and "1e-1" are 0.1), `data` as written; without timeout_s. --resume
/// compares these (resume_checks.h), so that a key written equal to its default is no
/// difference (s27 fresh-user finding 5). Throws UserError, naming `file`, as the
/// experiment's read would.
YAML::Node effective_train_keys(const YAML::Node& train, const std::string& file);

/// `proxy` (accuracy.proxy, or a proxy rung's `proxy`, as a config holds it: NAME or a
/// mapping) as one mapping with every key that decides a score at its effective value:
/// name, batch, seed, threads, reference, `data` when written (as written), and for a
/// detection or segmentation `space` scene_size and scene_labels (given, else `defaults`':
/// a rung's from accuracy.train, else 96 and the head's labels: presence for 2 classes);
/// without timeout_s. --resume compares these (resume_checks.h), so that `proxy: snip` and
/// `{name: snip, batch: 64, scene_labels: items}` on a 10-class scene head are no difference
/// (s36 fresh-user finding). A value that does not read is kept as written (the source
/// refuses it when the experiment is read).
YAML::Node effective_proxy_keys(const YAML::Node& proxy, const space::Space& space, const ProxyDefaults& defaults = {});

/// The data a training of `o` reads, checked before any trial (train_accuracy.cpp):
/// classification, Fashion-MNIST in `data` or the default directory; detection and
/// segmentation, a scene cache `data` (or the default) that exists, is a writable directory
/// and does not hold Fashion-MNIST's files, and Fashion-MNIST in the default directory. A
/// bad `data` fails naming `s`'s key data; a default, `s` itself.
void check_training_data(const ExperimentSection& s, const train::TrainOptions& o);

/// The keys accuracy.train takes (hwnas train's options, as keys); `hwnas search --epochs 3`
/// is answered with the --set that gives one (experiment_value_keys).
std::span<const std::string_view> train_keys();

/// The keys a rung of accuracy.train may set (the fidelity and the training; never the
/// task or its data), for its own check and for the did-you-mean of other rungs' keys.
std::span<const std::string_view> train_rung_keys();

/// `train`: the accuracy.train section, `rungs`: its rungs of multi_fidelity.rungs (each a
/// mapping of accuracy.train keys but task, data, scene_size and scene_labels, overriding
/// them; empty: single fidelity), `first_rung`: the index of rungs[0] among all the rungs
/// (after the proxy and supernet rungs below it), for the messages. One source per rung,
/// or one. `threads` defaults to 1, so that a candidate's accuracy does not depend on
/// parallel.workers, the MPI ranks or the machine. The scenes of a detection or
/// segmentation rung must fit in half this machine's memory `at_once.count` times (each
/// training at once holds its own), else a UserError names the key to lower, or
/// at_once.knob when one training would fit ("FILE:LINE: parallel.workers: 4 trainings at once
/// (parallel.workers), each of ... need about 16.7 GB of memory in all (4.2 GB each), ...;
/// lower parallel.workers, accuracy.train.scene_size, ... or multi_fidelity.rungs[1].subset":
/// the line from `top`, the file's top level, when it has parallel.workers).
std::vector<std::unique_ptr<AccuracySource>> make_train_accuracies(const ExperimentSection& train,
                                                                   const std::vector<ExperimentSection>& rungs,
                                                                   std::size_t first_rung = 0,
                                                                   const EvaluationsAtOnce& at_once = {},
                                                                   const ExperimentSection* top = nullptr);

}  // namespace hwnas::search
