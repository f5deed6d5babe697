// hwnas space [show|decode|sample ...]: the built-in spaces; one space's genes, size and
// baseline; the model file of one genome; the model files of random distinct genomes.
#include <fmt/format.h>

#include <cstdint>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "hwnas/base/error.h"
#include "hwnas/base/printable.h"
#include "hwnas/cli/commands.h"
#include "hwnas/cli/json_output.h"
#include "hwnas/cli/number_options.h"
#include "hwnas/estimate/estimator.h"
#include "hwnas/estimate/table_model.h"
#include "hwnas/graph/analysis.h"
#include "hwnas/graph/model_file.h"
#include "hwnas/base/file_io.h"
#include "hwnas/hw/targets/targets.h"
#include "hwnas/space/registry.h"

namespace hwnas::cli {
namespace {

struct SpaceArgs {
  std::string space, target, estimator;
  bool uncurated = false, json = false;
};

// decode and sample: the space, and the model files they write.
struct SpaceModelArgs {
  SpaceArgs where;
  std::string genome, out;
  std::size_t count = 0;
  std::uint64_t seed = 0;
  std::string format = "yaml";
};

// Choice lists longer than this print as "first, second, ..., last (N choices)".
constexpr std::size_t kListedChoices = 12;

std::string choice_list(const std::vector<std::string>& choices) {
  std::vector<std::string> shown;
  for (const std::string& c : choices) shown.push_back(printable(c, 40));
  if (shown.size() <= kListedChoices) return fmt::format("{}", fmt::join(shown, ", "));
  return fmt::format("{}, {}, ..., {} ({} choices)", shown[0], shown[1], shown.back(), shown.size());
}

/// The space as --target / --estimator / --uncurated make it, and the precision its
/// memory figures are counted at (the target's or estimator's; fp32 without either).
struct OpenedSpace {
  std::unique_ptr<space::Space> space;
  space::SpaceOptions options;
  graph::Precision precision = graph::Precision::fp32;
};

OpenedSpace open_space(const SpaceArgs& args) {
  if (!args.target.empty() && !args.estimator.empty())
    throw UserError("give --target or --estimator, not both: P comes from one of them");
  OpenedSpace out;
  if (!args.target.empty()) {
    const std::unique_ptr<hw::Target> target = hw::make_target(args.target);
    out.options = space::space_options_for_target(target->parallelism_factor(), args.target);
    out.precision = target->precision();
  } else if (!args.estimator.empty()) {
    const nlohmann::json doc = estimate::read_estimator_json(args.estimator);
    if (estimate::TableEstimator::is_table_estimator(doc)) {
      out.options = space::space_options_for_estimator(0, args.estimator);
    } else {
      const estimate::Estimator e = estimate::Estimator::from_json(doc, args.estimator);
      out.options = space::space_options_for_estimator(e.lanes().cout, args.estimator);
      out.precision = e.precision();
    }
  }
  out.options.uncurated = args.uncurated;
  out.space = space::make_space(args.space, out.options);
  return out;
}

void show(const SpaceArgs& args) {
  const OpenedSpace opened = open_space(args);
  const std::unique_ptr<space::Space>& space = opened.space;
  const space::SpaceOptions& options = opened.options;
  const graph::Precision precision = opened.precision;
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

/// The genome GENOME names: "baseline" or choice indices joined by '-', checked against the
/// space and canonicalised.
space::Genome genome_argument(const space::Space& space, const std::string& text) {
  if (text == "baseline") {
    if (!space.baseline())
      throw UserError(fmt::format("space '{}' has no baseline; give a genome, e.g. as `hwnas search --json` prints it",
                                  space.name()));
    return *space.baseline();
  }
  const space::Genome genome = space::parse_genome(text, "GENOME");
  space.check(genome);
  return space.canonical(genome);
}

nlohmann::ordered_json network_json(const space::Space& space, const space::Genome& genome,
                                    const graph::Analysis& a, const std::string& file) {
  return {{"genome", space::to_text(genome)}, {"arch", space.arch(genome)}, {"file", file},
          {"params", a.total.params},         {"macs", a.total.macs},       {"peak_activation_bytes", a.peak_activation_bytes}};
}

void print_network(const space::Genome& genome, const graph::Analysis& a, const std::string& file) {
  fmt::print("{}  {}  params {}, MACs {}\n", printable(file), space::to_text(genome), a.total.params, a.total.macs);
}

void decode(const SpaceModelArgs& args) {
  const OpenedSpace opened = open_space(args.where);
  const space::Genome genome = genome_argument(*opened.space, args.genome);
  if (!args.out.ends_with(".yaml") && !args.out.ends_with(".yml") && !args.out.ends_with(".json"))
    throw UserError(fmt::format("--out {}: model files end in .yaml, .yml or .json", printable(args.out)));
  check_output_path(args.out, "model file (--out)");
  const graph::Graph network = opened.space->decode(genome);
  const graph::Analysis analysis = graph::analyze(network, opened.precision);
  graph::save_model_file(network, args.out);
  if (args.where.json)
    emit_json(network_json(*opened.space, genome, analysis, args.out));
  else
    print_network(genome, analysis, args.out);
}

void sample(const SpaceModelArgs& args) {
  if (args.format != "yaml" && args.format != "json")
    throw UserError(fmt::format("--format {}: give yaml or json", printable(args.format)));
  const OpenedSpace opened = open_space(args.where);
  const std::vector<space::Genome> genomes = space::sample_distinct(*opened.space, args.count, args.seed);
  std::vector<graph::Graph> networks;  // all decoded before anything is written
  for (const space::Genome& g : genomes) networks.push_back(opened.space->decode(g));
  namespace fs = std::filesystem;
  std::string dir = args.out;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();  // samples/ names the directory samples
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec))
    throw UserError(fmt::format("{}: --out is a file; give a directory (it is created if missing)", printable(dir)));
  if (fs::is_directory(dir, ec))
    for (const fs::directory_entry& entry : fs::directory_iterator(dir, ec))
      if (entry.path().filename().string().starts_with("sample-"))
        throw UserError(fmt::format("{}: --out holds {} from an earlier sample, which this one would mix with; "
                                    "give a new or empty directory",
                                    printable(dir), printable(entry.path().filename().string())));
  std::vector<std::string> files;
  for (std::size_t i = 0; i < genomes.size(); ++i)
    files.push_back((fs::path(dir) / fmt::format("sample-{:03}.{}", i, args.format)).string());
  if (!fs::exists(dir, ec)) {
    check_output_path(dir, "sample directory (--out)");  // its parent exists and is writable
    fs::create_directory(dir, ec);
    if (ec) throw UserError(fmt::format("{}: cannot create the directory ({})", printable(dir), ec.message()));
  }
  for (const std::string& f : files) check_output_path(f, "model file (--out)");
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < genomes.size(); ++i) {
    const graph::Analysis analysis = graph::analyze(networks[i], opened.precision);
    graph::save_model_file(networks[i], files[i]);
    if (args.where.json)
      list.push_back(network_json(*opened.space, genomes[i], analysis, files[i]));
    else
      print_network(genomes[i], analysis, files[i]);
  }
  if (args.where.json) emit_json(nlohmann::ordered_json{{"space", opened.space->name()}, {"seed", args.seed}, {"samples", list}});
}

