// hwnas space [show SPACE]: the built-in spaces, or one space's genes, size and baseline.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "hwnas/base/error.h"
#include "hwnas/base/printable.h"
#include "hwnas/cli/commands.h"
#include "hwnas/cli/json_output.h"
#include "hwnas/estimate/estimator.h"
#include "hwnas/estimate/table_model.h"
#include "hwnas/graph/analysis.h"
#include "hwnas/hw/targets/targets.h"
#include "hwnas/space/registry.h"

namespace hwnas::cli {
namespace {

struct ShowArgs {
  std::string space, target, estimator;
  bool uncurated = false, json = false;
};

// Choice lists longer than this print as "first, second, ..., last (N choices)".
constexpr std::size_t kListedChoices = 12;

std::string choice_list(const std::vector<std::string>& choices) {
  std::vector<std::string> shown;
  for (const std::string& c : choices) shown.push_back(printable(c, 40));
  if (shown.size() <= kListedChoices) return fmt::format("{}", fmt::join(shown, ", "));
  return fmt::format("{}, {}, ..., {} ({} choices)", shown[0], shown[1], shown.back(), shown.size());
}

void show(const ShowArgs& args) {
  if (!args.target.empty() && !args.estimator.empty())
    throw UserError("give --target or --estimator, not both: P comes from one of them");
  space::SpaceOptions options;
  graph::Precision precision = graph::Precision::fp32;
  if (!args.target.empty()) {
    const std::unique_ptr<hw::Target> target = hw::make_target(args.target);
    options = space::space_options_for_target(target->parallelism_factor(), args.target);
    precision = target->precision();
  } else if (!args.estimator.empty()) {
    const nlohmann::json doc = estimate::read_estimator_json(args.estimator);
    if (estimate::TableEstimator::is_table_estimator(doc)) {
      options = space::space_options_for_estimator(0, args.estimator);
    } else {
      const estimate::Estimator e = estimate::Estimator::from_json(doc, args.estimator);
      options = space::space_options_for_estimator(e.lanes().cout, args.estimator);
      precision = e.precision();
    }
  }
  options.uncurated = args.uncurated;
  const std::unique_ptr<space::Space> space = space::make_space(args.space, options);
  const std::vector<space::Gene>& genes = space->genes();
  const std::optional<std::uint64_t> exact = space->exact_size();
  std::optional<graph::Analysis> analysis;
  if (space->baseline()) analysis = graph::analyze(space->decode(*space->baseline()), precision);

  if (args.json) {
    nlohmann::ordered_json gene_list = nlohmann::ordered_json::array();
    for (const space::Gene& g : genes) gene_list.push_back({{"name", g.name}, {"choices", g.choices}});
    nlohmann::ordered_json baseline = nullptr;
    if (analysis)
      baseline = {{"genome", space::to_text(*space->baseline())},
                  {"arch", space->arch(*space->baseline())},
                  {"params", analysis->total.params},
                  {"macs", analysis->total.macs},
                  {"weight_bytes", analysis->total.weight_bytes},
                  {"peak_activation_bytes", analysis->peak_activation_bytes},
                  {"precision", graph::precision_name(precision)}};
    emit_json(nlohmann::ordered_json{
        {"space", space->name()},
        {"parallelism_factor",
         options.parallelism_factor ? nlohmann::ordered_json(*options.parallelism_factor) : nullptr},
        {"genes", gene_list},
        {"architectures", exact ? nlohmann::ordered_json(*exact) : nullptr},
        {"log10_architectures", space->log10_size()},
        {"baseline", baseline}});
    return;
  }
  fmt::print("space {}: {} genes, ", printable(space->name()), genes.size());
  if (exact)
    fmt::print("{} architectures\n", *exact);
  else
    fmt::print("about 10^{:.1f} architectures\n", space->log10_size());
  if (options.parallelism_factor)
    fmt::print("P = {} ({})\n", *options.parallelism_factor, printable(options.parallelism_source));
  fmt::print("\n{:<5}{:<32}{}\n", "gene", "name", "choices");
  for (std::size_t i = 0; i < genes.size(); ++i)
    fmt::print("{:<5}{:<32}{}\n", i, printable(genes[i].name, 31), choice_list(genes[i].choices));
  if (!analysis) {
    fmt::print("\nno baseline\n");
    return;
  }
  fmt::print("\nbaseline {}\n", space::to_text(*space->baseline()));
  fmt::print("  params {}, MACs {}, weight bytes {}, peak activation bytes {} ({})\n", analysis->total.params,
             analysis->total.macs, analysis->total.weight_bytes, analysis->peak_activation_bytes,
             graph::precision_name(precision));
}

}  // namespace

void add_space_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("space", "List the built-in search spaces, or show one");
  auto list_json = std::make_shared<bool>(false);
  cmd->add_flag("--json", *list_json, "Print one JSON object on stdout");
  auto* show_cmd = cmd->add_subcommand("show", "Genes and choices, size and baseline of a space (docs/spaces.md)");
  auto args = std::make_shared<ShowArgs>();
  show_cmd->add_option("SPACE", args->space, "Built-in space name or a space file (.yaml)")->required();
  show_cmd->add_option("--target", args->target,
                       "Target whose parallelism factor P stands for (preset or description)");
  show_cmd->add_option("--estimator", args->estimator, "Estimator file whose detected lanes P stands for");
  show_cmd->add_flag("--uncurated", args->uncurated, "Show the space's uncurated twin (as curated: false)");
  show_cmd->add_flag("--json", args->json, "Print one JSON object on stdout");
  show_cmd->callback([args] { show(*args); });
  cmd->callback([cmd, show_cmd, list_json] {
    if (show_cmd->parsed()) return;
    const std::vector<std::string> names = space::builtin_space_names();
    if (*list_json)
      emit_json(nlohmann::ordered_json{{"spaces", names}});
    else
      for (const std::string& n : names) fmt::print("{}\n", n);
  });
}

}  // namespace hwnas::cli
