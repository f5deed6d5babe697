// The zero-shot proxy framework (train/proxies): hand-computed synflow, snip and grad_norm on
// small networks, undefined scores of a cut NAS-Bench-201 cell, determinism, the torch state
// a proxy leaves, rankings with undefined scores, the registry's errors, and hwnas proxy as a
// user runs it.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <sstream>
#include <nlohmann/json.hpp>

#include "hwnas/base/error.h"
#include "hwnas/graph/analysis.h"
#include "hwnas/graph/model_file.h"
#include "hwnas/space/models.h"
#include "hwnas/space/nb201.h"
#include "hwnas/train/model_input.h"
#include "hwnas/train/network.h"
#include "hwnas/train/proxies/proxy.h"
#include "hwnas/train/proxies/proxy_names.h"
#include "hwnas/train/proxies/proxy_rank.h"
#include "hwnas/train/proxies/proxy_runner.h"
#include "support/cli_runner.h"
#include "train/cli_support.h"

namespace hwnas::train::proxies {
namespace {

using namespace graph;

constexpr const char* kCutCell = "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|";
constexpr const char* kConvCell = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|";

std::string nb201(const char* arch) { return std::string("nb201:arch=") + arch; }

/// input [C,1,1] → linear(hidden) → linear(outputs), biases as given.
Graph linear_chain(std::int32_t in, std::int32_t hidden, std::int32_t outputs, bool bias) {
  Graph g("chain");
  NodeId x = g.add("input", Input{in, 1, 1}, {});
  x = g.add("fc1", Linear{.out_features = hidden, .bias = bias}, {x});
  x = g.add("fc2", Linear{.out_features = outputs, .bias = bias}, {x});
  g.add("output", Output{}, {x});
  return g;
}

torch::Tensor weight_of(Network& net, const std::string& name) {
  for (const auto& [n, t] : net->named_state())
    if (n == name) return t.detach().to(torch::kDouble);
  ADD_FAILURE() << "no tensor " << name;
  return {};
}

TEST(Synflow, TwoLayerLinearChainIsTwiceTheOutputOfAbsoluteWeights) {
  // Without biases, R = 1ᵀ|W2||W1|1 and each layer's Σ|θ ⊙ ∂R/∂θ| is R: synflow = 2R.
  const Graph g = linear_chain(3, 4, 2, false);
  Network net(g, 7);
  const torch::Tensor w1 = weight_of(net, "fc1.weight").abs(), w2 = weight_of(net, "fc2.weight").abs();
  const double r = w2.matmul(w1).sum().item<double>();
  const ProxyScore s = make_proxy("synflow")->score(g, {}, 7);
  ASSERT_TRUE(s.defined) << s.reason;
  EXPECT_NEAR(s.value, 2 * r, 1e-12 * r);
}

TEST(Synflow, AllNoneCellIsUndefinedAndParamsDefined) {
  const Graph g = space::load_model(nb201(kCutCell));
  const ProxyScore s = make_proxy("synflow")->score(g, {}, 0);
  EXPECT_FALSE(s.defined);
  EXPECT_NE(s.reason.find("no weight reaches the output"), std::string::npos) << s.reason;
  const ProxyScore p = make_proxy("params")->score(g, {}, 0);
  ASSERT_TRUE(p.defined);
  EXPECT_EQ(p.value, static_cast<double>(analyze(g, Precision::fp32, 1, MinOrder::skip).total.params));
}

TEST(Synflow, DeterministicForASeedAndDependsOnIt) {
  const Graph g = space::load_model(nb201(kConvCell));
  const std::unique_ptr<Proxy> synflow = make_proxy("synflow");
  const ProxyScore a = synflow->score(g, {}, 3), b = synflow->score(g, {}, 3), c = synflow->score(g, {}, 4);
  ASSERT_TRUE(a.defined && c.defined) << a.reason << c.reason;
  EXPECT_EQ(a.value, b.value);
  EXPECT_NE(a.value, c.value);
  EXPECT_TRUE(std::isfinite(a.value));
}

TEST(Synflow, DeepChainOverflowsToUndefinedNotInfinity) {
  // 400 conv3x3 layers of 16 channels on 4x4: with |θ| each multiplies the all-ones flow by
  // about 16 · 6.25 taps · E|w| ≈ 9 (E|w| = 0.8 · sqrt(2 / 144)), so R ≈ 9^400 > 1.8e308.
  Graph g("deep");
  NodeId x = g.add("input", Input{16, 4, 4}, {});
  for (int i = 0; i < 400; ++i)
    x = g.add("conv" + std::to_string(i), Conv2d{.out_channels = 16, .kernel_h = 3, .kernel_w = 3, .pad_h = 1, .pad_w = 1},
              {x});
  g.add("output", Output{}, {x});
  const ProxyScore s = make_proxy("synflow")->score(g, {}, 0);
  EXPECT_FALSE(s.defined) << s.value;
  EXPECT_EQ(s.value, 0);
  EXPECT_NE(s.reason.find("synflow"), std::string::npos) << s.reason;
}

/// A one-layer classifier [2,1,1] → linear(3) and a batch of two images.
struct OneLayer {
  Graph graph = [] {
    Graph g("one_layer");
    g.add("output", Output{}, {g.add("fc", Linear{.out_features = 3}, {g.add("input", Input{2, 1, 1}, {})})});
    return g;
  }();
  ProxyInput input = [] {
    ProxyInput in;
    in.images = torch::tensor({0.5F, -1.0F, 2.0F, 0.25F}).view({2, 2, 1, 1});
    in.labels = torch::tensor({2, 0}, torch::kLong);
    in.classes = 3;
    return in;
  }();
};

TEST(LossProxies, SnipAndGradNormOfOneLinearLayerMatchTheClosedForm) {
  // L = mean_n CE(W x_n + b, y_n): ∂L/∂W = (1/N) Σ_n (softmax(W x_n + b) − onehot(y_n)) x_nᵀ.
  const OneLayer c;
  Network net(c.graph, 5);
  const torch::Tensor w = weight_of(net, "fc.weight"), b = weight_of(net, "fc.bias");
  std::vector<std::vector<double>> grad(3, std::vector<double>(2, 0.0));
  const double x[2][2] = {{0.5, -1.0}, {2.0, 0.25}};
  const int y[2] = {2, 0};
  for (int n = 0; n < 2; ++n) {
    double z[3], total = 0;
    for (int k = 0; k < 3; ++k) {
      z[k] = b[k].item<double>() + w[k][0].item<double>() * x[n][0] + w[k][1].item<double>() * x[n][1];
      total += std::exp(z[k]);
    }
    for (int k = 0; k < 3; ++k)
      for (int i = 0; i < 2; ++i) grad[k][i] += (std::exp(z[k]) / total - (k == y[n] ? 1 : 0)) * x[n][i] / 2;
  }
  double snip = 0, norm2 = 0;
  for (int k = 0; k < 3; ++k)
    for (int i = 0; i < 2; ++i) {
      snip += std::abs(w[k][i].item<double>() * grad[k][i]);
      norm2 += grad[k][i] * grad[k][i];
    }
  const ProxyScore s = make_proxy("snip")->score(c.graph, c.input, 5);
  const ProxyScore g = make_proxy("grad_norm")->score(c.graph, c.input, 5);
  ASSERT_TRUE(s.defined && g.defined) << s.reason << g.reason;
  EXPECT_NEAR(s.value, snip, 1e-6 * snip);
  EXPECT_NEAR(g.value, std::sqrt(norm2), 1e-6 * std::sqrt(norm2));
}

TEST(LossProxies, RefuseAMissingBatchAndANonClassifier) {
  const OneLayer c;
  EXPECT_THROW(make_proxy("snip")->score(c.graph, {}, 0), UserError);
  Graph map("map");
  map.add("output", Output{}, {map.add("input", Input{2, 4, 4}, {})});
  ProxyInput in = c.input;
  in.images = torch::zeros({2, 2, 4, 4});
  try {
    make_proxy("grad_norm")->score(map, in, 0);
    ADD_FAILURE() << "no error";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("proxy grad_norm scores classifiers of at least 3 classes: model 'map': "
                                         "output 'output' is [2,4,4], a map"),
              std::string::npos)
        << e.what();
  }
}

TEST(LossProxies, RefuseASegmentationModelFromItsShapesBeforeAnyForwardPass) {
  // lraspp at its default resolution: the check reads the Output node's inferred shape; the
  // batch given here (8×8 images) could not even pass through the network.
  const Graph g = space::load_model("lraspp_mobilenet_v2");
  const Shape out = g.shape(g.output_nodes().front());
  ASSERT_GT(out.h, 1);
  ProxyInput in;
  in.images = torch::zeros({2, 3, 8, 8});
  in.labels = torch::zeros({2}, torch::kLong);
  in.classes = 10;
  for (const char* proxy : {"snip", "grad_norm", "grasp", "fisher"}) {
    try {
      make_proxy(proxy)->score(g, in, 0);
      ADD_FAILURE() << proxy << ": no error";
    } catch (const UserError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find(fmt::format("proxy {} scores classifiers of at least 10 classes: model "
                                      "'lraspp_mobilenet_v2': output",
                                      proxy)),
                std::string::npos)
          << what;
      EXPECT_NE(what.find(fmt::format("is {}, a map; classification needs [10,1,1] class scores", to_string(out))),
                std::string::npos)
          << what;
      EXPECT_EQ(what.find('\n'), std::string::npos) << what;
    }
  }
}

