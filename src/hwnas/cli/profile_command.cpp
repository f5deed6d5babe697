#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "hwnas/cli/commands.h"
#include "hwnas/cli/progress.h"
#include "hwnas/estimate/profile.h"
#include "hwnas/graph/error.h"
#include "hwnas/hw/targets/targets.h"

namespace hwnas::cli {
namespace {

struct ProfileArgs {
  std::string target, db;
  std::int64_t kernels = 0;
  std::uint64_t seed = 1;
  bool json = false;
};

}  // namespace

void add_profile_command(CLI::App& app) {
  auto args = std::make_shared<ProfileArgs>();
  auto* cmd = app.add_subcommand("profile", "Measure sampled kernels on a target into a measurement store");
  cmd->add_option("--target", args->target, "Preset name or description YAML")->required();
  cmd->add_option("--kernels", args->kernels, "Number of kernels to sample")->required();
  cmd->add_option("--db", args->db, "Measurement store (SQLite file, created if absent)")->required();
  cmd->add_option("--seed", args->seed, "Sampling seed")->capture_default_str();
  cmd->add_flag("--json", args->json, "Print one JSON object on stdout");
  cmd->callback([args] {
    if (args->kernels <= 0)
      throw UserError(fmt::format("--kernels {}: give a positive number of kernels", args->kernels));
    const std::unique_ptr<hw::Target> target = hw::make_target(args->target);
    hw::MeasurementStore store = hw::MeasurementStore::open(args->db);
    ProgressBar bar("profile " + target->name());
    const estimate::ProfileResult r = estimate::profile(
        *target, store, args->kernels, args->seed,
        [&bar](std::int64_t done, std::int64_t total) { bar.update(done, total); });
    bar.finish();
    const std::size_t stored = store.count(target->identity());
    if (args->json) {
      fmt::print("{}\n", nlohmann::ordered_json{{"target", target->name()},
                                                {"target_identity", target->identity()},
                                                {"db", args->db},
                                                {"measured", r.measured},
                                                {"reused", r.reused},
                                                {"unsupported", r.unsupported},
                                                {"stored_for_target", stored}}
                             .dump(2));
    } else {
      fmt::print("{} on {}: measured {}, reused {}, unsupported {}; {} holds {} measurements for {}\n",
                 args->kernels, target->name(), r.measured, r.reused, r.unsupported, args->db,
                 stored, target->identity());
    }
  });
}

}  // namespace hwnas::cli
