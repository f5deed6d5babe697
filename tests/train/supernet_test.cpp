// The weight-sharing supernet (train/supernet/, docs/supernet.md) on mobilenet-cls-fmnist at
// P = 64: bank views share storage and gradients, kernel crop and first-k channels equal
// hand-sliced weights, IBN and fused IBN keep their own weights, models of another space
// are refused, batch-norm recalibration equals a hand computation, and a tiny sandwich
// training lowers its loss, round-trips through its file and extracts weights that
// hwnas train --init-from loads to the same outputs; --resume with other options is refused
// naming what differs.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <string_view>

#include "cli_support.h"
#include "hwnas/base/error.h"
#include "hwnas/graph/model_file.h"
#include "hwnas/space/models.h"
#include "hwnas/space/registry.h"
#include "hwnas/train/checkpoint.h"
#include "hwnas/train/supernet/bn_recalibration.h"
#include "hwnas/train/supernet/subnet_genomes.h"
#include "hwnas/train/supernet/supernet_eval.h"
#include "hwnas/train/supernet/supernet_file.h"
#include "hwnas/train/supernet/supernet_trainer.h"
#include "hwnas/train/supernet/weight_bank.h"
#include "hwnas/train/weight_transfer.h"
#include "support/cli_runner.h"

namespace hwnas::train::supernet {
namespace {

using torch::indexing::Slice;

const std::string kSpaceFile = std::string(HWNAS_SOURCE_DIR) + "/configs/spaces/mobilenet-cls-fmnist.yaml";

std::unique_ptr<space::Space> fmnist_space(std::int32_t p = 64) {
  space::SpaceOptions options;
  options.parallelism_factor = p;
  options.parallelism_source = "test";
  return space::make_space(kSpaceFile, options);
}

WeightBank small_bank(const space::Space& space) {
  std::vector<graph::Graph> graphs;
  for (const space::Genome& g : bank_genomes(space, 0, 20)) graphs.push_back(space.decode(g));
  return WeightBank(bank_shapes(graphs), 0);
}

space::Genome smallest(const space::Space& space, std::uint64_t seed = 0) {
  SplitMix rng(seed);
  return smallest_genome(space, rng);
}

const std::string kTinySpaceFile = std::string(HWNAS_SOURCE_DIR) + "/tests/train/supernet_tiny_space.yaml";

// A tiny classification supernet training of kTinySpaceFile writing `out`: batch 32, 500
// training images held out, one thread, a bank sized by 20 random genomes, 64 calibration
// images; the epochs, the subset and the random subnets a step as given.
SupernetTrainOptions tiny_options(const std::filesystem::path& out, std::int32_t epochs, double subset,
                                  std::int32_t random_subnets) {
  SupernetTrainOptions o;
  o.train.epochs = epochs;
  o.train.batch = 32;
  o.train.subset = subset;
  o.train.validation = 500;
  o.train.threads = 1;
  o.random_subnets = random_subnets;
  o.bank_genomes = 20;
  o.calibration_images = 64;
  o.out = out.string();
  o.space_arg = kTinySpaceFile;
  return o;
}

// The UserError train_supernet throws for `options`, or "no error".
std::string refusal(const space::Space& space, const SupernetTrainOptions& options) {
  try {
    train_supernet(space, options, {});
  } catch (const UserError& e) {
    return e.what();
  }
  return "no error";
}

TEST(WeightBank, ViewsShareStorageAndGradientsReachTheBank) {
  const auto space = fmnist_space();
  WeightBank bank = small_bank(*space);
  Network net = bank->subnet(space->decode(smallest(*space)));
  const NamedTensors params = net->graph_parameters();
  ASSERT_FALSE(params.empty());
  for (const auto& [name, tensor] : params) {
    bool shared = false;
    for (const auto& entry : bank->tensors()) shared = shared || tensor.is_alias_of(entry.second);
    EXPECT_TRUE(shared) << name;
  }
  torch::manual_seed(0);
  net->forward(torch::randn({4, 1, 28, 28})).front().sum().backward();
  // The 1x1 conv after the last stage: the smallest subnet takes 256 of its 512 output
  // channels and 128 of its 256 input channels; the gradient is zero outside them.
  const auto& features = *std::find_if(bank->tensors().begin(), bank->tensors().end(),
                                       [](const auto& e) { return e.first == "conv_bn_act:features.conv.weight"; });
  const torch::Tensor grad = features.second.grad();
  ASSERT_TRUE(grad.defined());
  EXPECT_EQ(features.second.sizes(), (std::vector<std::int64_t>{512, 256, 1, 1}));
  EXPECT_GT(grad.index({Slice(0, 256), Slice(0, 128)}).abs().sum().item<double>(), 0);
  EXPECT_EQ(grad.index({Slice(256, 512)}).abs().sum().item<double>(), 0);
  EXPECT_EQ(grad.index({Slice(), Slice(128, 256)}).abs().sum().item<double>(), 0);
}

// A subnet's outputs equal those of a network given the bank's tensors sliced by hand:
// dims 0/1 first k, dims 2/3 the centre (the smallest subnet has kernels 3, the bank 5).
TEST(WeightBank, KernelCropAndFirstChannelsEqualHandSlicedWeights) {
  const auto space = fmnist_space();
  WeightBank bank = small_bank(*space);
  const graph::Graph g = space->decode(smallest(*space));
  Network borrowed = bank->subnet(g);
  Network own(g, 7);
  NamedTensors sliced;
  std::int32_t cropped = 0;
  for (const auto& [name, tensor] : own->named_state()) {
    const std::string node = name.substr(0, name.rfind('.')), suffix = name.substr(name.rfind('.') + 1);
    if (suffix != "weight" && suffix != "bias") {
      sliced.emplace_back(name, tensor);
      continue;
    }
    const std::string key = bank_key(g, g.find(node), suffix);
    const auto& whole = std::find_if(bank->tensors().begin(), bank->tensors().end(),
                                     [&](const auto& e) { return e.first == key; })->second;
    std::vector<torch::indexing::TensorIndex> index;
    for (std::int64_t d = 0; d < tensor.dim(); ++d) {
      const std::int64_t start = d < 2 ? 0 : (whole.size(d) - tensor.size(d)) / 2;
      cropped += start > 0;
      index.emplace_back(Slice(start, start + tensor.size(d)));
    }
    sliced.emplace_back(name, whole.index(index).detach().clone());
  }
  EXPECT_GT(cropped, 0) << "no kernel was cropped: the test would not check the crop";
  own->load_state(sliced, "hand-sliced");
  borrowed->eval();
  own->eval();
  const torch::NoGradGuard no_grad;
  torch::manual_seed(1);
  const torch::Tensor x = torch::randn({3, 1, 28, 28});
  EXPECT_TRUE(torch::allclose(borrowed->forward(x).front(), own->forward(x).front(), 1e-5, 1e-6));
}

TEST(WeightBank, IbnAndFusedIbnHaveTheirOwnWeights) {
  const auto space = fmnist_space();
  WeightBank bank = small_bank(*space);
  std::map<std::string, std::vector<std::int64_t>> sizes;
  for (const auto& [key, tensor] : bank->tensors()) sizes[key] = tensor.sizes().vec();
  ASSERT_TRUE(sizes.contains("ibn:stage2.layer2.expand.conv.weight"));
  ASSERT_TRUE(sizes.contains("fused_ibn:stage2.layer2.expand.conv.weight"));
  // IBN's expand is 1x1; fused IBN's is the block's kernel, at most 5. Expansion 4 of 128.
  EXPECT_EQ(sizes["ibn:stage2.layer2.expand.conv.weight"], (std::vector<std::int64_t>{512, 128, 1, 1}));
  EXPECT_EQ(sizes["fused_ibn:stage2.layer2.expand.conv.weight"], (std::vector<std::int64_t>{512, 128, 5, 5}));
}

// The batch norm ending a residual branch starts at gamma 0 (BigNAS's initialisation) only
// where every network with its key adds it to the block's input.
TEST(WeightBank, ResidualBranchesStartAsTheIdentity) {
  const auto space = fmnist_space();
  WeightBank bank = small_bank(*space);
  std::map<std::string, torch::Tensor> t(bank->tensors().begin(), bank->tensors().end());
  for (const char* key : {"ibn:stage3.layer2.project.bn.weight", "ibn:stage4.layer2.project.bn.weight",
                          "fused_ibn:stage3.layer3.project.bn.weight"}) {
    ASSERT_TRUE(t.contains(key)) << key;
    EXPECT_EQ(t[key].abs().sum().item<double>(), 0) << key;
  }
  // stage3.layer1 halves the image (no residual); stage2.layer1 adds its input only when
  // stage2 keeps stage1's 64 channels; the expand batch norms are inside the branch.
  for (const char* key : {"ibn:stage3.layer1.project.bn.weight", "ibn:stage2.layer1.project.bn.weight",
                          "ibn:stage3.layer2.expand.bn.weight", "ibn:stage3.layer2.project.bn.bias"}) {
    ASSERT_TRUE(t.contains(key)) << key;
    const double expected = std::string_view(key).ends_with(".bias") ? 0.0 : 1.0;
    EXPECT_TRUE(torch::all(t[key] == expected).item<bool>()) << key;
  }
}

TEST(WeightBank, ModelsOfAnotherSpaceAreRefusedNamingTheNode) {
  const auto space = fmnist_space();
  WeightBank bank = small_bank(*space);
  try {
    bank->subnet(space::load_model("mobilenet_v2:width=0.25,res=32,in_ch=1,classes=10"));
    FAIL() << "a zoo model was taken";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("is not of the supernet's space"), std::string::npos) << e.what();
  }
  // The largest subnet with 20 classes: its classifier is wider than the bank's.
  SplitMix rng(0);
  std::string text = graph::model_to_yaml(space->decode(largest_genome(*space, rng)));
  const std::size_t at = text.find("op: linear, out: 10");
  ASSERT_NE(at, std::string::npos) << text;
  text.replace(at, 19, "op: linear, out: 20");
  const std::size_t spec = text.find("classes: 10");
  ASSERT_NE(spec, std::string::npos) << text;
  text.replace(spec, 11, "classes: 20");
  try {
    bank->subnet(graph::parse_model(text, "wide.yaml"));
    FAIL() << "a wider model was taken";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("node 'classifier.fc' needs head:classifier.fc.weight of 20x512, the "
                                         "supernet's is 10x512"),
              std::string::npos)
        << e.what();
  }
}