/// input [2,4,4] -> conv 3x3 of 3 channels -> global pool -> output: [3,1,1] by shape
/// inference, [N,3,1,1] at run time (the s32 fresh-user test's m_gp.yaml); with `flatten`,
/// a flatten before the output ([N,3]).
Graph pooled_classifier(bool flatten) {
  Graph g("pooled");
  NodeId x = g.add("conv", Conv2d{.out_channels = 3, .kernel_h = 3, .kernel_w = 3}, {g.add("input", Input{2, 4, 4}, {})});
  x = g.add("pool", GlobalPool{}, {x});
  if (flatten) x = g.add("flatten", Flatten{}, {x});
  g.add("output", Output{}, {x});
  return g;
}

// What `hwnas train` accepts as a classifier (model_input.h, check_classifier) the
// loss-based proxies score, reading the logits as the trainer does (flattened): a global
// pool's [N,3,1,1] scores as its flattened [N,3] (s32 fresh-user finding 4).
TEST(LossProxies, ScoreAGlobalPoolClassifierAsTheTrainerReadsIt) {
  const Graph pooled = pooled_classifier(false), flat = pooled_classifier(true);
  EXPECT_NO_THROW(check_classifier(pooled, 3));
  ProxyInput in;
  in.images = torch::linspace(-1.0, 1.5, 64).view({2, 2, 4, 4});
  in.labels = torch::tensor({2, 0}, torch::kLong);
  in.classes = 3;
  for (const char* proxy : {"snip", "grad_norm", "fisher", "grasp"}) {
    EXPECT_NO_THROW(make_proxy(proxy)->check_graph(pooled, Task::classification, 3)) << proxy;
    const ProxyScore a = make_proxy(proxy)->score(pooled, in, 4), b = make_proxy(proxy)->score(flat, in, 4);
    ASSERT_TRUE(a.defined && b.defined) << proxy << ": " << a.reason << b.reason;
    EXPECT_DOUBLE_EQ(a.value, b.value) << proxy;
  }
}

