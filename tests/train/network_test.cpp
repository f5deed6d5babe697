// The graph → torch module, op by op on small hand-computed cases; its initialisation,
// determinism, state by graph names, and its errors.
#include <gtest/gtest.h>

#include <cmath>

#include "hwnas/base/error.h"
#include "hwnas/space/models.h"
#include "hwnas/train/network.h"
#include "network_test_helpers.h"

namespace hwnas::train {
namespace {

using namespace graph;
using namespace network_testing;

TEST(NetworkOps, AvgPoolCeilModeAndCountIncludePad) {
  // 3x3 ramp, kernel 2 stride 2 ceil_mode: the last windows hold 2 and 1 values.
  expect_values(run(one_op(Pool{.kind = PoolKind::avg, .ceil_mode = true}, 1, 3, 3), ramp(1, 3, 3)),
                {3, 4.5, 7.5, 9});
  // Kernel 3 stride 2 padding 1: the corner window holds 1, 2, 4, 5 and five pads.
  const Pool padded{.kind = PoolKind::avg, .kernel_h = 3, .kernel_w = 3, .pad_h = 1, .pad_w = 1};
  expect_values(run(one_op(padded, 1, 3, 3), ramp(1, 3, 3)), {12 / 9.F, 16 / 9.F, 24 / 9.F, 28 / 9.F});
  Pool excluded = padded;
  excluded.count_include_pad = false;
  expect_values(run(one_op(excluded, 1, 3, 3), ramp(1, 3, 3)), {3, 4, 6, 7});
}

TEST(NetworkOps, MaxPoolAndGlobalPools) {
  const Pool max{.kind = PoolKind::max, .kernel_h = 3, .kernel_w = 3, .pad_h = 1, .pad_w = 1};
  expect_values(run(one_op(max, 1, 3, 3), ramp(1, 3, 3)), {5, 6, 8, 9});
  expect_values(run(one_op(GlobalPool{PoolKind::max}, 2, 2, 2), ramp(2, 2, 2)), {4, 8});
  const torch::Tensor avg = run(one_op(GlobalPool{PoolKind::avg}, 2, 2, 2), ramp(2, 2, 2));
  EXPECT_EQ(avg.sizes(), (std::vector<std::int64_t>{1, 2, 1, 1}));  // a map, not flat
  expect_values(avg, {2.5, 6.5});
}

TEST(NetworkOps, UpsampleNearestAndBilinearWithoutAlignedCorners) {
  expect_values(run(one_op(Upsample{UpsampleMode::nearest, 2}, 1, 2, 2), ramp(1, 2, 2)),
                {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4});
  // align_corners=false: output pixel i samples the input at (i + 0.5) / 2 - 0.5, clamped.
  const torch::Tensor bilinear = run(one_op(Upsample{UpsampleMode::bilinear, 2}, 1, 2, 2), ramp(1, 2, 2));
  expect_values(bilinear.slice(2, 0, 2),
                {1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5});
  // By size, 2 -> 3: output pixel i samples the input at (i + 0.5) · 2/3 - 0.5, clamped.
  const torch::Tensor sized = run(one_op(Upsample{UpsampleMode::bilinear, 0, 1, 3}, 1, 1, 2), ramp(1, 1, 2));
  expect_values(sized, {1, 1.5, 2});
}

TEST(NetworkOps, ChannelShuffleConcatAddMulZero) {
  expect_values(run(one_op(ChannelShuffle{3}, 6, 1, 1), ramp(6, 1, 1)), {1, 3, 5, 2, 4, 6});
  Graph g("mixed");
  const NodeId x = g.add("input", Input{2, 1, 2}, {});
  const NodeId gate = g.add("gate", GlobalPool{PoolKind::max}, {x});
  const NodeId sum = g.add("add", Add{}, {x, x, x});
  g.add("concat", Output{}, {g.add("cat", Concat{}, {x, sum})});
  g.add("sum", Output{}, {sum});
  g.add("se", Output{}, {g.add("mul", Mul{}, {x, gate})});
  g.add("zero", Output{}, {g.add("z", Zero{}, {x})});
  Network net(g, 1);
  net->eval();
  const std::vector<torch::Tensor> out = net->forward(ramp(2, 1, 2));
  ASSERT_EQ(out.size(), 4u);
  expect_values(out[0], {1, 2, 3, 4, 3, 6, 9, 12});
  expect_values(out[1], {3, 6, 9, 12});
  expect_values(out[2], {2, 4, 12, 16});  // channel 0 times 2, channel 1 times 4
  expect_values(out[3], {0, 0, 0, 0});
}

TEST(NetworkOps, ActivationsAsPyTorchDefinesThem) {
  const torch::Tensor x = torch::tensor({-4.F, -1.F, 0.F, 1.F, 7.F}).view({1, 5, 1, 1});
  const auto act = [&](ActKind kind) { return run(one_op(Activation{kind}, 5, 1, 1), x); };
  expect_values(act(ActKind::relu), {0, 0, 0, 1, 7});
  expect_values(act(ActKind::relu6), {0, 0, 0, 1, 6});
  expect_values(act(ActKind::hardswish), {0, -1 / 3.F, 0, 2 / 3.F, 7});  // x·relu6(x+3)/6
  expect_values(act(ActKind::hardsigmoid), {0, 1 / 3.F, 0.5, 2 / 3.F, 1});
  const auto sigmoid = [](float v) { return 1 / (1 + std::exp(-v)); };
  expect_values(act(ActKind::sigmoid), {sigmoid(-4), sigmoid(-1), 0.5, sigmoid(1), sigmoid(7)});
  expect_values(act(ActKind::silu), {-4 * sigmoid(-4), -sigmoid(-1), 0, sigmoid(1), 7 * sigmoid(7)});
  expect_values(act(ActKind::identity), {-4, -1, 0, 1, 7});
}

// A value read by two nodes is not overwritten by an in-place activation.
TEST(NetworkOps, InPlaceActivationsLeaveSharedValuesAlone) {
  Graph g("shared");
  const NodeId x = g.add("input", Input{1, 1, 3}, {});
  const NodeId conv = g.add("conv", Conv2d{.out_channels = 1, .bias = true}, {x});
  g.add("relu_out", Output{}, {g.add("relu", Activation{ActKind::relu}, {conv})});
  g.add("conv_out", Output{}, {conv});
  Network net(g, 1);
  net->load_state({{"conv.weight", torch::ones({1, 1, 1, 1})}, {"conv.bias", torch::tensor({-2.F})}}, "test");
  const std::vector<torch::Tensor> out = net->forward(torch::tensor({1.F, 2.F, 3.F}).view({1, 1, 1, 3}));
  expect_values(out[0], {0, 0, 1});
  expect_values(out[1], {-1, 0, 1});
}

TEST(NetworkOps, GroupedAndDilatedConvolutions) {
  // Ones everywhere: a dilated 3x3 tap sums the input pixels it lands on.
  Graph dilated = one_op(Conv2d{.out_channels = 1, .kernel_h = 3, .kernel_w = 3, .pad_h = 2, .pad_w = 2,
                                .dilation_h = 2, .dilation_w = 2},
                         1, 3, 3);
  Network net(dilated, 1);
  net->load_state({{"op.weight", torch::ones({1, 1, 3, 3})}}, "test");
  expect_values(net->forward(torch::ones({1, 1, 3, 3})).at(0), {4, 2, 4, 2, 1, 2, 4, 2, 4});
  Network grouped(one_op(Conv2d{.out_channels = 4, .groups = 2}, 4, 1, 1), 1);
  grouped->load_state({{"op.weight", torch::ones({4, 2, 1, 1})}}, "test");
  expect_values(grouped->forward(ramp(4, 1, 1)).at(0), {3, 3, 7, 7});
}

TEST(NetworkOps, LinearAndFlattenGiveFlatOutputs) {
  Graph g("flat");
  const NodeId x = g.add("input", Input{2, 1, 2}, {});
  const NodeId flat = g.add("flatten", Flatten{}, {x});
  g.add("flat_out", Output{}, {g.add("act", Activation{ActKind::relu}, {flat})});
  const NodeId fc = g.add("fc", Linear{.out_features = 1, .bias = false}, {flat});
  g.add("fc_out", Output{}, {fc});
  g.add("cat_out", Output{}, {g.add("cat", Concat{}, {flat, fc})});
  g.add("map_out", Output{}, {g.add("pool", GlobalPool{}, {x})});
  Network net(g, 1);
  net->load_state({{"fc.weight", torch::tensor({{1.F, 10.F, 100.F, 1000.F}})}}, "test");
  const std::vector<torch::Tensor> out = net->forward(ramp(2, 1, 2).repeat({3, 1, 1, 1}));
  EXPECT_EQ(out[0].sizes(), (std::vector<std::int64_t>{3, 4}));
  EXPECT_EQ(out[1].sizes(), (std::vector<std::int64_t>{3, 1}));
  expect_values(out[1][2], {4321});  // flatten keeps PyTorch's C, H, W order
  EXPECT_EQ(out[2].sizes(), (std::vector<std::int64_t>{3, 5}));
  EXPECT_EQ(out[3].sizes(), (std::vector<std::int64_t>{3, 2, 1, 1}));
}

TEST(NetworkOps, DropoutActsInTrainingOnly) {
  const Graph g = one_op(Dropout{30}, 100, 10, 10);
  const torch::Tensor ones = torch::ones({4, 100, 10, 10});
  expect_values(run(g, ones).sum(), {40000});
  const torch::Tensor trained = run(g, ones, true);
  const double dropped = (trained == 0).sum().item<double>() / 40000;
  EXPECT_NEAR(dropped, 0.3, 0.02);
  EXPECT_NEAR(trained.max().item<float>(), 1 / 0.7F, 1e-5);  // survivors scaled by 1/(1 - p)
}

TEST(NetworkOps, BatchNormUsesBatchStatisticsInTrainingAndRunningOnesInEval) {
  Network net(one_op(BatchNorm{}, 1, 1, 2), 1);
  const torch::Tensor x = torch::tensor({1.F, 3.F, 5.F, 7.F}).view({2, 1, 1, 2});
  net->train();
  expect_values(net->forward(x).at(0), {-1.3416394F, -0.4472131F, 0.4472131F, 1.3416394F});
  NamedTensors state = net->named_state();
  ASSERT_EQ(state.size(), 5u);
  EXPECT_EQ(state[2].first, "op.running_mean");
  EXPECT_NEAR(state[2].second.item<float>(), 0.4, 1e-6);  // 0.9·0 + 0.1·4
  EXPECT_NEAR(state[3].second.item<float>(), 0.9 + 0.1 * 20 / 3.0, 1e-6);  // unbiased variance
  EXPECT_EQ(state[4].second.item<std::int64_t>(), 1);  // num_batches_tracked
  net->eval();
  const float sd = std::sqrt(0.9F + 2 / 3.F + 1e-5F);
  expect_values(net->forward(x).at(0), {(1 - 0.4F) / sd, (3 - 0.4F) / sd, (5 - 0.4F) / sd, (7 - 0.4F) / sd});
}

// ----------------------------------------------------------------------------- initialisation

Graph conv_bn_linear() {
  Graph g("init");
  NodeId x = g.add("input", Input{64, 8, 8}, {});
  x = g.add("conv", Conv2d{.out_channels = 128, .kernel_h = 3, .kernel_w = 3, .pad_h = 1, .pad_w = 1, .bias = true}, {x});
  x = g.add("bn", BatchNorm{}, {x});
  x = g.add("pool", GlobalPool{}, {x});
  g.add("output", Output{}, {g.add("fc", Linear{.out_features = 500}, {x})});
  return g;
}

TEST(NetworkInit, AsTorchvisionsMobileNets) {
  Network net(conv_bn_linear(), 3);
  std::map<std::string, torch::Tensor> state;
  for (auto& [name, tensor] : net->named_state()) state[name] = tensor;
  const torch::Tensor conv = state.at("conv.weight");
  EXPECT_NEAR(conv.std().item<double>(), std::sqrt(2.0 / (128 * 9)), 0.02 * std::sqrt(2.0 / (128 * 9)));
  EXPECT_NEAR(conv.mean().item<double>(), 0, 0.002);
  EXPECT_TRUE(torch::equal(state.at("conv.bias"), torch::zeros({128})));
  EXPECT_TRUE(torch::equal(state.at("bn.weight"), torch::ones({128})));
  EXPECT_TRUE(torch::equal(state.at("bn.bias"), torch::zeros({128})));
  EXPECT_TRUE(torch::equal(state.at("bn.running_var"), torch::ones({128})));
  EXPECT_NEAR(state.at("fc.weight").std().item<double>(), 0.01, 0.0002);
  EXPECT_TRUE(torch::equal(state.at("fc.bias"), torch::zeros({500})));
}

TEST(NetworkInit, SameSeedSameWeightsWhateverTheThreads) {
  const Graph g = space::build_zoo_model("mobilenet_v3_small:res=32,classes=10");
  const int threads = torch::get_num_threads();
  torch::set_num_threads(1);
  Network one(g, 42);
  torch::set_num_threads(2);
  Network two(g, 42);
  torch::set_num_threads(threads);
  Network other(g, 43);
  const NamedTensors a = one->named_state(), b = two->named_state(), c = other->named_state();
  ASSERT_EQ(a.size(), b.size());
  std::size_t differ = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_TRUE(torch::equal(a[i].second, b[i].second)) << a[i].first;
    differ += torch::equal(a[i].second, c[i].second) ? 0 : 1;
  }
  std::size_t random = 0;  // conv and linear weights; biases and batch norm start fixed
  for (NodeId id = 0; id < g.size(); ++id)
    random += std::holds_alternative<Conv2d>(g.op(id)) || std::holds_alternative<Linear>(g.op(id)) ? 1 : 0;
  EXPECT_EQ(differ, random);
}

TEST(NetworkInit, LeavesTheGlobalGeneratorAlone) {
  torch::manual_seed(5);
  const torch::Tensor before = torch::rand({4});
  torch::manual_seed(5);
  Network net(conv_bn_linear(), 9);
  EXPECT_TRUE(torch::equal(torch::rand({4}), before));
}

// ----------------------------------------------------------------------------- state

TEST(NetworkState, GraphNamesAndAllParameters) {
  Network net(conv_bn_linear(), 1);
  std::vector<std::string> names;
  for (const auto& [name, tensor] : net->named_state()) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"conv.weight", "conv.bias", "bn.weight", "bn.bias", "bn.running_mean",
                                             "bn.running_var", "bn.num_batches_tracked", "fc.weight", "fc.bias"}));
  std::int64_t ours = 0, torchs = 0;
  for (const auto& [name, tensor] : net->graph_parameters()) ours += tensor.numel();
  for (const torch::Tensor& p : net->parameters()) torchs += p.numel();
  EXPECT_EQ(ours, torchs);
  EXPECT_EQ(net->graph_parameters().size(), net->parameters().size());
}