// Running statistics after recalibration are the average over the batches of each batch's
// mean and unbiased variance of the batch norm's input (the stem conv's output, by hand).
TEST(BatchNormRecalibration, EqualsTheAverageOfTheBatchStatistics) {
  const auto space = fmnist_space();
  WeightBank bank = small_bank(*space);
  const graph::Graph g = space->decode(smallest(*space));
  const torch::NoGradGuard no_grad;
  Network net = bank->subnet(g);
  torch::manual_seed(2);
  const std::vector<torch::Tensor> batches = {torch::randn({8, 1, 28, 28}), 2 + 3 * torch::randn({6, 1, 28, 28})};
  recalibrate_batch_norm(*net, batches);
  EXPECT_FALSE(net->is_training());
  torch::Tensor weight, mean, var;
  for (const auto& [name, tensor] : net->named_state()) {
    if (name == "stem.conv.weight") weight = tensor;
    if (name == "stem.bn.running_mean") mean = tensor;
    if (name == "stem.bn.running_var") var = tensor;
  }
  torch::Tensor mean_sum = torch::zeros({weight.size(0)}), var_sum = torch::zeros({weight.size(0)});
  for (const torch::Tensor& x : batches) {
    const torch::Tensor y = torch::conv2d(x, weight, {}, 2, 1);
    mean_sum += y.mean({0, 2, 3});
    var_sum += y.var({0, 2, 3}, /*unbiased=*/true);
  }
  EXPECT_GT((mean - 0).abs().max().item<double>(), 1e-3);  // changed from the fresh 0
  EXPECT_TRUE(torch::allclose(mean, mean_sum / 2, 1e-4, 1e-5)) << mean << mean_sum / 2;
  EXPECT_TRUE(torch::allclose(var, var_sum / 2, 1e-4, 1e-5)) << var << var_sum / 2;
}