// A model the trainer refuses is refused with the trainer's reason, which names the shape
// the graph has, never one the proxy would accept (the s32 finding: "at least 10 classes;
// ... ends in [64,10,1,1]"), and from the graph alone.
TEST(LossProxies, RefuseWhatTheTrainerRefusesWithItsReason) {
  const Graph five = linear_chain(4, 6, 5, true);
  Graph two("two_outputs");
  const NodeId fc = two.add("fc", Linear{.out_features = 10}, {two.add("input", Input{4, 1, 1}, {})});
  two.add("scores", Output{}, {fc});
  two.add("features", Output{}, {fc});
  for (const char* proxy : {"snip", "grad_norm", "fisher", "grasp"}) {
    const std::unique_ptr<Proxy> p = make_proxy(proxy);
    try {
      p->check_graph(five, Task::classification, 10);
      ADD_FAILURE() << proxy << ": no error";
    } catch (const UserError& e) {
      EXPECT_EQ(std::string(e.what()),
                fmt::format("proxy {} scores classifiers of at least 10 classes: model 'chain': output 'output' gives "
                            "5 class scores but the data have 10 classes; use a model with classes=10",
                            proxy));
    }
    try {
      p->check_graph(two, Task::classification, 10);
      ADD_FAILURE() << proxy << ": no error";
    } catch (const UserError& e) {
      EXPECT_NE(std::string(e.what()).find("model 'two_outputs' has 2 output nodes; a classifier has one"),
                std::string::npos)
          << e.what();
    }
    // More class scores than the data's classes are scored (a zoo model's 1,000).
    EXPECT_NO_THROW(p->check_graph(linear_chain(4, 6, 12, true), Task::classification, 10)) << proxy;
  }
}

