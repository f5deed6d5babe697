// Where a search's accuracy comes from (docs/experiments.md, "Accuracy").
//
// Implementations: a CSV column keyed by the architecture string (csv_accuracy.cpp; e.g.
// NAS-Bench-201's acc_cifar10) and the user's own training program (external_accuracy.cpp).
// Training in hwnas, zero-shot proxies and a supernet are meant to be further
// implementations of this one call.
#pragma once

#include <memory>
#include <string>

#include "hwnas/search/candidate.h"
#include "hwnas/search/experiment_input.h"
#include "hwnas/space/space.h"

namespace hwnas::search {

class AccuracySource {
 public:
  virtual ~AccuracySource() = default;
  /// The task's metric of the candidate in [0, 100] (top-1 %, mAP, mIoU): the expensive
  /// query a search counts. Throws UserError with the reason when this candidate's
  /// evaluation fails (the program crashed, hung or answered garbage; the table has no
  /// row for it): the cost model records the trial as failed and the search goes on.
  virtual double accuracy(const Candidate& candidate) = 0;
};

/// The source the `accuracy:` section describes: `csv` + `column` (+ `arch_column`), or
/// `command` (+ `timeout_s`, `fidelity`, `model_format`). Throws UserError naming the file
/// and key for bad keys, a missing file or column, and table rows that are not
/// architectures of `space`.
std::unique_ptr<AccuracySource> make_accuracy_source(const ExperimentSection& section, const space::Space& space);

/// The two sources, from a section already known to be of their kind.
std::unique_ptr<AccuracySource> make_csv_accuracy(const ExperimentSection& section, const space::Space& space);
std::unique_ptr<AccuracySource> make_external_accuracy(const ExperimentSection& section);

}  // namespace hwnas::search