TEST(SubnetGenomes, LargestAndSmallestTakeTheEndsOfOrderedGenes) {
  const auto space = fmnist_space();
  SplitMix rng(0);
  const space::Genome big = largest_genome(*space, rng), little = smallest_genome(*space, rng);
  const auto& genes = space->genes();
  for (std::size_t i = 0; i < genes.size(); ++i) {
    if (genes[i].name == "resolution") {
      EXPECT_EQ(genes[i].choices[big.genes[i]], "32");
      EXPECT_EQ(genes[i].choices[little.genes[i]], "28");
    }
    if (genes[i].name == "stage3.depth") {
      EXPECT_EQ(genes[i].choices[big.genes[i]], "3");
      EXPECT_EQ(genes[i].choices[little.genes[i]], "1");
    }
    if (genes[i].name == "stage1.layer1.se") {
      EXPECT_EQ(genes[i].choices[big.genes[i]], "true");
      EXPECT_EQ(genes[i].choices[little.genes[i]], "false");
    }
  }
  const std::vector<GeneOrder> orders = gene_orders(*space);
  EXPECT_EQ(std::count(orders.begin(), orders.end(), GeneOrder::categorical), 7);  // the block genes of stages 2-4
}

// The largest and smallest subnets take one block kind throughout, and each kind in turn.
TEST(SubnetGenomes, LargestAndSmallestTakeOneBlockKind) {
  const auto space = fmnist_space();
  std::set<std::string> seen;
  SplitMix rng(0);
  for (int draw = 0; draw < 20; ++draw)
    for (const space::Genome& g : {largest_genome(*space, rng), smallest_genome(*space, rng)}) {
      std::set<std::string> kinds;  // of the blocks of stages 2-4 (stage 1 is IBN only)
      const graph::Graph net = space->decode(g);
      for (graph::BlockId b = 0; b < net.num_blocks(); ++b)
        if (const std::string_view kind = graph::block_kind_name(net.block(b).kind); kind.find("ibn") != kind.npos &&
                                                                                      !net.block_name(b).starts_with("stage1."))
          kinds.insert(std::string(kind));
      EXPECT_EQ(kinds.size(), 1u) << space->arch(g);
      seen.insert(kinds.begin(), kinds.end());
    }
  EXPECT_EQ(seen, (std::set<std::string>{"fused_ibn", "ibn"}));
}