TEST(Proxies, LeaveGradModeAndTheGlobalGeneratorAsTheyFoundThem) {
  const OneLayer c;
  torch::manual_seed(11);
  const torch::Tensor expected = torch::rand({4});
  torch::manual_seed(11);
  {
    const torch::NoGradGuard no_grad;
    for (const char* name : {"synflow", "snip", "grad_norm"}) {
      const ProxyScore s = make_proxy(name)->score(c.graph, c.input, 1);
      EXPECT_TRUE(s.defined) << name << ": " << s.reason;
      EXPECT_FALSE(torch::GradMode::is_enabled()) << name;
    }
  }
  EXPECT_TRUE(torch::equal(torch::rand({4}), expected));
}

TEST(ProxyRank, UndefinedScoresRankLastAndTied) {
  const std::vector<ProxyScore> scores = {{5, true, ""}, {0, false, "x"}, {1, true, ""}, {0, false, "y"}, {5, true, ""}};
  EXPECT_EQ(proxy_ranks(scores), (std::vector<double>{4.5, 1.5, 3, 1.5, 4.5}));
  EXPECT_TRUE(proxy_ranks({}).empty());
  EXPECT_DOUBLE_EQ(proxy_percentile({3, true, ""}, scores), 60);  // 2 undefined + 1 below, of 5
  EXPECT_DOUBLE_EQ(proxy_percentile({0, false, "z"}, scores), 20);  // ties with the 2 undefined
  EXPECT_DOUBLE_EQ(proxy_percentile({9, true, ""}, scores), 100);
  EXPECT_DOUBLE_EQ(proxy_percentile({9, true, ""}, {}), 50);
}

TEST(ProxyRegistry, NamesAndUnknownName) {
  const std::vector<std::string> names = proxy_names();
  for (const char* name : {"synflow", "grad_norm", "snip", "params", "macs"})
    EXPECT_NE(std::find(names.begin(), names.end(), name), names.end()) << name;
  for (const std::string& name : names) EXPECT_EQ(make_proxy(name)->name(), name);
  try {
    make_proxy("synflw");
    ADD_FAILURE() << "no error";
  } catch (const UserError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("unknown proxy 'synflw'"), std::string::npos) << what;
    EXPECT_NE(what.find("did you mean 'synflow'"), std::string::npos) << what;
  }
}

TEST(ProxyRunner, RefusesRepeatedAndNoProxies) {
  ProxyRunOptions o;
  EXPECT_THROW(ProxyRunner{o}, UserError);
  o.proxies = {"params", "params"};
  EXPECT_THROW(ProxyRunner{o}, UserError);
  o.proxies = {"params", "macs"};
  EXPECT_FALSE(ProxyRunner{o}.reads_data());
}

// One image makes 1x1 matrices and zeroes batch norm over a 1x1 map (s32 fresh-user finding
// 6): a proxy that reads the batch needs 2; the data-free ones ignore the batch.
TEST(ProxyRunner, RefusesABatchOfOneForAProxyThatReadsIt) {
  ProxyRunOptions o;
  o.batch = 1;
  o.proxies = {"synflow", "snip", "jacob_cov"};
  try {
    ProxyRunner{o};
    ADD_FAILURE() << "no error";
  } catch (const UserError& e) {
    EXPECT_TRUE(std::string(e.what()).starts_with(
        "batch 1: proxies snip, jacob_cov read a batch of images and need at least 2: over one image"))
        << e.what();
  }
  o.proxies = {"synflow", "params", "macs", "zen"};
  EXPECT_FALSE(ProxyRunner{o}.reads_data());
  EXPECT_EQ(proxy_batch_problem(o.proxies, 1), "");
  EXPECT_EQ(proxy_batch_problem({"te_nas_ntk"}, 2), "");
  // The torch-free list the search reads is the proxies' own (make_proxy checks it too).
  for (const std::string& name : proxy_names()) EXPECT_EQ(make_proxy(name)->needs_data(), proxy_needs_data(name)) << name;
}

