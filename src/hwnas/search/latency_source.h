// Where a search's latency comes from (docs/experiments.md, "Latency").
//
// Implementations: an estimator file, kernel or table (estimator_latency.cpp); a target
// measured kernel by kernel, through a measurement store (target_latency.cpp); a CSV column
// keyed by the architecture string, or a table target (table_latency.cpp).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hwnas/graph/analysis.h"
#include "hwnas/search/candidate.h"
#include "hwnas/search/experiment_input.h"
#include "hwnas/space/space.h"

namespace hwnas::hw {
class TableTarget;
}

namespace hwnas::search {

class LatencySource {
 public:
  virtual ~LatencySource() = default;
  /// The candidate's latency in ms at the batch the source was made for. Throws UserError
  /// with the reason when this candidate cannot be timed (no table row, a kernel the
  /// target cannot run, the target's program failed): the trial is then failed.
  virtual double latency_ms(const Candidate& candidate) = 0;
  /// Per-kernel latency in ms, (kernel's first node name, ms) in execution order, when the
  /// source times kernels (kernel estimators, targets); empty for whole-network tables.
  virtual std::vector<std::pair<std::string, double>> layer_latency_ms(const graph::Graph& network) = 0;
  /// The precision the latencies are for, when the source has one (estimators and targets
  /// state it; tables do not).
  virtual std::optional<graph::Precision> precision() const { return std::nullopt; }
};

/// The source the `latency:` section describes (exactly one of `estimator`, `target`,
/// `csv`), at `batch`. `batch_key` names the key batch came from, for errors (a kernel
/// estimator refuses a batch it was not fitted for). Throws UserError naming the file and
/// key.
std::unique_ptr<LatencySource> make_latency_source(const ExperimentSection& section, const space::Space& space,
                                                   std::int32_t batch, std::string_view batch_key);

std::unique_ptr<LatencySource> make_estimator_latency(const ExperimentSection& section, const space::Space& space,
                                                      std::int32_t batch, std::string_view batch_key);
std::unique_ptr<LatencySource> make_target_latency(const ExperimentSection& section, const space::Space& space,
                                                   std::int32_t batch);
/// A CSV column (`csv`, `column`, `arch_column`) read as a table target (hw/table/table_target.h).
std::unique_ptr<LatencySource> make_csv_latency(const ExperimentSection& section, const space::Space& space);
/// A table target's whole-network latencies, looked up by Space::arch; every key of the
/// table is checked with check_architecture_keys.
std::unique_ptr<LatencySource> make_table_latency(std::unique_ptr<hw::TableTarget> table, const space::Space& space);

/// Checks that every key of an architecture column is written as the space writes
/// architectures (Space::arch of Space::parse_arch of the key), so that no lookup can miss
/// a row for a spelling difference. Throws UserError "FILE: column 'COLUMN', row N: ..."
/// naming the first bad key.
void check_architecture_keys(const space::Space& space, const std::vector<std::string>& keys,
                             const std::string& file, const std::string& column);

}  // namespace hwnas::search