void add_space_options(CLI::App* cmd, SpaceArgs& args) {
  cmd->add_option("SPACE", args.space, "Built-in space name or a space file (.yaml)")->required();
  cmd->add_option("--target", args.target, "Target whose parallelism factor P stands for (preset or description)");
  cmd->add_option("--estimator", args.estimator, "Estimator file whose detected lanes P stands for");
  cmd->add_flag("--uncurated", args.uncurated, "The space's uncurated twin (as curated: false)");
  cmd->add_flag("--json", args.json, "Print one JSON object on stdout");
}

}  // namespace

void add_space_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("space", "List the built-in search spaces, or show one");
  auto list_json = std::make_shared<bool>(false);
  cmd->add_flag("--json", *list_json, "Print one JSON object on stdout");
  auto* show_cmd = cmd->add_subcommand("show", "Genes and choices, size and baseline of a space (docs/spaces.md)");
  auto args = std::make_shared<SpaceArgs>();
  add_space_options(show_cmd, *args);
  show_cmd->callback([args] { show(*args); });

  auto* decode_cmd = cmd->add_subcommand("decode", "Write the network of one genome of a space as a model file");
  auto decode_args = std::make_shared<SpaceModelArgs>();
  add_space_options(decode_cmd, decode_args->where);
  decode_cmd->add_option("GENOME", decode_args->genome, "'baseline', or choice indices joined by '-' (as search prints)")
      ->required();
  decode_cmd->add_option("--out", decode_args->out, "Model file to write (.yaml, .yml or .json)")->required();
  decode_cmd->callback([decode_args] { decode(*decode_args); });

  auto* sample_cmd = cmd->add_subcommand("sample", "Write the networks of distinct random genomes of a space");
  auto sample_args = std::make_shared<SpaceModelArgs>();
  add_space_options(sample_cmd, sample_args->where);
  add_integer_option(sample_cmd, "--count", sample_args->count, 1, 100000, "How many distinct architectures")
      ->default_str("")  // required: no default to show
      ->required();
  add_integer_option(sample_cmd, "--seed", sample_args->seed, 0, UINT64_MAX, "Seed of the draws");
  sample_cmd->add_option("--out", sample_args->out, "Directory for sample-NNN.yaml (created if missing)")->required();
  sample_cmd->add_option("--format", sample_args->format, "yaml or json")->default_val("yaml");
  sample_cmd->callback([sample_args] { sample(*sample_args); });
  cmd->callback([cmd, show_cmd, decode_cmd, sample_cmd, list_json] {
    if (show_cmd->parsed() || decode_cmd->parsed() || sample_cmd->parsed()) return;
    const std::vector<std::string> names = space::builtin_space_names();
    if (*list_json)
      emit_json(nlohmann::ordered_json{{"spaces", names}});
    else
      for (const std::string& n : names) fmt::print("{}\n", n);
  });
}

}  // namespace hwnas::cli