TEST(ProxyRunner, FashionMnistBatchIsFixedBySeed) {
  REQUIRE_FASHION_MNIST();
  ProxyRunOptions o;
  o.proxies = {"snip"};
  o.batch = 8;
  o.seed = 2;
  const Graph g = space::load_model(nb201(kConvCell));
  ProxyRunner a(o), b(o);
  const ModelScores sa = a.score(g), sb = b.score(g);
  ASSERT_TRUE(sa.scores[0].defined) << sa.scores[0].reason;
  EXPECT_EQ(sa.scores[0].value, sb.scores[0].value);
  o.seed = 3;
  EXPECT_NE(ProxyRunner(o).score(g).scores[0].value, sa.scores[0].value);
}

// TE-NAS's count on the thin copy (te_nas_linear_regions.h): below its 3,000 inputs, not the
// same for every cell, fixed by the seed; on the full network the batch saturates it.
TEST(ProxyRunner, LinearRegionsCountOnTheThinCopyOfANasBench201Network) {
  REQUIRE_FASHION_MNIST();
  ProxyRunOptions o;
  o.proxies = {"te_nas_linear_regions"};
  o.seed = 2;
  const Graph conv = space::load_model(nb201(kConvCell));
  const Graph pool = space::load_model(
      nb201("|avg_pool_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|avg_pool_3x3~2|"));
  ProxyRunner a(o), b(o);
  const ProxyScore sc = a.score(conv).scores[0], sp = a.score(pool).scores[0];
  ASSERT_TRUE(sc.defined && sp.defined) << sc.reason << sp.reason;
  EXPECT_LT(sc.value, 3000);
  EXPECT_GT(sc.value, 1);
  EXPECT_LT(sp.value, 3000);
  EXPECT_NE(sc.value, sp.value);
  EXPECT_EQ(b.score(conv).scores[0].value, sc.value);
  // Another seed draws other weights and crops.
  o.seed = 3;
  EXPECT_NE(ProxyRunner(o).score(conv).scores[0].value, sc.value);
  // Counted on the network given, every image of the batch of 64 has a code of its own.
  o.thin_linear_regions = false;
  EXPECT_EQ(ProxyRunner(o).score(conv).scores[0].value, 64);
}

using testing::expect_bad_input;
using testing::hwnas;

TEST(ProxyCli, JsonScoresOfTwoCells) {
  const std::vector<std::string> args = {"proxy", nb201(kConvCell), nb201(kCutCell), "--proxy", "synflow,params",
                                         "--json"};
  const testing::Result r = hwnas(args);
  ASSERT_EQ(r.status, 0) << testing::describe(args, r);
  const nlohmann::json doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["proxies"], nlohmann::json({"synflow", "params"}));
  EXPECT_TRUE(doc["data"].is_null());  // data-free proxies read nothing
  ASSERT_EQ(doc["models"].size(), 2u);
  EXPECT_TRUE(doc["models"][0]["scores"]["synflow"]["defined"].get<bool>());
  EXPECT_GT(doc["models"][0]["scores"]["synflow"]["value"].get<double>(), 0);
  EXPECT_EQ(doc["models"][0]["scores"]["synflow"]["input"], "none (data-free)");
  const nlohmann::json& cut = doc["models"][1]["scores"]["synflow"];
  EXPECT_FALSE(cut["defined"].get<bool>());
  EXPECT_TRUE(cut["value"].is_null());
  EXPECT_TRUE(cut["reason"].is_string());
  EXPECT_TRUE(doc["models"][1]["scores"]["params"]["defined"].get<bool>());
}

// The JSON lines `hwnas proxy --serve --proxy PROXY` answers to `requests` (a file's text).
std::vector<nlohmann::json> serve_answers(const std::string& proxy, const std::string& requests) {
  const std::string file = testing::write_temp("proxy_requests.txt", requests);
  const testing::Result r = testing::run_program(
      {"/bin/sh", "-c", std::string(HWNAS_BINARY) + " proxy --serve --proxy " + proxy + " < " + file});
  EXPECT_EQ(r.status, 0) << r.err;
  std::istringstream lines(r.out);
  std::vector<nlohmann::json> answers;
  for (std::string line; std::getline(lines, line);) answers.push_back(nlohmann::json::parse(line));
  return answers;
}