// Progressive shrinking frees one group of dimensions a phase: kernel and resolution, depth,
// expansion, channels, the rest (SE and block type).
TEST(SubnetGenomes, ProgressiveShrinkingFreesOneGroupAPhase) {
  const auto space = fmnist_space();
  const std::vector<std::int32_t> phases = shrinking_phases(*space);
  EXPECT_EQ(shrinking_phase_count(phases), 5);
  const auto& genes = space->genes();
  const auto phase_of = [&](std::string_view name) {
    for (std::size_t i = 0; i < genes.size(); ++i)
      if (genes[i].name == name) return phases[i];
    ADD_FAILURE() << "no gene " << name;
    return -1;
  };
  EXPECT_EQ(phase_of("resolution"), 1);
  EXPECT_EQ(phase_of("stage2.layer1.kernel"), 1);
  EXPECT_EQ(phase_of("stage3.depth"), 2);
  EXPECT_EQ(phase_of("stage3.layer2.expansion"), 3);
  EXPECT_EQ(phase_of("stage4.channels"), 4);
  EXPECT_EQ(phase_of("head.features"), 4);
  EXPECT_EQ(phase_of("stage2.layer1.se"), 5);
  EXPECT_EQ(phase_of("stage2.layer1.block"), 5);
  for (std::int32_t phase = 1; phase <= 5; ++phase) EXPECT_NE(std::count(phases.begin(), phases.end(), phase), 0);

  SplitMix rng(3);
  const space::Genome big = largest_genome(*space, rng);
  for (std::int32_t phase = 1; phase <= 5; ++phase) {
    const space::Genome little = phase_genome(*space, big, phases, phase, true, rng);
    std::vector<std::set<std::uint16_t>> drawn(genes.size());
    for (int draw = 0; draw < 200; ++draw) {
      const space::Genome g = phase_genome(*space, big, phases, phase, false, rng);
      for (std::size_t i = 0; i < genes.size(); ++i) drawn[i].insert(g.genes[i]);
    }
    SplitMix ends(0);
    const space::Genome smallest_of_all = smallest_genome(*space, ends);
    for (std::size_t i = 0; i < genes.size(); ++i) {
      // Layers past a stage's depth are canonicalised to 0 once depth is elastic.
      if (genes[i].name.find(".layer") != std::string::npos && phase >= 2) continue;
      if (phases[i] == 0 || phases[i] > phase) {
        EXPECT_EQ(drawn[i], std::set<std::uint16_t>{big.genes[i]}) << genes[i].name << " phase " << phase;
        EXPECT_EQ(little.genes[i], big.genes[i]) << genes[i].name << " phase " << phase;
      } else {
        EXPECT_EQ(drawn[i].size(), genes[i].choices.size()) << genes[i].name << " phase " << phase;
        if (gene_orders(*space)[i] != GeneOrder::categorical) {
          EXPECT_EQ(little.genes[i], smallest_of_all.genes[i]) << genes[i].name << " phase " << phase;
        }
      }
    }
  }
}

