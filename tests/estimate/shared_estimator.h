// The one small npu-p16 estimator the estimator tests share.
//
// ctest fits it once per run: the fixture test `estimate.fit_shared_estimator` runs
// `fit_shared_estimator DIR` (shared_estimator_fit.cpp), and every Estimator.* test, which
// requires that fixture, finds DIR in $HWNAS_SHARED_ESTIMATOR_DIR and loads it. Run
// directly (build/bin/estimate_tests), without that variable, the test process fits it
// itself, once, into its scratch directory.
#pragma once

#include <filesystem>

#include "hwnas/estimate/estimator.h"

namespace hwnas::testing {

/// Fits the shared estimator into `dir` (created; a previous fit there is replaced):
/// `dir`/shared.est and `dir`/shared.db, the measurement store the fit filled.
void fit_shared_estimator(const std::filesystem::path& dir);

/// The shared estimator: loaded from $HWNAS_SHARED_ESTIMATOR_DIR when it is set (a
/// missing file there fails the test, naming the fixture), else fitted once in this
/// process into `scratch`. Leaked on purpose: XGBoost's own statics may be destroyed
/// before ours at exit.
const estimate::Estimator& shared_estimator(const std::filesystem::path& scratch);

/// The shared estimator's file (`shared.est` in the fixture's directory, or fitted once in
/// this process into `scratch`), for tests that give it to the CLI.
std::filesystem::path shared_estimator_file(const std::filesystem::path& scratch);

/// Copies the measurement store the shared estimator was fitted from to `to` (replacing
/// it) so that a test may write to it without touching the fixture's.
void copy_shared_store(const std::filesystem::path& scratch, const std::filesystem::path& to);

}  // namespace hwnas::testing