// --serve answers every line, trimmed; a blank one with an error line (a client waiting
// for an answer must not hang).
TEST(ProxyCli, ServeAnswersEveryLineTrimmed) {
  const std::string cell = nb201(kConvCell);
  const std::vector<nlohmann::json> answers =
      serve_answers("params", "  " + cell + " \t\r\n\n   \nnb201:arch=|bogus~0|\n" + std::string(10000, 'x') + "\n");
  ASSERT_EQ(answers.size(), 5U);
  EXPECT_EQ(answers[0]["model"], cell);
  EXPECT_TRUE(answers[0]["scores"]["params"]["defined"].get<bool>()) << answers[0];
  for (const std::size_t blank : {1, 2}) {
    EXPECT_EQ(answers[blank]["model"], "");
    EXPECT_EQ(answers[blank]["error"], "empty request: send one model per line, a model file's path or a zoo spec");
  }
  EXPECT_NE(answers[3]["error"].get<std::string>().find("bogus"), std::string::npos) << answers[3];
  // A line longer than any path is refused quoting its start, not echoed whole (s27 finding 11).
  EXPECT_EQ(answers[4]["model"], std::string(60, 'x') + "...");
  EXPECT_TRUE(answers[4]["error"].get<std::string>().starts_with("a request of 10000 bytes ('xxx")) << answers[4];
  EXPECT_LT(answers[4].dump().size(), 400U);
}

// The search's route (search/proxy_accuracy.cpp): a candidate decoded by the nb201 space,
// saved as a model file and sent to --serve, is counted on its thin copy as the bench does.
TEST(ProxyCli, ServeCountsLinearRegionsOfASearchCandidateOnItsThinCopy) {
  REQUIRE_FASHION_MNIST();
  const auto space = space::make_nb201_space();
  const Graph candidate = space->decode(space->parse_arch(kConvCell));
  const std::string file = (testing::scratch_dir() / "lr_candidate.json").string();
  save_model_file(candidate, file);
  const std::vector<nlohmann::json> answers =
      serve_answers("te_nas_linear_regions", file + "\n" + nb201(kConvCell) + "\n");
  ASSERT_EQ(answers.size(), 2U);
  ProxyRunOptions o;
  o.proxies = {"te_nas_linear_regions"};
  const double expected = ProxyRunner(o).score(space::load_model(nb201(kConvCell))).scores[0].value;
  EXPECT_LT(expected, 3000);
  EXPECT_NE(expected, 64);
  for (const nlohmann::json& a : answers) {
    EXPECT_EQ(a["scores"]["te_nas_linear_regions"]["value"], expected) << a;
    EXPECT_EQ(a["scores"]["te_nas_linear_regions"]["input"], "thin copy over 3000 crops of 3x3") << a;
  }
}

// --linear-regions full counts on the network given, over the batch (every image of a full
// NAS-Bench-201 network has a region of its own), and says so; the data directory read is
// named, the default resolved.
TEST(ProxyCli, LinearRegionsFullCountsTheBatchOnTheNetworkGiven) {
  REQUIRE_FASHION_MNIST();
  const std::vector<std::string> args = {"proxy", nb201(kConvCell), "--proxy", "te_nas_linear_regions",
                                         "--linear-regions", "full", "--batch", "16", "--json"};
  const testing::Result r = hwnas(args);
  ASSERT_EQ(r.status, 0) << testing::describe(args, r);
  const nlohmann::json doc = nlohmann::json::parse(r.out);
  const nlohmann::json& s = doc["models"][0]["scores"]["te_nas_linear_regions"];
  EXPECT_EQ(s["value"], 16) << s;
  EXPECT_EQ(s["input"], "batch of 16") << s;
  ASSERT_TRUE(doc["data"].is_string()) << doc;
  EXPECT_TRUE(std::filesystem::is_directory(doc["data"].get<std::string>())) << doc;
}