// A tiny sandwich training: the loss falls, the file reads back, a subnet measured through
// the file scores what the training measured, and its extracted weights load through
// --init-from into a network with the same outputs.
TEST(SupernetTraining, LowersTheLossRoundTripsAndExtracts) {
  REQUIRE_FASHION_MNIST();
  const auto space = space::make_space(kTinySpaceFile, {});
  const std::filesystem::path dir = hwnas::testing::scratch_dir();
  SupernetTrainOptions o = tiny_options(dir / "s.supernet", 3, 0.01, 1);  // 595 of the 59,500 left: 18 steps an epoch
  o.train.seed = 4;
  o.train.optimizer.lr = 0.05;
  std::vector<double> epoch_loss;
  const SupernetRun run = train_supernet(*space, o, [&](const StepProgress& p) {
    if (p.step == p.steps) epoch_loss.push_back(p.loss);
  });
  ASSERT_FALSE(run.failed) << run.failure;
  ASSERT_EQ(epoch_loss.size(), 3u);
  EXPECT_LT(epoch_loss.back(), epoch_loss.front());
  EXPECT_EQ(run.subnet_images, 3 * (run.train_images / 32) * 32 * 3);  // 3 subnets a step

  const SupernetFile file = read_supernet(o.out);
  EXPECT_EQ(file.space_name, "tiny-supernet");
  EXPECT_EQ(file.validation, 500);
  EXPECT_EQ(file.epochs_done, 3);
  EXPECT_EQ(static_cast<std::int64_t>(file.tensors.size()), run.bank_tensors);

  SupernetEvalOptions eval;
  eval.calibration_images = 64;
  const OpenedSupernet opened(o.out, eval);
  const graph::Graph largest = space->decode(space->parse_arch(run.largest_arch));
  EXPECT_DOUBLE_EQ(opened.measure(largest).top1, run.largest_accuracy);

  const graph::Graph g = space->decode(smallest(*space, 9));  // resolution 12
  const std::string weights = (dir / "sub.pt").string();
  write_weights(weights, opened.extract(g));
  Network fine(g, 123);
  const WeightTransfer t = init_from_weights(*fine, weights);
  EXPECT_TRUE(t.skipped.empty());
  EXPECT_EQ(t.copied_params, t.network_params);
  WeightBank bank(file.tensors);
  const SupernetData data = load_supernet_data("", 500, 0.01, 4);
  MeasureOptions measure;
  measure.calibration_images = 64;
  measure.calibration_batch = 32;
  Network calibrated = calibrated_subnet(*bank, g, data, measure);
  fine->eval();
  const torch::NoGradGuard no_grad;
  torch::manual_seed(3);
  const torch::Tensor x = torch::randn({5, 1, 12, 12});
  EXPECT_TRUE(torch::allclose(fine->forward(x).front(), calibrated->forward(x).front(), 1e-5, 1e-6));
}

