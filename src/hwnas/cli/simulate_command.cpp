#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "hwnas/cli/commands.h"
#include "hwnas/cli/model_arg.h"
#include "hwnas/cli/number_options.h"
#include "hwnas/cli/json_output.h"
#include "hwnas/cli/text_output.h"
#include "hwnas/estimate/measure_network.h"
#include "hwnas/base/error.h"
#include "hwnas/base/printable.h"
#include "hwnas/space/models.h"
#include "hwnas/hw/table/table_target.h"
#include "hwnas/hw/targets/targets.h"

namespace hwnas::cli {
namespace {

struct SimulateArgs {
  std::string model, target;
  std::int32_t batch = 1;
  bool json = false;
};

std::string fused_ops(const hw::Kernel& kernel) {
  std::string ops;
  for (const hw::KernelOp& op : kernel.ops) ops += (ops.empty() ? "" : "+") + std::string(graph::op_name(op.op));
  return ops;
}

void print_json(const graph::Graph& g, const hw::Target& t, const estimate::NetworkMeasurement& n) {
  nlohmann::ordered_json layers = nlohmann::ordered_json::array();
  for (const auto& k : n.kernels) {
    std::vector<std::string> nodes;
    for (graph::NodeId id : k.instance.nodes) nodes.emplace_back(g.node_name(id));
    nlohmann::ordered_json row = {{"name", g.node_name(k.instance.nodes[0])},
                                  {"ops", fused_ops(k.instance.kernel)},
                                  {"nodes", nodes},
                                  {"latency_ms", k.measurement.latency_s * 1e3},
                                  {"bound", hw::bound_name(k.measurement.bound)}};
    row["utilization"] = k.measurement.utilization ? nlohmann::ordered_json(*k.measurement.utilization)
                                                   : nlohmann::ordered_json(nullptr);
    if (k.measurement.cycles) row["cycles"] = *k.measurement.cycles;
    if (k.measurement.sram_bytes) row["sram_bytes"] = *k.measurement.sram_bytes;
    if (k.measurement.dram_bytes) row["dram_bytes"] = *k.measurement.dram_bytes;
    layers.push_back(std::move(row));
  }
  nlohmann::ordered_json out = {{"model", g.name()},
                                {"target", t.name()},
                                {"target_identity", t.identity()},
                                {"precision", graph::precision_name(t.precision())},
                                {"latency_ms", n.latency_s * 1e3},
                                {"cycles", n.cycles},
                                {"kernels", n.kernels.size()},
                                {"layers", layers}};
  emit_json(out);
}

void print_table(const graph::Graph& g, const hw::Target& t, const estimate::NetworkMeasurement& n) {
  std::vector<std::string> names;
  std::size_t name_width = 4, ops_width = 3;
  for (const auto& k : n.kernels) {
    names.push_back(printable(g.node_name(k.instance.nodes[0]), kNameColumns));
    name_width = std::max(name_width, names.back().size());
    ops_width = std::max(ops_width, fused_ops(k.instance.kernel).size());
  }
  fmt::print("{:<{}}  {:<{}}  {:>11} {:>9} {:>7}\n", "name", name_width, "ops", ops_width,
             "latency_us", "bound", "util");
  for (std::size_t i = 0; i < n.kernels.size(); ++i) {
    const hw::Measurement& m = n.kernels[i].measurement;
    fmt::print("{:<{}}  {:<{}}  {:>11.2f} {:>9} {:>7}\n", names[i], name_width,
               fused_ops(n.kernels[i].instance.kernel), ops_width, m.latency_s * 1e6,
               hw::bound_name(m.bound),
               m.utilization ? fmt::format("{:.1f}%", *m.utilization * 100) : "-");
  }
  fmt::print("\nmodel {} on {} ({}): {}, latency {:.3f} ms", printable(g.name()),
             printable(t.name()), graph::precision_name(t.precision()),
             plural(static_cast<std::int64_t>(n.kernels.size()), "kernel"),
             n.latency_s * 1e3);
  if (n.cycles > 0) fmt::print(", {:.0f} cycles", n.cycles);
  fmt::print("\n");
}

// A table target times whole networks: the MODEL's row of the table, no per-kernel rows.
void print_table_row(const std::string& model, const graph::Graph& g, const hw::TableTarget& t,
                     std::int32_t batch, bool json) {
  if (batch != 1)
    throw UserError(fmt::format("--batch {}: table target '{}' holds latencies timed at one setting (column "
                                "'{}'); drop --batch",
                                batch, t.name(), t.latency_column()));
  std::optional<hw::TableTarget::SpecArchitecture> arch;
  if (const auto a = space::spec_architecture(model)) arch = {std::string(a->prefix), a->arch, a->other_options};
  const auto [key, latency_ms] = t.latency_of_model(model, arch, space::spec_architecture_forms());
  if (json) {
    emit_json(nlohmann::ordered_json{{"model", g.name()},
                                     {"target", t.name()},
                                     {"target_identity", t.identity()},
                                     {"precision", nullptr},
                                     {"latency_ms", latency_ms},
                                     {"cycles", nullptr},
                                     {"kernels", nullptr},
                                     {"layers", nlohmann::ordered_json::array()},
                                     {"table",
                                      {{"csv", t.csv_path()},
                                       {"key_column", t.key_column()},
                                       {"key", key},
                                       {"latency_column", t.latency_column()}}}});
    return;
  }
  fmt::print("table target {} times whole networks: no per-kernel rows\n", printable(t.name()));
  fmt::print("\nmodel {} on {} (column {} of {}, row {} = {}): latency {:.3f} ms\n", printable(g.name()),
             printable(t.name()), printable(t.latency_column()), printable(t.csv_path()),
             printable(t.key_column()), printable(key), latency_ms);
}

}  // namespace

void add_simulate_command(CLI::App& app) {
  auto args = std::make_shared<SimulateArgs>();
  auto* cmd = app.add_subcommand("simulate", "Per-kernel latency of a model on a target (a table target: its whole-network row)");
  cmd->add_option("MODEL", args->model, "Zoo spec or model file")->required();
  cmd->add_option("--target", args->target, "Preset name (hwnas targets) or description YAML")
      ->required();
  add_integer_option(cmd, "--batch", args->batch, 1, INT32_MAX, "Batch size");
  cmd->add_flag("--json", args->json, "Print one JSON object on stdout");
  cmd->callback([args] {
    const std::unique_ptr<hw::Target> target = hw::make_target(args->target);
    const graph::Graph g = load_model_arg(args->model);
    if (const auto* table = dynamic_cast<const hw::TableTarget*>(target.get())) {
      print_table_row(args->model, g, *table, args->batch, args->json);
      return;
    }
    const estimate::NetworkMeasurement n = estimate::measure_network(g, *target, args->batch);
    if (args->json) print_json(g, *target, n);
    else print_table(g, *target, n);
  });
}

}  // namespace hwnas::cli
