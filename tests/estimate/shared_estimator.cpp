#include "shared_estimator.h"

#include <cstdlib>
#include <string>

#include "hwnas/base/error.h"
#include "hwnas/estimate/fit.h"
#include "hwnas/hw/store/measurement_store.h"
#include "hwnas/hw/targets/targets.h"

namespace hwnas::testing {
namespace {

namespace fs = std::filesystem;

constexpr const char* kEnv = "HWNAS_SHARED_ESTIMATOR_DIR";

/// The fixture's directory, or `scratch` when the fixture is not in use.
fs::path shared_dir(const fs::path& scratch) {
  const char* env = std::getenv(kEnv);
  return env != nullptr && *env != '\0' ? fs::path(env) : scratch / "shared_estimator";
}

bool from_fixture() {
  const char* env = std::getenv(kEnv);
  return env != nullptr && *env != '\0';
}

/// Makes sure the shared files exist: from the fixture, or fitted now (once per process).
fs::path ensure_shared(const fs::path& scratch) {
  const fs::path dir = shared_dir(scratch);
  if (from_fixture()) {
    if (!fs::exists(dir / "shared.est") || !fs::exists(dir / "shared.db"))
      throw InternalError(std::string(kEnv) + "=" + dir.string() +
                          " holds no shared.est and shared.db: the ctest fixture "
                          "'estimate.fit_shared_estimator' failed or did not run; run this binary "
                          "without " + kEnv + " to fit the estimator in-process");
    return dir;
  }
  static const bool fitted = [&] {
    fit_shared_estimator(dir);
    return true;
  }();
  (void)fitted;
  return dir;
}

}  // namespace

void fit_shared_estimator(const fs::path& dir) {
  fs::create_directories(dir);
  for (const char* name : {"shared.est", "shared.db", "shared.db-wal", "shared.db-shm", "shared.db-journal"})
    fs::remove(dir / name);
  auto target = hw::make_target("npu-p16");
  auto store = hw::MeasurementStore::open((dir / "shared.db").string());
  estimate::FitOptions o;
  o.budget = 1200;
  o.rounds = 1;
  o.folds = 2;  // cross-validation trains most of the trees: keep the tests' fit quick
  o.xgb.rounds = 150;
  estimate::fit_estimator(*target, store, o).save((dir / "shared.est").string());
}

const estimate::Estimator& shared_estimator(const fs::path& scratch) {
  static const estimate::Estimator& e =
      *new estimate::Estimator(estimate::Estimator::load((ensure_shared(scratch) / "shared.est").string()));
  return e;
}

fs::path shared_estimator_file(const fs::path& scratch) { return ensure_shared(scratch) / "shared.est"; }

void copy_shared_store(const fs::path& scratch, const fs::path& to) {
  fs::copy_file(ensure_shared(scratch) / "shared.db", to, fs::copy_options::overwrite_existing);
}

}  // namespace hwnas::testing