// --schedule progressive: the first of the 1 + 5 phases trains the largest alone, the others
// the largest, the smallest and the random subnets; the file and a resume know the schedule.
TEST(SupernetTraining, ProgressiveShrinkingTrainsTheLargestAloneFirst) {
  REQUIRE_FASHION_MNIST();
  const auto space = space::make_space(kTinySpaceFile, {});
  ASSERT_EQ(shrinking_phase_count(shrinking_phases(*space)), 5);
  const std::filesystem::path dir = hwnas::testing::scratch_dir();
  SupernetTrainOptions o = tiny_options(dir / "p.supernet", 2, 0.01, 1);  // 18 steps an epoch, 36 in all: 0-5 phase 0
  o.schedule = SupernetSchedule::progressive;
  o.train.checkpoint = (dir / "p.ckpt").string();
  const SupernetRun run = train_supernet(*space, o, {});
  ASSERT_FALSE(run.failed) << run.failure;
  ASSERT_EQ(run.train_images / 32, 18);
  EXPECT_EQ(run.subnet_images, 32 * (6 * 1 + 30 * 3));
  EXPECT_EQ(read_supernet(o.out).options.at("--schedule"), "progressive");

  SupernetTrainOptions sandwich = o;
  sandwich.schedule = SupernetSchedule::sandwich;
  sandwich.train.resume = true;
  const std::string other_schedule = refusal(*space, sandwich);
  EXPECT_NE(other_schedule.find("p.ckpt: was written by a supernet training with --schedule progressive, not "
                                "sandwich; resume with the same options or drop --resume"),
            std::string::npos)
      << other_schedule;
  EXPECT_THROW(parse_schedule("ofa", "--schedule"), UserError);

  // Fewer steps than phases: refused before training, nothing written (s35 fresh-user finding).
  SupernetTrainOptions short_run = o;
  short_run.train.batch = 600;  // one step an epoch, 2 in all, for 6 phases
  short_run.train.checkpoint.clear();
  short_run.out = (dir / "short.supernet").string();
  const std::string too_short = refusal(*space, short_run);
  EXPECT_NE(too_short.find("--schedule progressive trains space 'tiny-supernet' in 6 phases of at least one step "
                           "each, and this run has 2 steps (1 an epoch): give more --epochs"),
            std::string::npos)
      << too_short;
  EXPECT_FALSE(std::filesystem::exists(short_run.out));
}

// A supernet training stopped after an epoch and resumed ends with the tensors of one that
// did not stop, though some bank tensors get no gradient in some steps (the block kind not
// drawn): gradients are set to none each step, so the optimizer skips the same tensors in
// both (s35 fresh-user finding: zeroed gradients of tensors used before the stop kept
// taking momentum steps only in the run that did not stop).
TEST(SupernetTraining, AResumedRunEndsAsAnUninterruptedOne) {
  REQUIRE_FASHION_MNIST();
  const auto space = space::make_space(kTinySpaceFile, {});
  const std::filesystem::path dir = hwnas::testing::scratch_dir();
  for (const SupernetSchedule schedule : {SupernetSchedule::sandwich, SupernetSchedule::progressive}) {
    SupernetTrainOptions o = tiny_options(dir / "whole.supernet", 3, 0.01, 0);
    o.schedule = schedule;
    ASSERT_FALSE(train_supernet(*space, o, {}).failed);
    o.out = (dir / "resumed.supernet").string();
    o.train.checkpoint = (dir / "resumed.ckpt").string();
    struct Stop {};
    const auto stop_in_epoch_3 = [](const StepProgress& p) {
      if (p.epoch == 2 && p.step == 1) throw Stop{};
    };
    EXPECT_THROW(train_supernet(*space, o, stop_in_epoch_3), Stop);
    o.train.resume = true;
    const SupernetRun resumed = train_supernet(*space, o, {});
    ASSERT_FALSE(resumed.failed) << resumed.failure;
    EXPECT_EQ(resumed.resumed_from_epoch, 2);
    const NamedTensors whole = read_supernet((dir / "whole.supernet").string()).tensors;
    const NamedTensors again = read_supernet(o.out).tensors;
    ASSERT_EQ(whole.size(), again.size());
    for (std::size_t i = 0; i < whole.size(); ++i)
      EXPECT_TRUE(torch::equal(whole[i].second, again[i].second))
          << whole[i].first << " " << schedule_name(schedule);
    std::filesystem::remove(o.train.checkpoint);
  }
}