TEST(NetworkState, LoadedWeightsGiveTheSameOutputs) {
  const Graph g = space::build_zoo_model("mnasnet1_0:res=32,classes=10");
  Network a(g, 1), b(g, 2);
  a->eval();
  b->eval();
  const torch::Tensor x = torch::randn({2, 3, 32, 32});
  EXPECT_FALSE(torch::equal(a->forward(x)[0], b->forward(x)[0]));
  b->load_state(a->named_state(), "a");
  EXPECT_TRUE(torch::equal(a->forward(x)[0], b->forward(x)[0]));
}

// ----------------------------------------------------------------------------- errors

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const UserError& e) {
    return e.what();
  }
  return "(no UserError)";
}

TEST(NetworkErrors, GraphsTheBuilderCannotExpress) {
  Graph two_inputs("two");
  const NodeId a = two_inputs.add("image", Input{3, 4, 4}, {});
  const NodeId b = two_inputs.add("depth", Input{3, 4, 4}, {});
  two_inputs.add("out", Output{}, {two_inputs.add("add", Add{}, {a, b})});
  EXPECT_EQ(error_of([&] { Network(two_inputs, 1); }),
            "network 'two' has 2 input nodes ('image' and 'depth', ...); training takes a network with exactly one input");
  Graph no_output("none");
  no_output.add("relu", Activation{}, {no_output.add("input", Input{3, 4, 4}, {})});
  EXPECT_NE(error_of([&] { Network(no_output, 1); }).find("network 'none' has no output node"), std::string::npos);
  Graph twins("twins");
  NodeId x = twins.add("input", Input{3, 4, 4}, {});
  x = twins.add("stem", Conv2d{.out_channels = 8}, {x});
  x = twins.add("stem", BatchNorm{}, {x});
  twins.add("out", Output{}, {x});
  EXPECT_EQ(error_of([&] { Network(twins, 1); }),
            "network 'twins': two nodes with parameters are named 'stem'; their weights would share one name: rename one");
}