TEST(ProxyCli, ErrorPaths) {
  expect_bad_input({"proxy", nb201(kConvCell), "--proxy", "synflw"}, "did you mean 'synflow'");
  expect_bad_input({"proxy", "--proxy", "synflow"}, "give at least one MODEL");
  // A trailing comma too (getline drops the empty name after it).
  expect_bad_input({"proxy", nb201(kConvCell), "--proxy", "synflow,"},
                   "--proxy 'synflow,' has an empty name; write NAME[,NAME...]");
  expect_bad_input({"proxy", "nb201:arch=|bogus~0|", "--proxy", "params"}, "bogus");
  expect_bad_input({"proxy", nb201(kConvCell), "--proxy", "snip", "--data", "/nonexistent/fmnist"},
                   "--data /nonexistent/fmnist: no such directory");
  expect_bad_input({"proxy", nb201(kConvCell), "--proxy", "params", "--batch", "0"}, "--batch");
  expect_bad_input({"proxy", nb201(kConvCell), "--proxy", "params", "--linear-regions", "thinn"},
                   "--linear-regions: 'thinn' is neither thin nor full; give thin (TE-NAS's thin copy of an nb201 "
                   "network) or full (the network given, over the batch)");
  const std::string dir = std::filesystem::temp_directory_path().string();
  expect_bad_input({"proxy", "--models", dir, "--proxy", "params"},
                   "--models " + dir + ": is a directory; give a file with one model per line");
}

TEST(ProxyCli, RefusesASegmentationModelAtItsDefaultResolution) {
  REQUIRE_FASHION_MNIST();
  expect_bad_input({"proxy", "lraspp_mobilenet_v2", "--proxy", "snip", "--batch", "2"},
                   "proxy snip scores classifiers of at least 10 classes: model 'lraspp_mobilenet_v2': output");
}

// The s32 fresh-user test's m_gp.yaml: `hwnas train` trains it, so every proxy scores it.
constexpr const char* kPooledModel =
    "name: m\ninput: [1, 16, 16]\nlayers:\n  - {op: conv, out: 10, kernel: 3, stride: 2}\n  - {op: global_pool}\n";

TEST(ProxyCli, ScoresAGlobalPoolClassifierThatTrainAccepts) {
  REQUIRE_FASHION_MNIST();
  const std::string model = testing::write_temp("proxy_m_gp.yaml", kPooledModel);
  const std::vector<std::string> args = {
      "proxy", model, "--proxy", "snip,grad_norm,fisher,grasp,jacob_cov,te_nas_ntk", "--batch", "8", "--json"};
  const testing::Result r = hwnas(args);
  ASSERT_EQ(r.status, 0) << testing::describe(args, r);
  const nlohmann::json scores = nlohmann::json::parse(r.out)["models"][0]["scores"];
  for (const auto& [name, s] : scores.items()) EXPECT_TRUE(s["defined"].get<bool>()) << name << ": " << s;
}

// A model a proxy cannot score is refused from its shapes before any model is scored: one
// line, nothing else on stderr (no progress), nothing on stdout.
TEST(ProxyCli, RefusesAModelBeforeScoringAny) {
  REQUIRE_FASHION_MNIST();
  std::string five = kPooledModel;
  five.replace(five.find("out: 10"), 7, "out: 5");
  const std::string model = testing::write_temp("proxy_m_gp5.yaml", five);
  expect_bad_input({"proxy", nb201(kConvCell), model, "--proxy", "params,snip", "--batch", "2"},
                   "proxy snip scores classifiers of at least 10 classes: model 'm': output 'output' gives 5 class "
                   "scores but the data have 10 classes; use a model with classes=10");
}

// s32 fresh-user finding 6: at --batch 1 the data proxies' scores mean nothing; refused in
// one line naming the fix. Data-free proxies ignore the batch: the same scores at 1 and 64.
TEST(ProxyCli, RefusesABatchOfOneForProxiesThatReadIt) {
  expect_bad_input({"proxy", nb201(kConvCell), "--proxy", "synflow,snip,jacob_cov", "--batch", "1"},
                   "--batch 1: proxies snip, jacob_cov read a batch of images and need at least 2: over one image, "
                   "jacob_cov's matrix is 1x1 (the same score for every network); batch norm in training mode "
                   "zeroes a 1x1 map (a classifier's last stages), so no gradient reaches snip's weights");
  expect_bad_input({"proxy", nb201(kConvCell), "--proxy", "te_nas_ntk", "--batch", "1"}, "give --batch 2 or more");
  const auto scores = [](const char* batch) {
    const std::vector<std::string> args = {"proxy", nb201(kConvCell), "--proxy", "synflow,params,macs,zen",
                                           "--batch", batch, "--json"};
    const testing::Result r = hwnas(args);
    EXPECT_EQ(r.status, 0) << testing::describe(args, r);
    nlohmann::json s = nlohmann::json::parse(r.out)["models"][0]["scores"];
    for (auto& [name, score] : s.items()) score.erase("seconds");
    return s;
  };
  EXPECT_EQ(scores("1"), scores("64"));
}