// --resume of a supernet training with other options names the option that differs
// (--random-subnets, the space) rather than check_resumable's "give the same MODEL"; a
// plain model's checkpoint is named as one; the same options resume.
TEST(SupernetTraining, ResumeWithOtherOptionsNamesWhatDiffers) {
  REQUIRE_FASHION_MNIST();
  const auto space = space::make_space(kTinySpaceFile, {});
  const std::filesystem::path dir = hwnas::testing::scratch_dir();
  SupernetTrainOptions o = tiny_options(dir / "s.supernet", 1, 0.005, 1);
  o.train.checkpoint = (dir / "s.ckpt").string();
  ASSERT_FALSE(train_supernet(*space, o, {}).failed);

  o.train.resume = true;
  SupernetTrainOptions more = o;
  more.random_subnets = 2;
  const std::string subnets = refusal(*space, more);
  EXPECT_NE(subnets.find("s.ckpt: was written by a supernet training with --random-subnets 1, not 2; resume with the "
                         "same options or drop --resume"),
            std::string::npos)
      << subnets;
  EXPECT_EQ(subnets.find("MODEL"), std::string::npos) << subnets;

  const auto other = fmnist_space();
  const std::string spaces = refusal(*other, o);
  EXPECT_NE(spaces.find("with the space 'tiny-supernet' (fingerprint " + space::fingerprint(*space) +
                        "), not 'mobilenet-cls-fmnist' (" + space::fingerprint(*other) + ")"),
            std::string::npos)
      << spaces;

  SupernetTrainOptions plain = o;
  plain.train.checkpoint = (dir / "plain.ckpt").string();
  Checkpoint c;
  c.stamp = ModelStamp{"m", "0", "classification", 28};
  write_checkpoint(plain.train.checkpoint, c);
  const std::string model = refusal(*space, plain);
  EXPECT_NE(model.find("plain.ckpt: a checkpoint of model 'm', not of a supernet training"), std::string::npos)
      << model;

  // The same options: nothing left to train, and the supernet file written again is the
  // same bytes (a search that uses it checks its digest); its train_seconds is the
  // checkpoint's (training only, not the checkpoint's writing).
  const std::string written = hwnas::testing::read_file(o.out);
  const SupernetRun resumed = train_supernet(*space, o, {});
  EXPECT_EQ(resumed.resumed_from_epoch, 1);
  EXPECT_EQ(resumed.epochs_done, 1);
  EXPECT_EQ(resumed.train_seconds, 0);
  EXPECT_TRUE(hwnas::testing::read_file(o.out) == written);
  EXPECT_EQ(read_supernet(o.out).train_seconds, read_checkpoint(o.train.checkpoint).seconds);
  EXPECT_GT(read_supernet(o.out).train_seconds, 0);
}

