#include <fmt/format.h>

#include <filesystem>
#include <optional>

#include <nlohmann/json.hpp>

#include "hwnas/cli/commands.h"
#include "hwnas/cli/json_output.h"
#include "hwnas/cli/number_options.h"
#include "hwnas/cli/progress.h"
#include "hwnas/estimate/profile.h"
#include "hwnas/base/error.h"
#include "hwnas/base/file_io.h"
#include "hwnas/base/printable.h"
#include "hwnas/hw/table/table_target.h"
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
  add_integer_option(cmd, "--kernels", args->kernels, 1, 1'000'000, "Number of kernels to sample")
      ->default_str("")  // required: no default to show
      ->required();
  cmd->add_option("--db", args->db, "Measurement store (SQLite file, created if absent)")->required();
  add_integer_option(cmd, "--seed", args->seed, 0, UINT64_MAX, "Sampling seed");
  cmd->add_flag("--json", args->json, "Print one JSON object on stdout");
  cmd->callback([args] {
    check_output_path(args->db, "measurement store (--db)",
                      {{hw::target_description_path(args->target).string(), "the target description (--target)"}});
    const std::unique_ptr<hw::Target> target = hw::make_target(args->target);
    hw::refuse_table_for_kernels(*target, args->target, "profile");
    std::vector<FileRole> used;  // an external target's program and the files its command names
    for (std::string& f : target->input_files()) used.push_back({std::move(f), "a file the target's command uses"});
    check_output_path(args->db, "measurement store (--db)", used);
    std::error_code ec;
    const bool db_existed = std::filesystem::exists(args->db, ec) || ec;
    std::optional<hw::MeasurementStore> store = hw::MeasurementStore::open(args->db);
    ProgressBar bar("profile " + target->name());
    const estimate::ProfileResult r = estimate::profile(
        *target, *store, args->kernels, args->seed,
        [&bar](std::int64_t done, std::int64_t total) { bar.update(done, total); });
    bar.finish();
    if (r.measured + r.reused == 0) {
      // Nothing measured and nothing there: an error, and a store this run created goes.
      store.reset();
      if (!db_existed) std::filesystem::remove(args->db, ec);
      throw UserError(fmt::format("--target {}: none of the {} sampled kernels can run on '{}' (the first: {}); "
                                  "nothing was profiled",
                                  args->target, args->kernels, target->name(), r.first_unsupported));
    }
    const std::size_t stored = store->count(target->identity());
    if (args->json) {
      emit_json(nlohmann::ordered_json{{"target", target->name()},
                                       {"target_identity", target->identity()},
                                       {"db", args->db},
                                       {"measured", r.measured},
                                       {"reused", r.reused},
                                       {"unsupported", r.unsupported},
                                       {"stored_for_target", stored}});
    } else {
      fmt::print("{} on {}: measured {}, reused {}, unsupported {}; {} holds {} measurements for {}\n",
                 args->kernels, printable(target->name()), r.measured, r.reused, r.unsupported,
                 printable(args->db), stored, printable(target->identity()));
    }
  });
}

}  // namespace hwnas::cli
