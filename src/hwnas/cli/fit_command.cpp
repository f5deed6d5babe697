#include <fmt/format.h>
#include <fmt/ranges.h>

#include <nlohmann/json.hpp>

#include <algorithm>

#include "hwnas/cli/commands.h"
#include "hwnas/cli/json_output.h"
#include "hwnas/cli/number_options.h"
#include "hwnas/cli/progress.h"
#include "hwnas/search/table_estimator_inputs.h"
#include "hwnas/estimate/fit.h"
#include "hwnas/estimate/table_fit.h"
#include "hwnas/base/error.h"
#include "hwnas/base/printable.h"
#include "hwnas/base/file_io.h"
#include "hwnas/hw/table/table_target.h"
#include "hwnas/hw/targets/targets.h"
#include "hwnas/space/registry.h"

namespace hwnas::cli {
namespace {

// Limits of the numeric options (docs/cli.md): a budget of a million kernels is about a
// day on the slowest preset; trees and depth bound each model's size and fit time.
constexpr std::uint64_t kMaxBudget = 1'000'000;
constexpr std::uint64_t kMaxTrain = 1'000'000;
constexpr std::uint64_t kMaxTrees = 2000;
constexpr std::uint64_t kMaxDepth = 12;
constexpr double kMinEta = 1e-3;  // XGBoost refuses learning rates below ~1.2e-38 after all measuring

// Options of one mode given in the other: an error naming the option, not silently ignored.
// The text for train.mix (estimate/table_candidates.h, TableMix).
std::string mix_words(const nlohmann::json& mix) {
  const std::string m = mix.get<std::string>();
  if (m == "blend") return "blend: the ensemble with a ridge on the other devices' log latencies";
  if (m == "ridge") return "a ridge on the other devices' log latencies";
  return "the ensemble of ridge candidates";
}

void refuse_other_mode(const CLI::App* cmd, bool table_mode) {
  const char* const table_only[] = {"--arch-column", "--latency-column", "--space", "--train", "--predictions"};
  const char* const kernel_only[] = {"--target", "--db", "--budget", "--batch", "--rounds",
                                     "--trees", "--depth", "--eta", "--stop-within-5pct"};
  if (table_mode) {
    for (const char* name : kernel_only)
      if (cmd->count(name) > 0)
        throw UserError(fmt::format("{} is for kernel mode (--target) and does not apply with --table; drop it", name));
  } else {
    for (const char* name : table_only)
      if (cmd->count(name) > 0)
        throw UserError(fmt::format("{} is for table mode and applies only with --table; drop it or give --table",
                                    name));
  }
}

struct FitArgs {
  std::string target, db, out, space;
  estimate::TableFitOptions table;
  std::int64_t budget = 20000;
  std::vector<std::int32_t> batches = {1};
  std::uint64_t seed = 1;
  int rounds = 3;
  estimate::XgbParams xgb;
  double stop_within_5pct = estimate::FitOptions{}.target_within_5pct;
  bool json = false;
};

void print_summary(const estimate::Estimator& e, const std::string& out) {
  const nlohmann::json& m = e.metrics();
  std::string fusion;
  for (hw::FusionPattern p : e.fusion_rules().patterns) fusion += (fusion.empty() ? "" : ", ") + std::string(hw::fusion_name(p));
  fmt::print("estimator for {} ({}) written to {}\n", printable(e.target_name()), printable(e.target_identity()),
             printable(out));
  fmt::print("fusion rules ({}): {}\n", e.fusion_detected() ? "detected by measurement" : "stated by the target",
             fusion.empty() ? "none" : fusion);
  const auto lane = [](std::int32_t p) { return p > 0 ? std::to_string(p) : std::string("none found"); };
  fmt::print("lanes (detected by measurement): output channels {}, input channels {}, channel storage {}\n",
             lane(e.lanes().cout), lane(e.lanes().cin), lane(e.lanes().channels));
  fmt::print("measurements: {}\n", m["measurements"].get<std::int64_t>());
  fmt::print("batch sizes fitted for (estimates refuse others): {}\n", fmt::join(e.batches(), ", "));
  fmt::print("cross-validated error per kernel type:\n");
  fmt::print("  {:<14}{:>9}{:>13}{:>12}{:>18}\n", "type", "samples", "within 10%", "within 5%", "median |error| %");
  const auto row = [](const std::string& name, const nlohmann::json& t) {
    const std::int64_t samples = t.value("samples", t["kernels"].get<std::int64_t>());
    if (t["kernels"].get<std::int64_t>() == 0) {  // too few samples to cross-validate
      fmt::print("  {:<14}{:>9}{:>13}{:>12}{:>18}\n", name, samples, "-", "-", "-");
      return;
    }
    fmt::print("  {:<14}{:>9}{:>12.1f}%{:>11.1f}%{:>18.2f}\n", name, samples, 100 * t["within_10pct"].get<double>(),
               100 * t["within_5pct"].get<double>(), t["median_abs_pct_error"].get<double>());
  };

  for (const auto& [type, t] : m["cross_validation"]["types"].items()) row(type, t);
  row("all", m["cross_validation"]["overall"]);
  if (e.batches().size() > 1)
    for (std::int32_t b : e.batches())
      row(fmt::format("batch {}", b), m["cross_validation"]["batches"][std::to_string(b)]);
  std::string missing;
  for (const std::string& type : estimate::kernel_types(e.fusion_rules()))
    if (!e.has_model(type)) missing += (missing.empty() ? "" : ", ") + type;
  if (!missing.empty())
    fmt::print(stderr, "hwnas: warning: no model for {} kernels (the target ran too few of them): networks that "
                       "hold them cannot be estimated\n", missing);
}

}  // namespace

void add_fit_command(CLI::App& app) {
  auto args = std::make_shared<FitArgs>();
  auto* cmd = app.add_subcommand("fit", "Learn a latency estimator for a target from kernel measurements");
  cmd->add_option("--target", args->target, "Preset name or description YAML (kernel mode)");
  cmd->add_option("--db", args->db, "Measurement store (SQLite; reused and extended)");
  cmd->add_option("--table", args->table.csv, "Whole-network latency CSV (table mode)");
  cmd->add_option("--arch-column", args->table.arch_column,
                  "Table mode: the architecture column (default: the space's, arch for nb201, blocks for fbnet)");
  cmd->add_option("--latency-column", args->table.latency_column, "Table mode: the latency column (ms)");
  cmd->add_option("--space", args->space, "Table mode: nb201 or fbnet");
  add_integer_option(cmd, "--train", args->table.train, 1, kMaxTrain, "Table mode: training rows");
  cmd->add_option("--predictions", args->table.predictions,
                  "Table mode: also write every row's measured and predicted latency (CSV)");
  cmd->add_option("--out", args->out, "Estimator file to write")->required();
  add_integer_option(cmd, "--budget", args->budget, 1, kMaxBudget, "Kernel mode: most kernel measurements");
  add_integer_list_option(cmd, "--batch", args->batches, 1, 4096,
                          "Kernel mode: batch sizes to fit for, e.g. 1,8,64 (estimates refuse others)");
  add_integer_option(cmd, "--rounds", args->rounds, 0, 100, "Kernel mode: adaptive sampling rounds (0: none)");
  add_integer_option(cmd, "--seed", args->seed, 0, UINT64_MAX, "Sampling seed");
  add_integer_option(cmd, "--trees", args->xgb.rounds, 1, kMaxTrees,
                     "Kernel mode: trees per kernel type (more: slower predictions)");
  add_integer_option(cmd, "--depth", args->xgb.max_depth, 1, kMaxDepth, "Kernel mode: largest tree depth");
  add_real_option(cmd, "--eta", args->xgb.eta, kMinEta, false, 1, "Kernel mode: learning rate of the boosting");
  add_real_option(cmd, "--stop-within-5pct", args->stop_within_5pct, 0, true, 1,
                  "Kernel mode: stop sampling once this share of kernels is within ±5% in cross-validation");
  cmd->add_flag("--json", args->json, "Print one JSON object on stdout");
  cmd->callback([args, cmd] {
    refuse_other_mode(cmd, !args->table.csv.empty());
    if (!args->table.csv.empty()) {
      if (args->table.latency_column.empty() || args->space.empty())
        throw UserError("--table needs --latency-column and --space (nb201 or fbnet)");
      args->table.seed = args->seed;
      const std::vector<FileRole> files = {{args->table.csv, "the latency table (--table)"},
                                           {args->out, "the estimator file (--out)"},
                                           {args->table.predictions, "the predictions file (--predictions)"}};
      check_output_path(args->out, "estimator file (--out)", {files[0], files[2]});
      if (!args->table.predictions.empty())
        check_output_path(args->table.predictions, "predictions file (--predictions)", {files[0], files[1]});
      std::unique_ptr<space::Space> space;
      try {
        space = space::make_space(args->space, {});
      } catch (const UserError& e) {
        throw UserError(fmt::format("--space {}: {}", printable(args->space, 80), e.what()));
      }
      const nlohmann::json r = estimate::fit_table(args->table, *space, search::make_table_simulators(), args->out);
      if (const auto warnings = r.find("warnings"); warnings != r.end())
        for (const nlohmann::json& w : *warnings)
          fmt::print(stderr, "hwnas: warning: {}\n", printable(w.get<std::string>()));
      if (args->json) {
        emit_json(r);
      } else {
        const nlohmann::json& h = r["holdout"];
        fmt::print("{}: trained on {} rows ({}), evaluated on {}: Spearman {:.4f}, Kendall {:.4f}, {:.1f}% within "
                   "±10%, {:.1f}% within ±5%; written to {}\n",
                   printable(args->table.latency_column), args->table.train, mix_words(r["train"]["mix"]),
                   h["count"].get<std::int64_t>(), h["spearman"].get<double>(), h["kendall"].get<double>(),
                   100 * h["within_10pct"].get<double>(), 100 * h["within_5pct"].get<double>(), printable(args->out));
      }
      return;
    }
    if (args->target.empty() || args->db.empty())
      throw UserError("fit needs --target and --db (kernel mode) or --table (table mode); see 'hwnas fit --help'");
    const FileRole description = {hw::target_description_path(args->target).string(), "the target description (--target)"};
    check_output_path(args->out, "estimator file (--out)", {description, {args->db, "the measurement store (--db)"}});
    check_output_path(args->db, "measurement store (--db)", {description});
    std::ranges::sort(args->batches);
    args->batches.erase(std::unique(args->batches.begin(), args->batches.end()), args->batches.end());
    const std::unique_ptr<hw::Target> target = hw::make_target(args->target);
    hw::refuse_table_for_kernels(*target, args->target, "fit --target");
    std::vector<FileRole> used;  // an external target's program and the files its command names
    for (std::string& f : target->input_files()) used.push_back({std::move(f), "a file the target's command uses"});
    check_output_path(args->out, "estimator file (--out)", used);
    check_output_path(args->db, "measurement store (--db)", used);
    estimate::FitOptions options;
    options.batches = args->batches;
    options.budget = args->budget;
    estimate::check_budget(*target, options);  // before the store is created
    hw::MeasurementStore store = hw::MeasurementStore::open(args->db);
    options.seed = args->seed;
    options.rounds = args->rounds;
    options.xgb = args->xgb;
    options.target_within_5pct = args->stop_within_5pct;
    std::string stage;
    std::unique_ptr<ProgressBar> bar;
    const estimate::Estimator e = estimate::fit_estimator(
        *target, store, options, [&](const std::string& s, std::int64_t done, std::int64_t total) {
          if (s != stage) {
            if (bar) bar->finish();
            bar = std::make_unique<ProgressBar>("fit " + target->name() + ": " + s);
            stage = s;
          }
          bar->update(done, total);
        });
    if (bar) bar->finish();
    e.save(args->out);
    if (args->json) {
      std::vector<std::string> fusion;
      for (hw::FusionPattern p : e.fusion_rules().patterns) fusion.emplace_back(hw::fusion_name(p));
      emit_json(nlohmann::ordered_json{{"estimator", args->out},
                                       {"target", e.target_name()},
                                       {"target_identity", e.target_identity()},
                                       {"fusion", fusion},
                                       {"fusion_detected", e.fusion_detected()},
                                       {"lanes", estimate::lanes_json(e.lanes())},
                                       {"metrics", e.metrics()}});
    } else {
      print_summary(e, args->out);
    }
  });
}

}  // namespace hwnas::cli