TEST(SupernetFile, DamagedOrForeignFilesAreOneLineErrors) {
  const std::filesystem::path dir = hwnas::testing::scratch_dir();
  SupernetFile f;
  f.space = kSpaceFile;
  f.space_name = "mobilenet-cls-fmnist";
  f.fingerprint = "f1:0";
  f.parallelism_factor = 64;
  f.batch = 32;
  f.tensors = {{"ibn:x.weight", torch::ones({2, 3})}};
  const std::string path = (dir / "f.supernet").string();
  write_supernet(path, f);
  const SupernetFile back = read_supernet(path);
  EXPECT_EQ(back.space, f.space);
  EXPECT_TRUE(torch::equal(back.tensors.at(0).second, f.tensors.at(0).second));
  const auto message = [](const std::string& p) {
    try {
      read_supernet(p);
    } catch (const UserError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string text = hwnas::testing::read_file(path);
  std::ofstream((dir / "cut.supernet").string(), std::ios::binary) << text.substr(0, text.size() / 2);
  EXPECT_NE(message((dir / "cut.supernet").string()).find("cut.supernet: not a supernet file of hwnas (unreadable"),
            std::string::npos);
  write_weights((dir / "w.pt").string(), WeightsFile{ModelStamp{"m", "0", "classification", 28}, {}});
  EXPECT_NE(message((dir / "w.pt").string()).find("w.pt: is a hwnas-weights file, not a supernet file"),
            std::string::npos)
      << message((dir / "w.pt").string());
  // A NaN in a tensor (a flipped byte) is named, as in weights files (s32 leftover).
  SupernetFile nan = f;
  nan.tensors.push_back({"fused:y.weight", torch::full({2}, std::numeric_limits<float>::quiet_NaN())});
  write_supernet((dir / "nan.supernet").string(), nan);
  EXPECT_EQ(message((dir / "nan.supernet").string()),
            (dir / "nan.supernet").string() +
                ": tensor 'fused:y.weight' holds a NaN or an infinity: the file is damaged; train it again");
  // The space no longer matches the fingerprint the supernet was trained on.
  try {
    supernet_space(back, path);
    FAIL();
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("has changed since the supernet was trained"), std::string::npos) << e.what();
  }
}

// A space file that moved: found where it was relative to the supernet (the two moved
// together), or given as space_arg (--space); missing, or another space, a one-line error.
TEST(SupernetFile, MovedSpaceIsFoundBesideOrGivenAndCheckedByFingerprint) {
  const std::filesystem::path dir = hwnas::testing::scratch_dir() / "moved";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "a" / "nets");
  std::filesystem::copy_file(kSpaceFile, dir / "a" / "space.yaml");
  SupernetFile f;
  f.space = (dir / "a" / "space.yaml").string();
  f.space_name = "mobilenet-cls-fmnist";
  f.fingerprint = space::fingerprint(*fmnist_space());
  f.parallelism_factor = 64;
  f.batch = 32;
  f.tensors = {{"ibn:x.weight", torch::ones({2, 3})}};
  write_supernet((dir / "a" / "nets" / "f.supernet").string(), f);
  std::filesystem::rename(dir / "a", dir / "b");
  const std::string path = (dir / "b" / "nets" / "f.supernet").string();
  const SupernetFile back = read_supernet(path);
  EXPECT_EQ(back.space_beside, "../space.yaml");
  EXPECT_EQ(supernet_space(back, path)->name(), "mobilenet-cls-fmnist");
  const auto message = [&](const std::string& space_arg) {
    try {
      supernet_space(back, path, space_arg);
    } catch (const UserError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  std::filesystem::rename(dir / "b" / "space.yaml", dir / "elsewhere.yaml");
  const std::string missing = message("");
  EXPECT_NE(missing.find(path + ": the supernet's space file " + f.space + " is missing"), std::string::npos)
      << missing;
  EXPECT_NE(missing.find("give it with --space FILE"), std::string::npos) << missing;
  EXPECT_EQ(message((dir / "elsewhere.yaml").string()), "no error");
  const std::string& other = kTinySpaceFile;
  const std::string mismatch = message(other);
  EXPECT_NE(mismatch.find("the space " + other + " is not the one the supernet was trained on (" + f.space),
            std::string::npos)
      << mismatch;
  EXPECT_EQ(mismatch.find('\n'), std::string::npos);
  // In a search, the fix names the experiment's key (--space-key) instead of --space.
  try {
    supernet_space(back, path, "", "accuracy.supernet.space");
    ADD_FAILURE() << "a missing space file was accepted";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("is missing (not there, nor beside the supernet); give it with "
                                         "accuracy.supernet.space: FILE in the experiment (supernet: {file: ..., "
                                         "space: FILE})"),
              std::string::npos)
        << e.what();
  }
  // A --space that is no file is named as the bad argument, not as the supernet's space.
  EXPECT_EQ(message((dir / "none.yaml").string()),
            "--space " + (dir / "none.yaml").string() + ": no such space file; give the space file the supernet was "
                                                        "trained on");
  EXPECT_EQ(message((dir / "b").string() + "/"),
            "--space " + (dir / "b").string() + "/: is a directory; give the space file the supernet was trained on");
  // The stored space file edited (here: another space) while a good copy lies beside the
  // supernet: the stored one is still the one used (the lookup order), and the copy is named.
  std::filesystem::create_directories(dir / "a");
  std::filesystem::copy_file(other, dir / "a" / "space.yaml");
  std::filesystem::copy_file(dir / "elsewhere.yaml", dir / "b" / "nets" / "space.yaml");
  const std::string edited = message("");
  EXPECT_NE(edited.find("has changed since the supernet was trained"), std::string::npos) << edited;
  const std::string copy = (dir / "b" / "nets" / "space.yaml").string();
  EXPECT_NE(edited.find(copy + " has the supernet's space: give --space " + copy + ", or restore the space file"),
            std::string::npos)
      << edited;
  // A search's space of another name: the fingerprint differs, and the message says the name does.
  SupernetEvalOptions expect;
  expect.expect_fingerprint = "f1:0000000000000000";
  expect.expect_space_name = "my-fmnist";
  try {
    OpenedSupernet(path, expect);
    ADD_FAILURE() << "a supernet of another space was opened";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("not on the searched space 'my-fmnist' (fingerprint f1:0000000000000000: "
                                         "another name, and maybe other choices or another P; a space's name is part "
                                         "of its fingerprint: if only the name differs, name it "
                                         "'mobilenet-cls-fmnist' again, else train a supernet on the searched space)"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace hwnas::train::supernet
