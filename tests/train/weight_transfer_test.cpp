// Initialising a rewritten model from its baseline's weights (weight_transfer.h): a model and
// its rewrites by the advise passes, weights saved from the first and loaded into the
// second: what is copied whole, by leading channels, left at its default initialisation;
// the counts; the errors. And `hwnas train --init-from` as a user runs it.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "cli_support.h"
#include "hwnas/advise/pass.h"
#include "hwnas/base/error.h"
#include "hwnas/space/models.h"
#include "hwnas/train/checkpoint.h"
#include "hwnas/train/network.h"
#include "hwnas/train/supernet/supernet_file.h"
#include "hwnas/train/train_options.h"
#include "hwnas/train/weight_transfer.h"
#include "support/cli_runner.h"

namespace hwnas::train {
namespace {

using hwnas::testing::scratch_dir;

const char* kSmall = "mobilenet_v2:width=0.25,res=32,in_ch=1,classes=10";

graph::Graph rewrite(const graph::Graph& g, const std::string& pass, const std::string& site,
                     const advise::Params& params = {}) {
  const advise::Pass& p = advise::find_pass(pass);
  advise::PassResult r =
      advise::apply_pass(g, p, advise::find_site(g, p, site), advise::resolve_params(p, params));
  EXPECT_TRUE(r.graph.has_value()) << r.why_not;
  return *r.graph;
}

// The weights of `g` initialised with `seed`, written to a scratch file.
std::string save_weights(const graph::Graph& g, std::uint64_t seed, const std::string& name) {
  Network net(g, seed);
  const std::string path = (scratch_dir() / name).string();
  write_weights(path, WeightsFile{{g.name(), graph_hash_text(g), "classification", 32}, net->named_state()});
  return path;
}

std::map<std::string, torch::Tensor> by_name(const NamedTensors& tensors) {
  std::map<std::string, torch::Tensor> m;
  for (const auto& [name, t] : tensors) m[name] = t.clone();
  return m;
}

std::int64_t parameter_count(Network& net) {
  std::int64_t n = 0;
  for (const auto& entry : net->graph_parameters()) n += entry.second.numel();
  return n;
}

TEST(WeightTransfer, FusedIbnKeepsEveryUnchangedTensor) {
  const graph::Graph base = space::build_zoo_model(kSmall);
  const graph::Graph fused = rewrite(base, "ibn_to_fused", "features.2");
  const std::string path = save_weights(base, 1, "base.pt");
  const auto saved = by_name(read_weights(path).tensors);
  Network net(fused, 2);
  const auto fresh = by_name(net->named_state());

  const WeightTransfer t = init_from_weights(*net, path);
  EXPECT_EQ(t.path, path);
  EXPECT_EQ(t.source_model, base.name());
  // The 1x1 expand conv is now a 3x3 conv: its weight alone keeps the default init.
  ASSERT_EQ(t.skipped.size(), 1u);
  EXPECT_EQ(t.skipped[0].name, "features.2.expand.conv.weight");
  EXPECT_EQ(t.skipped[0].reason, "file 48x8x1x1, network 48x8x3x3");
  EXPECT_EQ(t.copied_tensors, static_cast<std::int64_t>(fresh.size()) - 1);
  EXPECT_EQ(t.sliced_tensors, 0);
  EXPECT_EQ(t.network_params, parameter_count(net));
  EXPECT_EQ(t.copied_params, t.network_params - 48 * 8 * 3 * 3);
  // The removed depthwise conv and its batch norm, and the old expand weight, are unused.
  const std::vector<std::string> unused = {"features.2.expand.conv.weight",      "features.2.dw.conv.weight",
                                           "features.2.dw.bn.weight",            "features.2.dw.bn.bias",
                                           "features.2.dw.bn.running_mean",      "features.2.dw.bn.running_var",
                                           "features.2.dw.bn.num_batches_tracked"};
  EXPECT_EQ(std::set<std::string>(t.unused.begin(), t.unused.end()),
            std::set<std::string>(unused.begin(), unused.end()));
  for (const auto& [name, tensor] : net->named_state()) {
    const torch::Tensor& expected = name == "features.2.expand.conv.weight" ? fresh.at(name) : saved.at(name);
    EXPECT_TRUE(torch::equal(tensor, expected)) << name;
  }
  // The saved and default tensors differ (another seed), so the equalities above say something.
  EXPECT_FALSE(torch::equal(saved.at("features.2.project.conv.weight"), fresh.at("features.2.project.conv.weight")));
}

TEST(WeightTransfer, WiderChannelsTakeTheLeadingOnes) {
  const graph::Graph base = space::build_zoo_model(kSmall);
  // features.3's expanded channels 48 -> 64; its output stays 8 (residual).
  const graph::Graph wide = rewrite(base, "align_channels", "features.3", {{"p", "32"}, {"direction", "up"}});
  const std::string path = save_weights(base, 1, "base_align.pt");
  const auto saved = by_name(read_weights(path).tensors);
  Network net(wide, 2);
  const auto fresh = by_name(net->named_state());
  const WeightTransfer t = init_from_weights(*net, path);
  EXPECT_TRUE(t.skipped.empty());
  EXPECT_TRUE(t.unused.empty());
  // expand conv, dw conv, project conv, and 4 of each of the two batch norms' 5 tensors.
  EXPECT_EQ(t.sliced_tensors, 3 + 4 + 4);
  EXPECT_EQ(t.copied_tensors, static_cast<std::int64_t>(fresh.size()) - t.sliced_tensors);
  EXPECT_EQ(t.copied_params, t.network_params - (16 * 8 + 16 * 9 + 8 * 16 + 2 * 2 * 16));
  const auto after = by_name(net->named_state());
  using torch::indexing::Slice;
  const torch::Tensor expand = after.at("features.3.expand.conv.weight");  // [64, 8, 1, 1]
  ASSERT_EQ(expand.sizes(), (std::vector<std::int64_t>{64, 8, 1, 1}));
  EXPECT_TRUE(torch::equal(expand.index({Slice(0, 48)}), saved.at("features.3.expand.conv.weight")));
  EXPECT_TRUE(torch::equal(expand.index({Slice(48, 64)}),
                           fresh.at("features.3.expand.conv.weight").index({Slice(48, 64)})));
  const torch::Tensor project = after.at("features.3.project.conv.weight");  // [8, 64, 1, 1]
  EXPECT_TRUE(torch::equal(project.index({Slice(), Slice(0, 48)}), saved.at("features.3.project.conv.weight")));
  EXPECT_TRUE(torch::equal(project.index({Slice(), Slice(48, 64)}),
                           fresh.at("features.3.project.conv.weight").index({Slice(), Slice(48, 64)})));
  const torch::Tensor var = after.at("features.3.dw.bn.running_var");
  EXPECT_TRUE(torch::equal(var.index({Slice(0, 48)}), saved.at("features.3.dw.bn.running_var")));
  EXPECT_TRUE(torch::equal(var.index({Slice(48, 64)}), torch::ones({16})));
  // And the other way: the wide model's weights into the narrow one take its first 48.
  const std::string wide_path = save_weights(wide, 3, "wide.pt");
  Network narrow(base, 4);
  const WeightTransfer back = init_from_weights(*narrow, wide_path);
  EXPECT_EQ(back.sliced_tensors, 11);
  EXPECT_EQ(back.copied_params, back.network_params);
  const torch::Tensor wide_expand = by_name(read_weights(wide_path).tensors).at("features.3.expand.conv.weight");
  EXPECT_TRUE(torch::equal(by_name(narrow->named_state()).at("features.3.expand.conv.weight"),
                           wide_expand.index({Slice(0, 48)})));
}

TEST(WeightTransfer, DepthwiseIsNotSlicedIntoAFullConv) {
  const graph::Graph base = space::build_zoo_model(kSmall);
  const graph::Graph full = rewrite(base, "depthwise_to_full", "features.2");
  const std::string path = save_weights(base, 1, "base_full.pt");
  Network net(full, 2);
  const WeightTransfer t = init_from_weights(*net, path);
  ASSERT_EQ(t.skipped.size(), 1u);
  EXPECT_EQ(t.skipped[0].name, "features.2.dw.conv.weight");
  EXPECT_EQ(t.skipped[0].reason, "file 48x1x3x3, network 48x48x3x3");
  EXPECT_EQ(t.sliced_tensors, 0);
  // And back: a full conv's weight does not seed a depthwise one.
  Network dw(base, 2);
  const WeightTransfer back = init_from_weights(*dw, save_weights(full, 1, "full.pt"));
  ASSERT_EQ(back.skipped.size(), 1u);
  EXPECT_EQ(back.skipped[0].reason, "file 48x48x3x3, network 48x1x3x3");
}

TEST(WeightTransfer, ACheckpointServesToo) {
  const graph::Graph base = space::build_zoo_model(kSmall);
  Network source(base, 1);
  Checkpoint c;
  c.stamp = {base.name(), graph_hash_text(base), "classification", 32};
  c.tensors = source->named_state();
  const std::string path = (scratch_dir() / "run.ckpt").string();
  write_checkpoint(path, c);
  Network net(base, 2);
  const WeightTransfer t = init_from_weights(*net, path);
  EXPECT_EQ(t.copied_params, t.network_params);
  EXPECT_TRUE(t.skipped.empty());
  EXPECT_TRUE(torch::equal(net->named_state().front().second, source->named_state().front().second));
}

TEST(WeightTransfer, AClassifierSeedsADetectorsBackbone) {
  const graph::Graph classifier = space::build_zoo_model(kSmall);
  const std::string path = save_weights(classifier, 1, "classifier.pt");
  const auto saved = by_name(read_weights(path).tensors);
  Network detector(space::build_zoo_model("ssdlite_mobilenet_v2:width=0.25,res=64,in_ch=1,classes=11"), 2);
  const WeightTransfer t = init_from_weights(*detector, path);
  EXPECT_EQ(t.sliced_tensors, 0);
  std::int64_t backbone = 0;
  for (const auto& [name, tensor] : detector->named_state()) {
    if (!name.starts_with("features.")) continue;
    ++backbone;
    ASSERT_TRUE(saved.contains(name)) << name;
    EXPECT_TRUE(torch::equal(tensor, saved.at(name))) << name;
  }
  EXPECT_EQ(t.copied_tensors, backbone);
  for (const SkippedTensor& s : t.skipped) {
    EXPECT_FALSE(s.name.starts_with("features.")) << s.name;
    EXPECT_EQ(s.reason, "absent from the file") << s.name;
  }
  EXPECT_EQ(t.unused, (std::vector<std::string>{"classifier.fc.weight", "classifier.fc.bias"}));
}

TEST(WeightTransfer, TheInitFileIsPartOfTheRunsIdentity) {
  TrainOptions options;
  EXPECT_FALSE(run_identity(options).contains("--init-from"));  // checkpoints of runs without it resume as before
  options.init_from = "base.pt";
  const std::map<std::string, std::string> identity = run_identity(options);
  EXPECT_EQ(identity.at("--init-from"), "base.pt");
  Checkpoint c;
  c.identity = run_identity(TrainOptions{});
  try {
    check_resumable(c, c.stamp, identity, "run.ckpt");
    ADD_FAILURE() << "resumed a run started from scratch with --init-from";
  } catch (const UserError& e) {
    EXPECT_STREQ(e.what(), "run.ckpt: was written by a run with --init-from (absent), not base.pt; resume with the "
                           "same options or drop --resume");
  }
}

std::string error_of(NetworkImpl& net, const std::string& path) {
  try {
    init_from_weights(net, path);
  } catch (const UserError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(WeightTransfer, Errors) {
  const graph::Graph other = space::build_zoo_model("resnet18:width=0.25,res=32,in_ch=1,classes=10");
  const std::string other_path = save_weights(other, 1, "resnet.pt");
  // Names are the only evidence: resnet18 and mobilenet_v2 share classifier.fc's names, so
  // its bias is copied and its weight's first 128 inputs of 1280 (the line shows the share).
  Network mnv2(space::build_zoo_model(kSmall), 2);
  const WeightTransfer head = init_from_weights(*mnv2, other_path);
  EXPECT_EQ(head.copied_tensors, 1);
  EXPECT_EQ(head.sliced_tensors, 1);
  EXPECT_EQ(head.copied_params, 10 + 10 * 128);
  // Another kind of model entirely: no tensor under the same name.
  const graph::Graph base = space::build_zoo_model("mobilenet_v3_small:width=0.25,res=32,in_ch=1,classes=10");
  Network net(base, 2);
  const auto before = by_name(net->named_state());
  EXPECT_EQ(error_of(*net, other_path),
            other_path + ": shares no parameter with model '" + base.name() + "' (its " +
                std::to_string(Network(other, 1)->named_state().size()) + " tensors are model '" + other.name() +
                "''s, none of them under a name and shape of this network's); give weights of this model or of the "
                "model it was rewritten from");
  for (const auto& [name, tensor] : net->named_state()) EXPECT_TRUE(torch::equal(tensor, before.at(name))) << name;
  const std::string corrupt = hwnas::testing::write_temp("corrupt.pt", "not a pickle");
  EXPECT_NE(error_of(*net, corrupt).find(corrupt + ": not a weights file (--init-from) of hwnas (unreadable"),
            std::string::npos)
      << error_of(*net, corrupt);
  const std::string missing = (scratch_dir() / "missing.pt").string();
  EXPECT_NE(error_of(*net, missing).find(missing + ": cannot read the weights file (--init-from)"), std::string::npos)
      << error_of(*net, missing);
}

}  // namespace
}  // namespace hwnas::train

namespace hwnas::testing {
namespace {

const char* kTiny =
    "name: tiny_fmnist\ninput: [1, 14, 14]\nlayers:\n"
    "  - {op: conv, out: 8, kernel: 3, stride: 2, act: relu}\n"
    "  - {op: global_pool}\n"
    "  - {op: linear, out: 10}\n";
// The same layer names; the conv wider and of another kernel.
const char* kTinyWide =
    "name: tiny_wide\ninput: [1, 14, 14]\nlayers:\n"
    "  - {op: conv, out: 12, kernel: 5, stride: 2, act: relu}\n"
    "  - {op: global_pool}\n"
    "  - {op: linear, out: 10}\n";

std::vector<std::string> quick(const std::string& model, std::vector<std::string> extra) {
  std::vector<std::string> args = {"train", model, "--epochs", "1", "--subset", "0.01", "--threads", "1",
                                   "--batch", "32", "--seed", "3"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

TEST(InitFromCli, ReportsWhatItTook) {
  REQUIRE_FASHION_MNIST();
  const std::string tiny = write_temp("tiny.yaml", kTiny), wide = write_temp("tiny_wide.yaml", kTinyWide);
  const std::string base = (scratch_dir() / "tiny.pt").string();
  std::filesystem::remove(base);
  const Result saved = hwnas(quick(tiny, {"--save", base}));
  ASSERT_EQ(saved.status, 0) << saved.err;
  const Result r = hwnas(quick(wide, {"--init-from", base, "--lr", "0.01", "--json"}));
  ASSERT_EQ(r.status, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["status"], "ok");
  const nlohmann::json& init = j["init_from"];
  EXPECT_EQ(init["path"], base);
  EXPECT_EQ(init["source_model"], "tiny_fmnist");
  EXPECT_EQ(init["copied_tensors"], 2);  // the batch norm's num_batches_tracked, the linear bias
  EXPECT_EQ(init["sliced_tensors"], 5);  // the batch norm's 4 others, the linear weight
  EXPECT_EQ(init["copied_params"], 8 + 8 + 10 * 8 + 10);
  EXPECT_EQ(init["network_params"], 12 * 25 + 12 + 12 + 10 * 12 + 10);
  EXPECT_EQ(init["skipped"],
            nlohmann::json::parse(R"([{"tensor": "layers.0.conv.weight",
                                        "reason": "file 8x1x3x3, network 12x1x5x5"}])"));
  EXPECT_EQ(init["unused"], nlohmann::json::parse(R"(["layers.0.conv.weight"])"));
  // The text output: one line before the run's.
  const Result text = hwnas(quick(wide, {"--init-from", base}));
  ASSERT_EQ(text.status, 0) << text.err;
  EXPECT_EQ(text.out.rfind("initialised from " + base +
                               " (model tiny_fmnist): 2 tensors copied, 5 by leading channels, 106 of 454 parameters "
                               "(23.3%); 1 tensor at default init: layers.0.conv.weight (file 8x1x3x3, network "
                               "12x1x5x5); 1 file tensor unused\nmodel tiny_wide (",
                           0),
            0u)
      << text.out;
}

TEST(InitFromCli, BadInputIsOneLine) {
  const std::string tiny = write_temp("tiny.yaml", kTiny), missing = (scratch_dir() / "absent.pt").string();
  expect_bad_input(quick(tiny, {"--init-from", missing}), missing + ": cannot read the weights file (--init-from)");
  const std::string corrupt = write_temp("corrupt_init.pt", "not a pickle");
  expect_bad_input(quick(tiny, {"--init-from", corrupt}), corrupt + ": not a weights file (--init-from) of hwnas");
  // A supernet file holds a whole space's weights: the error says how to take a subnet's.
  const std::string supernet = (scratch_dir() / "init.supernet").string();
  train::supernet::SupernetFile file;
  file.space = file.space_name = "nb201";
  file.batch = 2;
  file.tensors = {{"w", torch::zeros({1})}};
  train::supernet::write_supernet(supernet, file);
  expect_bad_input(quick(tiny, {"--init-from", supernet}),
                   supernet + ": is a supernet file (hwnas supernet train), not a weights file (--init-from); take a "
                              "subnet's weights out of it with `hwnas supernet extract " + supernet +
                              " MODEL --out M.yaml --weights W.pt`, then give W.pt as the weights file (--init-from)");
  // --save may not overwrite the weights the run starts from.
  expect_bad_input(quick(tiny, {"--init-from", corrupt, "--save", corrupt}),
                   "it is the weights file (--init-from) ('" + corrupt + "')");
}

}  // namespace
}  // namespace hwnas::testing
