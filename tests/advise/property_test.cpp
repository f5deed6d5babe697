// Every pass at every eligible site of every zoo model, of every zoo model stripped of its
// blocks (every activation and grouped conv a layer site) and of 50 random members of the
// built-in search spaces: the rewritten graph's shapes were inferred again (Graph::add),
// analyze() runs, the outputs keep their shapes (but for resolution scaling), refusals are
// one line, and (zoo: two sites per pass and model) the model file round trip gives the
// same graph and specs.
#include <gtest/gtest.h>

#include <random>

#include "hwnas/advise/pass.h"
#include "hwnas/graph/analysis.h"
#include "hwnas/graph/model_file.h"
#include "hwnas/space/models.h"
#include "hwnas/space/registry.h"
#include "pass_fixture.h"

namespace hwnas::advise {
namespace {

std::vector<graph::Shape> output_shapes(const graph::Graph& g) {
  std::vector<graph::Shape> out;
  for (graph::NodeId id : g.output_nodes()) out.push_back(g.shape(id));
  return out;
}

Params params_for(const Pass& pass, const graph::Graph& g) {
  Params given;
  if (pass.name == "scale_resolution") {
    const auto inputs = g.input_nodes();
    given["resolution"] = std::to_string(g.shape(inputs.at(0)).h * 3 / 4);
  }
  if (pass.name == "scale_channels") given["width"] = "0.5";
  if (pass.name == "change_kernel") given["kernel"] = "5";
  return resolve_params(pass, given);
}

// Checks every result of every pass on `g`; adds the eligible sites per pass to `eligible`
// (and the layer sites to `eligible[pass + " layer"]`).
void check_model(const graph::Graph& g, const std::string& label, bool round_trip,
                 std::map<std::string, int>& eligible) {
  const auto outputs = output_shapes(g);
  for (const Pass& pass : passes()) {
    int round_trips = 0;  // YAML parsing is slow (8 s for every site of the zoo): two per pass and model
    for (const PassResult& r : try_pass(g, pass, params_for(pass, g))) {
      const std::string where = label + " " + std::string(pass.name) + " at " + r.record.site;
      EXPECT_EQ(r.record.rule, pass.name) << where;
      if (!r.graph) {
        EXPECT_FALSE(r.why_not.empty()) << where;
        EXPECT_EQ(r.why_not.find('\n'), std::string::npos) << where;
        continue;
      }
      ++eligible[std::string(pass.name)];
      if (r.record.kind == "layer") ++eligible[std::string(pass.name) + " layer"];
      EXPECT_TRUE(r.why_not.empty()) << where;
      const graph::Graph& n = *r.graph;
      EXPECT_FALSE(n == g) << where << ": nothing changed";
      const graph::Analysis a = graph::analyze(n, graph::Precision::int8, 1, graph::MinOrder::skip);
      EXPECT_GT(a.total.macs, 0) << where;
      if (pass.name != "scale_resolution") {
        EXPECT_EQ(output_shapes(n), outputs) << where;
      }
      if (round_trip && round_trips++ < 2) {
        const graph::Graph back = graph::parse_model(graph::model_to_yaml(n), "<string>",
                                                     space::model_extensions().layer_ops);
        EXPECT_TRUE(back.identical(n)) << where;
      }
    }
  }
}

TEST(PassProperty, EveryPassAtEverySiteOfTheZoo) {
  std::map<std::string, int> eligible;
  for (const graph::ZooModel& model : space::zoo_models()) {
    // nb201 and fbnet name an architecture (no default): the search-space test covers them.
    if (model.name == "nb201" || model.name == "fbnet") continue;
    check_model(space::build_zoo_model(model.name), std::string(model.name), true, eligible);
  }
  for (const Pass& pass : passes()) EXPECT_GT(eligible[std::string(pass.name)], 0) << pass.name;
}

TEST(PassProperty, EveryPassAtEveryLayerSiteOfTheZooWithoutBlocks) {
  std::map<std::string, int> eligible;
  for (const graph::ZooModel& model : space::zoo_models()) {
    if (model.name == "nb201" || model.name == "fbnet") continue;
    check_model(test::strip_blocks(space::build_zoo_model(model.name)), std::string(model.name) + " stripped", true,
                eligible);
  }
  for (const Pass& pass : passes())
    if (pass.layers) EXPECT_GT(eligible[std::string(pass.name) + " layer"], 0) << pass.name;
}

TEST(PassProperty, EveryPassAtEverySiteOf50SearchSpaceMembers) {
  const std::vector<std::string> names = space::builtin_space_names();
  std::map<std::string, int> eligible;
  int members = 0;
  for (std::size_t k = 0; members < 50; ++k) {
    const std::string& name = names[k % names.size()];
    space::SpaceOptions options;
    options.parallelism_factor = 16;
    options.parallelism_source = "test";
    const auto s = space::make_space(name, options);
    std::mt19937_64 rng(k);
    check_model(s->decode(space::sample(*s, rng)), name + " #" + std::to_string(k), false, eligible);
    ++members;
  }
  EXPECT_GT(eligible["ibn_to_fused"], 0);
  EXPECT_GT(eligible["align_channels"], 0);
}

}  // namespace
}  // namespace hwnas::advise
