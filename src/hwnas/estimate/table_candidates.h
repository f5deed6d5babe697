// How `hwnas fit --table` chooses its models from the training rows alone.
//
// The ensemble: ridge candidates over target transforms, feature groups and the most
// correlated other-device columns, scored by capped leave-one-out relative error
// (|e| capped at 20%); from 60 rows the five best, below 60 the five simplest within one
// standard error of the best.
// Below 60 rows, when the table has other device columns, it is weighed against a blend:
// the geometric mean of the ensemble (weight 1/2) and a ridge regression on the other
// devices' log latencies alone (weight 1/2; HELP's premise that devices rank
// architectures alike, as issue 14 found for Xeon Gold 6226). The ensemble's error is
// leave-one-out with its whole choice repeated without each row; the blend's residual is
// the mean of the two in log space. The ensemble alone, or the ridge alone, is kept only
// when its error is below half the blend's (clearly better: the ensemble on columns its op
// counts predict almost exactly); otherwise the blend.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "hwnas/estimate/table_model.h"

namespace hwnas::estimate {

/// A chosen member with its leave-one-out score (mean capped squared relative error).
struct ScoredMember {
  TableMember member;
  double score = 0;
};

/// What the members are: the ensemble alone, the blend (the ensemble's members weighing
/// 1/2 together, the ridge on other devices 1/2), or that ridge alone.
enum class TableMix { ensemble, blend, ridge };

struct TableChoice {
  std::vector<ScoredMember> members;  // the ensemble's (best first), then the ridge; or the ridge alone
  TableMix mix = TableMix::ensemble;
  // The leave-one-out losses (mean capped squared relative error) weighed, when they were.
  std::optional<double> ensemble_loss, blend_loss, ridge_loss;
};

/// "ensemble", "blend" or "ridge".
const char* table_mix_name(TableMix mix);

/// The members `fit --table` averages (weighted geometric mean, predict_table_ms), fitted
/// on the rows `train` of `rows` (every row's `others` as long as the first's) with the
/// measured `latency_ms` (one per row of `rows`; only the training rows are read).
/// `train` holds at least 5 distinct indices.
TableChoice choose_table_members(const std::vector<TableRow>& rows, const std::vector<double>& latency_ms,
                                 const std::vector<std::size_t>& train);

}  // namespace hwnas::estimate