TEST(NetworkErrors, InputOfAnotherShapeOrType) {
  Network net(conv_bn_linear(), 1);
  EXPECT_EQ(error_of([&] { net->forward(torch::zeros({2, 64, 16, 16})); }),
            "network 'init' takes float32 input [N,64,8,8] (its node 'input'), got Float [2,64,16,16]; build the model at "
            "the resolution and input channels of the data");
  EXPECT_NE(error_of([&] { net->forward(torch::zeros({2, 64, 8, 8}, torch::kDouble)); }).find("got Double"), std::string::npos);
  EXPECT_NE(error_of([&] { net->forward(torch::zeros({64, 8, 8})); }).find("got Float [64,8,8]"), std::string::npos);
}

TEST(NetworkErrors, WeightsOfAnotherModelAreRefusedAndNothingIsCopied) {
  Network net(conv_bn_linear(), 1);
  const torch::Tensor before = net->named_state()[0].second.clone();
  NamedTensors state = Network(conv_bn_linear(), 2)->named_state();
  NamedTensors missing(state.begin(), state.end() - 1);
  EXPECT_EQ(error_of([&] { net->load_state(missing, "w.pt"); }),
            "weights 'w.pt' for network 'init': tensor 'fc.bias' is missing (8 tensors given, the network has 9); these "
            "weights are for another model");
  NamedTensors extra = state;
  extra.emplace_back("head.weight", torch::zeros({1}));
  EXPECT_EQ(error_of([&] { net->load_state(extra, "w.pt"); }),
            "weights 'w.pt' for network 'init': tensor 'head.weight' is not in the network; these weights are for another "
            "model");
  NamedTensors reshaped = state;
  reshaped[7].second = torch::zeros({10, 128});
  EXPECT_EQ(error_of([&] { net->load_state(reshaped, "w.pt"); }),
            "weights 'w.pt' for network 'init': tensor 'fc.weight' is 10x128, the network's is 500x128; these weights "
            "are for another model");
  NamedTensors twice = state;
  twice.push_back(state[0]);
  EXPECT_NE(error_of([&] { net->load_state(twice, "w.pt"); }).find("tensor 'conv.weight' is given twice"), std::string::npos);
  EXPECT_TRUE(torch::equal(net->named_state()[0].second, before));

  Network mnasnet(space::build_zoo_model("mnasnet1_0:res=32"), 1);
  const NamedTensors v2 = Network(space::build_zoo_model("mobilenet_v2:res=32"), 1)->named_state();
  EXPECT_NE(error_of([&] { mnasnet->load_state(v2, "mobilenet_v2.pt"); }).find("these weights are for another model"),
            std::string::npos);
}

}  // namespace
}  // namespace hwnas::train
