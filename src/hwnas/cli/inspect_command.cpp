#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "hwnas/cli/commands.h"
#include "hwnas/cli/model_arg.h"
#include "hwnas/cli/number_options.h"
#include "hwnas/cli/json_output.h"
#include "hwnas/cli/text_output.h"
#include "hwnas/graph/analysis.h"
#include "hwnas/base/error.h"
#include "hwnas/base/printable.h"
#include "hwnas/space/models.h"

namespace hwnas::cli {
namespace {

struct InspectArgs {
  std::string model;
  std::string precision = "fp32";
  std::int32_t batch = 1;
  bool json = false;
};

std::string block_label(const graph::Graph& g, graph::NodeId id) {
  const graph::BlockId b = g.node(id).block;
  if (b == graph::kNoBlock) return "-";
  return fmt::format("{} ({})", printable(g.block_name(b), kNameColumns), graph::block_kind_name(g.block(b).kind));
}

std::string human(std::int64_t n) {
  if (n >= 10'000'000'000) return fmt::format("{:.1f}G", n / 1e9);
  if (n >= 10'000'000) return fmt::format("{:.1f}M", n / 1e6);
  if (n >= 100'000) return fmt::format("{:.1f}k", n / 1e3);
  return fmt::format("{}", n);
}

void print_json(const graph::Graph& g, const graph::Analysis& a) {
  nlohmann::ordered_json layers = nlohmann::ordered_json::array();
  for (graph::NodeId id = 0; id < g.size(); ++id) {
    const graph::Shape& s = g.shape(id);
    const graph::NodeCost& c = a.nodes[id];
    const graph::BlockId b = g.node(id).block;
    std::vector<std::string> inputs;
    for (graph::NodeId in : g.inputs(id)) inputs.emplace_back(g.node_name(in));
    layers.push_back({{"name", g.node_name(id)},
                      {"op", graph::op_name(g.op(id))},
                      {"block", b == graph::kNoBlock ? "" : std::string(g.block_name(b))},
                      {"block_kind", b == graph::kNoBlock ? "" : std::string(graph::block_kind_name(g.block(b).kind))},
                      {"inputs", inputs},
                      {"output_shape", {a.batch, s.c, s.h, s.w}},
                      {"macs", c.macs},
                      {"params", c.params},
                      {"params_folded", c.params_folded},
                      {"weight_bytes", c.weight_bytes},
                      {"activation_bytes", c.activation_bytes}});
  }
  const nlohmann::ordered_json out = {
      {"model", g.name()},
      {"precision", graph::precision_name(a.precision)},
      {"batch", a.batch},
      {"params", a.total.params},
      {"params_folded", a.total.params_folded},
      {"macs", a.total.macs},
      {"weight_bytes", a.total.weight_bytes},
      {"activation_bytes", a.total.activation_bytes},
      {"peak_activation_bytes", a.peak_activation_bytes},
      {"peak_activation_bytes_min_order", a.peak_activation_bytes_min_order},
      {"min_order_exact", a.min_order_exact},
      {"layers", layers}};
  emit_json(out);
}

void print_table(const graph::Graph& g, const graph::Analysis& a) {
  std::vector<std::string> names, blocks;
  std::size_t name_width = 4, block_width = 5;
  for (graph::NodeId id = 0; id < g.size(); ++id) {
    names.push_back(printable(g.node_name(id), kNameColumns));
    blocks.push_back(block_label(g, id));
    name_width = std::max(name_width, names.back().size());
    block_width = std::max(block_width, blocks.back().size());
  }
  fmt::print("{:<{}}  {:<16} {:<{}}  {:>20} {:>10} {:>10} {:>12}\n", "name", name_width, "op",
             "block", block_width, "output", "MACs", "params", "act bytes");
  for (graph::NodeId id = 0; id < g.size(); ++id) {
    const graph::NodeCost& c = a.nodes[id];
    fmt::print("{:<{}}  {:<16} {:<{}}  {:>20} {:>10} {:>10} {:>12}\n", names[id],
               name_width, graph::op_name(g.op(id)), blocks[id], block_width,
               graph::to_string(g.shape(id)), human(c.macs), human(c.params),
               human(c.activation_bytes));
  }
  fmt::print("\nmodel {}: {} nodes, {} blocks, {} precision, batch {}\n", printable(g.name()), g.size(),
             g.num_blocks(), graph::precision_name(a.precision), a.batch);
  fmt::print("  params                       {:>14}  ({} with BN folded)\n", a.total.params,
             a.total.params_folded);
  fmt::print("  MACs                         {:>14}\n", a.total.macs);
  fmt::print("  weight bytes                 {:>14}\n", a.total.weight_bytes);
  fmt::print("  peak activation bytes        {:>14}  (graph order)\n", a.peak_activation_bytes);
  fmt::print("  peak activation bytes        {:>14}  ({})\n", a.peak_activation_bytes_min_order,
             a.min_order_exact ? "memory-minimising order, exact"
                               : "greedy order: too large for the exact search, may not be the minimum");
}

}  // namespace

void add_inspect_command(CLI::App& app) {
  auto args = std::make_shared<InspectArgs>();
  auto* cmd = app.add_subcommand("inspect", "Per-layer shapes, MACs, parameters and memory of a model");
  cmd->add_option("MODEL", args->model, "Zoo spec (mobilenet_v2:width=0.5) or model file")
      ->required();
  cmd->add_option("--precision", args->precision, "int8, fp16 or fp32")->capture_default_str();
  add_integer_option(cmd, "--batch", args->batch, 1, INT32_MAX, "Batch size");
  cmd->add_flag("--json", args->json, "Print one JSON object on stdout");
  cmd->callback([args] {
    graph::Precision precision{};
    if (!graph::parse_precision(args->precision, precision))
      throw UserError(fmt::format("--precision '{}': use int8, fp16 or fp32", args->precision));
    const graph::Graph g = load_model_arg(args->model);
    const graph::Analysis a = graph::analyze(g, precision, args->batch);
    if (args->json) print_json(g, a);
    else print_table(g, a);
  });
}

}  // namespace hwnas::cli
