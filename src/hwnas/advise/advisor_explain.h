// The advisor's explanations: what a rewrite changed in the hardware's terms, from the
// kernels that run the site's nodes before and after (docs/advisor.md#explanations).
#pragma once

#include <string>

#include "hwnas/advise/advisor_eval.h"
#include "hwnas/advise/pass.h"

namespace hwnas::advise {

/// One line built from the kernels that run a node the record removed, added or changed:
/// with a target's measurements, the slowest such kernel before (its utilisation of the
/// MAC array, bound and DRAM bytes) and after; without, the estimator's latency of those
/// kernels before -> after and the slowest of each; then the change of MACs and, when
/// they change, of weight bytes and peak activation bytes. E.g. "the 3x3 depthwise conv
/// 96 ch at 56x56 ran at 6.2% of the MAC array (sram-bound, 0.021 ms); now the 3x3 conv
/// 16->96 at 56x56 runs at 88.0% (compute-bound, 0.014 ms); MACs +21.4 M (+7.1%)".
std::string explain(const RewriteRecord& record, const Evaluation& before, const Evaluation& after);

/// "-0.210 ms (-12.0%)" from latencies in seconds.
std::string delta_ms(double before_s, double after_s);
/// "+21.4 M (+7.1%)"-style change of a count: `unit` "" for MACs (M), "B" for bytes (kB, MB).
std::string delta_count(std::int64_t before, std::int64_t after, std::string_view unit);
/// "1.2 MB", "350.0 kB", "512 B"; and MACs as "21.4 M".
std::string bytes_text(double bytes);

}  // namespace hwnas::advise