// --models FILE: each line trimmed as --serve trims a request (s32 fresh-user finding 12a:
// "  m.yaml" was a file name with two leading spaces); blank and '#' lines skipped after.
TEST(ProxyCli, ModelsFileLinesAreTrimmed) {
  const std::string cell = nb201(kConvCell);
  const std::string file = testing::write_temp("proxy_models_trimmed.txt",
                                               "  " + cell + " \t\r\n   # a comment\n\t\n\t" + cell + "\n");
  const std::vector<std::string> args = {"proxy", "--models", file, "--proxy", "params", "--json"};
  const testing::Result r = hwnas(args);
  ASSERT_EQ(r.status, 0) << testing::describe(args, r);
  const nlohmann::json models = nlohmann::json::parse(r.out)["models"];
  ASSERT_EQ(models.size(), 2U) << models;
  for (const nlohmann::json& m : models) EXPECT_EQ(m["model"], cell) << m;
}

TEST(ProxyCli, SearchAccuracyIsTheScoresPercentileAmongTheReference) {
  const std::string config = testing::write_temp(
      "proxy_search.yaml",
      "space: nb201\naccuracy: {proxy: {name: params, reference: 20}}\nobjective: {maximize: accuracy}\n"
      "strategy: {name: random}\nbudget: {evaluations: 8}\nseed: 2\n");
  const std::string out = (testing::scratch_dir() / "proxy_search").string();
  std::filesystem::remove_all(out);
  const std::vector<std::string> args = {"search", config, "--out", out, "--json"};
  const testing::Result r = hwnas(args);
  ASSERT_EQ(r.status, 0) << testing::describe(args, r);
  const nlohmann::json trials = nlohmann::json::parse(r.out)["trials"];
  ASSERT_EQ(trials.size(), 8u);
  for (const nlohmann::json& a : trials) {
    ASSERT_EQ(a["status"], "ok") << a.dump();
    EXPECT_GE(a["accuracy"].get<double>(), 0);
    EXPECT_LE(a["accuracy"].get<double>(), 100);
    for (const nlohmann::json& b : trials)  // monotone in the score (here the parameter count)
      if (a["params"].get<double>() > b["params"].get<double>())
        EXPECT_GE(a["accuracy"].get<double>(), b["accuracy"].get<double>()) << a.dump() << "\n" << b.dump();
  }
}

// `hwnas search` of an nb201 experiment whose accuracy is `accuracy` (YAML), written as
// NAME.yaml, refused with one line that contains `expected`.
void expect_search_refused(const std::string& name, const std::string& accuracy, const std::string& expected) {
  const std::string config = testing::write_temp(
      name + ".yaml", "space: nb201\naccuracy: " + accuracy +
                          "\nobjective: {maximize: accuracy}\nstrategy: {name: random}\nbudget: {evaluations: 2}\n");
  expect_bad_input({"search", config, "--out", (testing::scratch_dir() / name).string()}, expected);
}

TEST(ProxyCli, SearchRefusesAnUnknownProxyAndRungs) {
  expect_search_refused("proxy_unknown", "{proxy: synflw}", "accuracy.proxy");
  expect_search_refused("proxy_keys", "{proxy: {name: synflow, epochs: 3}}", "epochs");
}

// accuracy.proxy.batch: 1 is refused when the experiment is read, naming the key and the
// fix (s32 finding 6).
TEST(ProxyCli, SearchRefusesABatchOfOneForAProxyThatReadsIt) {
  expect_search_refused("proxy_batch1", "{proxy: {name: snip, batch: 1}}",
                        "accuracy.proxy.batch: proxy snip reads a batch of images and needs at least 2: over one image");
  expect_search_refused("proxy_batch1", "{proxy: {name: snip, batch: 1}}", "give batch: 2 or more");
}

}  // namespace
}  // namespace hwnas::train::proxies
