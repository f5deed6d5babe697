// Zero-shot proxies on scenes (issue 13 §1: "proxies that need data use Fashion-MNIST or
// scenes batches"): the loss-based proxies take a segmenter's per-pixel cross-entropy (closed
// form on a 1x1 convolution) and a detector's SSD loss, refuse a head of another task from
// its shapes, the runner's batch of scenes is fixed by its seed, and hwnas proxy --task and
// the search's proxy source on a scene space work and refuse bad input in one line.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <nlohmann/json.hpp>

#include "hwnas/base/error.h"
#include "hwnas/space/models.h"
#include "hwnas/train/network.h"
#include "hwnas/train/proxies/proxy.h"
#include "hwnas/train/proxies/proxy_runner.h"
#include "hwnas/train/proxies/proxy_support.h"
#include "hwnas/train/tasks/detection_task.h"
#include "hwnas/train/tasks/task_heads.h"
#include "support/cli_runner.h"
#include "train/cli_support.h"

namespace hwnas::train::proxies {
namespace {

using namespace graph;

constexpr const char* kDetector = "ssdlite_mobilenet_v2:width=0.25,res=32,in_ch=1,classes=11";
constexpr const char* kSegmenter = "lraspp_mobilenet_v2:width=0.25,res=32,in_ch=1,classes=11";
const std::string kSegSpace = std::string(HWNAS_SOURCE_DIR) + "/tests/train/supernet_tiny_seg_space.yaml";

// The scene cache these tests share (1,000 reference scenes of 32x32, generated once).
std::string cache() {
  const std::filesystem::path dir = testing::scratch_dir() / "proxy-scene-cache";
  std::filesystem::create_directories(dir);
  return dir.string();
}

// input [1,2,2] -> conv 1x1 of 2 channels (with bias) -> output [2,2,2]: a segmenter of one
// object class and background.
Graph one_conv_segmenter() {
  Graph g("seg");
  const NodeId input = g.add("input", Input{1, 2, 2}, {});
  g.add("output", Output{}, {g.add("conv", Conv2d{.out_channels = 2, .bias = true}, {input})});
  return g;
}

TEST(SceneProxies, SnipAndGradNormOfAOneByOneConvSegmenterMatchThePerPixelCrossEntropy) {
  const Graph g = one_conv_segmenter();
  ProxyInput in;
  in.images = torch::tensor({0.5F, -1.0F, 2.0F, 0.25F, -0.75F, 1.5F, 0.0F, 1.0F}).view({2, 1, 2, 2});
  in.task = Task::segmentation;
  in.classes = 1;
  in.masks = torch::tensor({1, 0, 0, 1, 1, 1, 0, 0}, torch::kLong).view({2, 2, 2});
  Network net(g, 5);
  torch::Tensor w, b;
  for (const auto& [name, t] : net->named_state()) {
    if (name == "conv.weight") w = t.detach().to(torch::kDouble).view({2});
    if (name == "conv.bias") b = t.detach().to(torch::kDouble);
  }
  ASSERT_TRUE(w.defined() && b.defined());
  // L = mean over the 8 pixels p of CE(w x_p + b, y_p): ∂L/∂w_k = (1/8) Σ_p (softmax_k − [k = y_p]) x_p.
  const float* x = in.images.data_ptr<float>();
  const std::int64_t* y = in.masks.data_ptr<std::int64_t>();
  double grad[2] = {0, 0};
  for (int p = 0; p < 8; ++p) {
    const double z0 = w[0].item<double>() * x[p] + b[0].item<double>();
    const double z1 = w[1].item<double>() * x[p] + b[1].item<double>();
    const double p1 = 1 / (1 + std::exp(z0 - z1));
    grad[0] += ((1 - p1) - (y[p] == 0 ? 1 : 0)) * x[p] / 8;
    grad[1] += (p1 - (y[p] == 1 ? 1 : 0)) * x[p] / 8;
  }
  const double snip = std::abs(w[0].item<double>() * grad[0]) + std::abs(w[1].item<double>() * grad[1]);
  const double norm = std::sqrt(grad[0] * grad[0] + grad[1] * grad[1]);
  const ProxyScore s = make_proxy("snip")->score(g, in, 5), n = make_proxy("grad_norm")->score(g, in, 5);
  ASSERT_TRUE(s.defined && n.defined) << s.reason << n.reason;
  EXPECT_NEAR(s.value, snip, 1e-6 * snip);
  EXPECT_NEAR(n.value, norm, 1e-6 * norm);
}

// A batch of two 32x32 images and their truth boxes (one object class: presence).
ProxyInput detection_batch() {
  ProxyInput in;
  in.images = torch::linspace(-1.0, 1.0, 2 * 32 * 32).view({2, 1, 32, 32}).sin();
  in.task = Task::detection;
  in.classes = 1;
  in.boxes = {{Box{4, 4, 20, 24, 0}}, {Box{10, 2, 30, 18, 0}, Box{2, 16, 14, 30, 0}}};
  return in;
}

TEST(SceneProxies, SnipOfADetectorIsTheSsdLossesConnectionSensitivity) {
  const Graph g = space::load_model("ssdlite_mobilenet_v2:width=0.25,res=32,in_ch=1,classes=2");
  const ProxyInput in = detection_batch();
  Network net(g, 3);
  net->train();
  const SsdLoss loss = ssd_loss(ssd_head_layout(g, 1), net->forward(in.images), in.boxes);
  ASSERT_GT(loss.positives, 0);
  loss.total.backward();
  double expected = 0;
  for (const auto& [node, weight] : conv_linear_weights(*net))
    if (weight.grad().defined()) expected += (weight.detach() * weight.grad()).abs().sum(torch::kDouble).item<double>();
  const ProxyScore s = make_proxy("snip")->score(g, in, 3);
  ASSERT_TRUE(s.defined) << s.reason;
  EXPECT_NEAR(s.value, expected, 1e-6 * expected);
  for (const char* proxy : {"grad_norm", "fisher", "grasp", "naswot", "jacob_cov"}) {
    const ProxyScore p = make_proxy(proxy)->score(g, in, 3);
    EXPECT_TRUE(p.defined) << proxy << ": " << p.reason;
  }
  ProxyInput no_boxes = in;
  no_boxes.boxes.clear();
  EXPECT_THROW(make_proxy("snip")->score(g, no_boxes, 3), UserError);
}

// input [2,1,1] -> fc1 (3) -> relu, and fc2 (2): as two outputs, or (`joined`) concatenated
// into one [5,1,1] output. The weights are the same (drawn in graph order, by name).
Graph two_heads(bool joined) {
  Graph g("two_heads");
  const NodeId in = g.add("input", Input{2, 1, 1}, {});
  const NodeId a = g.add("relu", Activation{ActKind::relu}, {g.add("fc1", Linear{.out_features = 3}, {in})});
  const NodeId b = g.add("fc2", Linear{.out_features = 2}, {in});
  if (joined) {
    g.add("output", Output{}, {g.add("concat", Concat{}, {a, b})});
  } else {
    g.add("output_a", Output{}, {a});
    g.add("output_b", Output{}, {b});
  }
  return g;
}

// jacob_cov and te_nas_ntk read every output of a network of several (a detector's maps),
// as one joined output: the same score as the network whose one output concatenates them.
TEST(SceneProxies, JacobCovAndNtkReadEveryOutput) {
  ProxyInput in;
  in.images = torch::tensor({1.5F, -0.5F, -1.0F, 2.0F, 0.75F, 1.25F}).view({3, 2, 1, 1});  // fewer images than weights
  in.labels = torch::zeros({3}, torch::kLong);
  in.classes = 1;
  for (const char* proxy : {"jacob_cov", "te_nas_ntk"}) {
    const ProxyScore two = make_proxy(proxy)->score(two_heads(false), in, 4);
    const ProxyScore one = make_proxy(proxy)->score(two_heads(true), in, 4);
    ASSERT_TRUE(two.defined && one.defined) << proxy << ": " << two.reason << one.reason;
    EXPECT_NEAR(two.value, one.value, 1e-9 * std::abs(one.value)) << proxy;
  }
}

// A head of another task is refused from the shapes, naming the proxy, the model and the fix.
TEST(SceneProxies, RefuseAHeadOfAnotherTaskFromItsShapes) {
  const Graph det = space::load_model(kDetector), seg = space::load_model(kSegmenter);
  for (const char* proxy : {"snip", "grad_norm", "fisher", "grasp"}) {
    const std::unique_ptr<Proxy> p = make_proxy(proxy);
    EXPECT_NO_THROW(p->check_graph(det, Task::detection, 10)) << proxy;
    EXPECT_NO_THROW(p->check_graph(seg, Task::segmentation, 10)) << proxy;
    // check_graph of `g` for `task` and `classes` refused with a message that holds `expected`.
    const auto expect_refused = [&](const Graph& g, Task task, std::int32_t classes, const std::string& expected) {
      try {
        p->check_graph(g, task, classes);
        ADD_FAILURE() << proxy << ": no error";
      } catch (const UserError& e) {
        EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
      }
    };
    expect_refused(seg, Task::detection, 10,
                   fmt::format("proxy {} scores SSD detectors of the scenes' 10 object classes: model "
                               "'lraspp_mobilenet_v2'",
                               proxy));
    expect_refused(det, Task::segmentation, 1,
                   fmt::format("proxy {} scores segmenters of the scenes' 1 object class: model "
                               "'ssdlite_mobilenet_v2'",
                               proxy));
  }
}

TEST(SceneProxies, RunnerScoresABatchOfScenesFixedBySeed) {
  REQUIRE_FASHION_MNIST();
  const auto scores = [](std::uint64_t seed) {
    ProxyRunOptions o;
    o.proxies = {"snip", "naswot"};
    o.task = Task::segmentation;
    o.data_dir = cache();
    o.scene_size = 32;
    o.batch = 4;
    o.seed = seed;
    ProxyRunner runner(o);
    const ModelScores m = runner.score(space::load_model(kSegmenter));
    EXPECT_EQ(m.scored_on, (std::vector<ScoredOn>{ScoredOn::network_batch, ScoredOn::network_batch}));
    std::vector<double> values;
    for (const ProxyScore& s : m.scores) {
      EXPECT_TRUE(s.defined) << s.reason;
      values.push_back(s.value);
    }
    return values;
  };
  const std::vector<double> a = scores(1), b = scores(1), c = scores(2);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

using testing::expect_bad_input;

TEST(SceneProxyCli, ScoresADetectorOnABatchOfScenes) {
  REQUIRE_FASHION_MNIST();
  const std::vector<std::string> args = {"proxy", kDetector, "--task", "detection", "--scene-size", "32",
                                         "--data", cache(), "--batch", "4", "--json", "--proxy",
                                         "snip,grad_norm,fisher,grasp,naswot,jacob_cov,synflow"};
  const testing::Result r = testing::hwnas(args);
  ASSERT_EQ(r.status, 0) << testing::describe(args, r);
  const nlohmann::json doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["task"], "detection");
  EXPECT_EQ(doc["scene_size"], 32);
  EXPECT_EQ(doc["scene_labels"], "items");
  EXPECT_EQ(doc["data"], cache());
  for (const auto& [name, s] : doc["models"][0]["scores"].items()) {
    EXPECT_TRUE(s["defined"].get<bool>()) << name << ": " << s;
    EXPECT_EQ(s["input"], name == "synflow" ? "none (data-free)" : "batch of 4 scenes") << name;
  }
}

TEST(SceneProxyCli, ErrorPaths) {
  REQUIRE_FASHION_MNIST();
  expect_bad_input({"proxy", kSegmenter, "--proxy", "snip", "--batch", "2"},
                   "a map; classification needs [10,1,1] class scores (end the network with a global pool and a "
                   "linear layer); to score a detector or segmenter on a batch of scenes with its own loss, give "
                   "--task detection or --task segmentation");
  expect_bad_input({"proxy", kSegmenter, "--proxy", "snip", "--task", "segmentatoin"}, "--task");
  expect_bad_input({"proxy", kSegmenter, "--proxy", "naswot", "--scene-size", "32"},
                   "--scene-size is a knob of the scenes (detection, segmentation); a classification batch is "
                   "Fashion-MNIST: drop it, or give --task detection or segmentation");
  expect_bad_input({"proxy", kSegmenter, "--proxy", "snip", "--task", "segmentation", "--scene-labels", "person"},
                   "--scene-labels");
  expect_bad_input({"proxy", kSegmenter, "--proxy", "snip", "--task", "segmentation", "--scene-size", "32", "--data",
                    cache(), "--batch", "1001"},
                   "--batch 1001: the proxies' batch of scenes is drawn from the 1000 reference scenes of a 32-pixel "
                   "canvas; give --batch 1000 or fewer");
  expect_bad_input({"proxy", kSegmenter, "--proxy", "grasp", "--task", "detection", "--scene-size", "32", "--data",
                    cache()},
                   "proxy grasp scores SSD detectors of the scenes' 10 object classes: model 'lraspp_mobilenet_v2'");
  expect_bad_input({"proxy", kSegmenter, "--proxy", "snip", "--task", "segmentation", "--data", "/nonexistent/cache"},
                   "--data /nonexistent/cache: no such directory");
}

// The fresh-user findings of session 36: which task or labels a refused model fits; a
// non-square model scored by the data-free proxies and refused by the others in one line;
// --linear-regions refused on scenes; a scene cache that is Fashion-MNIST's directory.
TEST(SceneProxyCli, RefusalsNameTheTaskOrLabelsTheModelFits) {
  REQUIRE_FASHION_MNIST();
  const std::string presence_detector = "ssdlite_mobilenet_v2:width=0.25,res=32,in_ch=1,classes=2";
  expect_bad_input({"proxy", kSegmenter, "--proxy", "snip", "--task", "detection", "--scene-size", "32"},
                   "it is a segmenter: give --task segmentation");
  expect_bad_input({"proxy", presence_detector, "--proxy", "snip", "--task", "detection", "--scene-size", "32"},
                   "its classes fit the scenes' presence labels: give --scene-labels presence");
  expect_bad_input({"proxy", presence_detector, "--proxy", "snip", "--task", "segmentation", "--scene-size", "32"},
                   "it is a detector: give --task detection --scene-labels presence");
  expect_bad_input({"proxy", std::string("ssdlite_mobilenet_v2:width=0.25,res=32,in_ch=2,classes=11"), "--proxy",
                    "naswot", "--task", "detection", "--scene-size", "32"},
                   "takes 2-channel images; the proxies' scene batch is grey (1 channel, or repeated to 3): give the "
                   "model a 1- or 3-channel input (e.g. in_ch=1 for a zoo model)");
  expect_bad_input({"proxy", kDetector, "--proxy", "naswot", "--task", "detection", "--linear-regions", "thin"},
                   "drop --linear-regions, or --task");
}

TEST(SceneProxyCli, ANonSquareModelIsScoredByDataFreeProxiesOnly) {
  REQUIRE_FASHION_MNIST();
  const std::string model = testing::write_temp(
      "proxy_non_square.yaml",
      "name: ns\ninput: [1, 32, 64]\nlayers:\n  - {op: conv, out: 8, kernel: 3, stride: 2}\n  - {op: global_pool}\n"
      "  - {op: linear, out: 10}\n");
  const std::vector<std::string> args = {"proxy", model, "--proxy", "synflow,zen,params,macs", "--json"};
  const testing::Result r = testing::hwnas(args);
  ASSERT_EQ(r.status, 0) << testing::describe(args, r);
  for (const auto& [name, s] : nlohmann::json::parse(r.out)["models"][0]["scores"].items())
    EXPECT_TRUE(s["defined"].get<bool>()) << name << ": " << s;
  expect_bad_input({"proxy", model, "--proxy", "synflow,snip"},
                   "model 'ns': input 'input' is 32x64; the proxies' Fashion-MNIST images are square: give the model a "
                   "square input (the data-free proxies synflow, zen, params, macs take any)");
}

/// $HWNAS_SCENE_CACHE_DIR set to `dir` while alive (the hwnas it runs inherit it), then as before.
class SceneCacheVariable {
 public:
  explicit SceneCacheVariable(const std::string& dir) {
    if (const char* v = std::getenv(kName)) before_ = v;
    ::setenv(kName, dir.c_str(), 1);
  }
  ~SceneCacheVariable() {
    if (before_) ::setenv(kName, before_->c_str(), 1);
    else ::unsetenv(kName);
  }
  SceneCacheVariable(const SceneCacheVariable&) = delete;
  SceneCacheVariable& operator=(const SceneCacheVariable&) = delete;

 private:
  static constexpr const char* kName = "HWNAS_SCENE_CACHE_DIR";
  std::optional<std::string> before_;
};

TEST(SceneProxyCli, RefusesASceneCacheThatHoldsFashionMnist) {
  REQUIRE_FASHION_MNIST();
  const char* env = std::getenv("HWNAS_FASHION_MNIST_DIR");
  const std::string fmnist = env != nullptr && *env != '\0' ? env : "/usr/share/datasets/fashion-mnist";
  const SceneCacheVariable variable(fmnist);
  expect_bad_input({"proxy", kSegmenter, "--proxy", "snip", "--task", "segmentation", "--scene-size", "32"},
                   fmnist + " ($HWNAS_SCENE_CACHE_DIR): the scene cache directory holds Fashion-MNIST's files");
}

// accuracy: proxy on a segmentation space scores each candidate on scenes with the
// per-pixel loss: the space's head gives the task, the experiment the canvas.
TEST(SceneProxyCli, SearchOfASegmentationSpaceScoresCandidatesOnScenes) {
  REQUIRE_FASHION_MNIST();
  const std::string config = testing::write_temp(
      "proxy_seg_search.yaml",
      fmt::format("space: {}\naccuracy: {{proxy: {{name: snip, reference: 4, batch: 4, scene_size: 32, data: {}}}}}\n"
                  "objective: {{maximize: accuracy}}\nstrategy: {{name: random}}\nbudget: {{evaluations: 3}}\n"
                  "seed: 1\n",
                  kSegSpace, cache()));
  const std::string out = (testing::scratch_dir() / "proxy_seg_search").string();
  std::filesystem::remove_all(out);
  const std::vector<std::string> args = {"search", config, "--out", out, "--json"};
  const testing::Result r = testing::hwnas(args);
  ASSERT_EQ(r.status, 0) << testing::describe(args, r);
  const nlohmann::json trials = nlohmann::json::parse(r.out)["trials"];
  ASSERT_EQ(trials.size(), 3U);
  for (const nlohmann::json& t : trials) {
    EXPECT_EQ(t["status"], "ok") << t.dump();
    EXPECT_GE(t["accuracy"].get<double>(), 0);
    EXPECT_LE(t["accuracy"].get<double>(), 100);
  }
  // --resume compares the proxy at its effective values (s36 fresh-user finding): the
  // defaults written out (scene_labels items for the 11-class head, seed 0, threads 1) are
  // no difference; another batch is, named by its key.
  const auto resumed = [&](const std::string& name, const std::string& proxy) {
    const std::string again = testing::write_temp(
        name, fmt::format("space: {}\naccuracy: {{proxy: {}}}\nobjective: {{maximize: accuracy}}\n"
                          "strategy: {{name: random}}\nbudget: {{evaluations: 4}}\nseed: 1\n",
                          kSegSpace, proxy));
    return testing::hwnas({"search", again, "--out", out, "--resume", "--json"});
  };
  const testing::Result same = resumed(
      "proxy_seg_same.yaml", fmt::format("{{name: snip, reference: 4, batch: 4, scene_size: 32, data: {}, seed: 0, "
                                         "threads: 1, scene_labels: items}}",
                                         cache()));
  ASSERT_EQ(same.status, 0) << same.err;
  EXPECT_EQ(nlohmann::json::parse(same.out)["trials"].size(), 4U);
  const testing::Result batch = resumed(
      "proxy_seg_batch.yaml", fmt::format("{{name: snip, reference: 4, batch: 8, scene_size: 32, data: {}}}", cache()));
  EXPECT_EQ(batch.status, 2) << batch.err;
  EXPECT_NE(batch.err.find("key 'accuracy.proxy.batch' is 8 here but 4 in the experiment stored in " + out),
            std::string::npos)
      << batch.err;
  // A scene knob on a classification space is refused when the experiment is read.
  const std::string nb201 = testing::write_temp(
      "proxy_nb201_scene_size.yaml",
      "space: nb201\naccuracy: {proxy: {name: snip, scene_size: 32}}\nobjective: {maximize: accuracy}\n"
      "strategy: {name: random}\nbudget: {evaluations: 2}\n");
  expect_bad_input({"search", nb201, "--out", (testing::scratch_dir() / "proxy_nb201_scene_size").string()},
                   "accuracy.proxy.scene_size: is a knob of the scenes; space 'nb201' is a classification space, "
                   "scored on Fashion-MNIST: drop it");
}

// `hwnas search` of the tiny segmentation space with `accuracy` (YAML), refused with `expected`.
void expect_seg_search_refused(const std::string& name, const std::string& accuracy, const std::string& expected) {
  const std::string config = testing::write_temp(
      name + ".yaml", "space: " + kSegSpace + "\naccuracy: " + accuracy +
                          "\nobjective: {maximize: accuracy}\nstrategy: {name: random}\nbudget: {evaluations: 2}\n");
  expect_bad_input({"search", config, "--out", (testing::scratch_dir() / name).string()}, expected);
}

// What would fail the first scoring is refused when the experiment is read, naming the key.
TEST(SceneProxyCli, SearchRefusesLabelsAndDataThatCannotScoreTheSpace) {
  REQUIRE_FASHION_MNIST();
  expect_seg_search_refused("proxy_seg_presence", "{proxy: {name: snip, scene_labels: presence}}",
                            "accuracy.proxy.scene_labels: space 'tiny-seg-supernet' has a head of 11 classes, and the "
                            "scenes' presence labels have 2 (1 presence class and background)");
  const char* env = std::getenv("HWNAS_FASHION_MNIST_DIR");
  const std::string fmnist = env != nullptr && *env != '\0' ? env : "/usr/share/datasets/fashion-mnist";
  expect_seg_search_refused("proxy_seg_fmnist", "{proxy: {name: snip, data: " + fmnist + "}}",
                            "accuracy.proxy.data: holds Fashion-MNIST's files");
  expect_seg_search_refused("proxy_seg_missing", "{proxy: {name: snip, data: /nonexistent/cache}}",
                            "accuracy.proxy.data: /nonexistent/cache: no such directory");
  expect_seg_search_refused("proxy_seg_labels", "{proxy: {name: snip, scene_labels: itemz}}",
                            "accuracy.proxy.scene_labels: 'itemz' is not a scene labelling; use items or presence");
  // The default cache, by $HWNAS_SCENE_CACHE_DIR, is Fashion-MNIST's directory: refused when
  // the experiment is read, as --data is by hwnas proxy.
  const SceneCacheVariable variable(fmnist);
  expect_seg_search_refused("proxy_seg_env_fmnist", "{proxy: snip}",
                            fmnist + " ($HWNAS_SCENE_CACHE_DIR): the scene cache directory holds Fashion-MNIST's "
                                     "files");
}

// A proxy rung under accuracy: train scores on the training's scenes (its scene_size and
// data), not on the default cache's 96-pixel ones.
TEST(SceneProxyCli, AProxyRungTakesTheTrainingsScenes) {
  REQUIRE_FASHION_MNIST();
  const std::filesystem::path untouched = testing::scratch_dir() / "proxy-untouched-cache";
  std::filesystem::remove_all(untouched);
  std::filesystem::create_directories(untouched);
  const SceneCacheVariable variable(untouched.string());
  const std::string config = testing::write_temp(
      "proxy_seg_rung.yaml",
      fmt::format("space: {}\naccuracy:\n  train: {{task: segmentation, scene_size: 32, scenes: 64, test_scenes: 8, "
                  "epochs: 1, batch: 16, threads: 1, data: {}}}\nmulti_fidelity:\n  method: successive_halving\n"
                  "  eta: 2\n  candidates: 2\n  rungs: [{{proxy: {{name: snip, reference: 3, batch: 4}}}}, {{}}]\n"
                  "objective: {{maximize: accuracy}}\nstrategy: {{name: random}}\nbudget: {{evaluations: 2}}\n"
                  "seed: 1\n",
                  kSegSpace, cache()));
  const std::string out = (testing::scratch_dir() / "proxy_seg_rung").string();
  std::filesystem::remove_all(out);
  const std::vector<std::string> args = {"search", config, "--out", out, "--json"};
  const testing::Result r = testing::hwnas(args);
  ASSERT_EQ(r.status, 0) << testing::describe(args, r);
  EXPECT_TRUE(std::filesystem::is_empty(untouched)) << "the proxy rung generated scenes in the default cache";
  // --resume: the rung's scenes written out as the training's are no difference.
  const std::string again = testing::write_temp(
      "proxy_seg_rung_again.yaml",
      fmt::format("space: {}\naccuracy:\n  train: {{task: segmentation, scene_size: 32, scenes: 64, test_scenes: 8, "
                  "epochs: 1, batch: 16, threads: 1, data: {}}}\nmulti_fidelity:\n  method: successive_halving\n"
                  "  eta: 2\n  candidates: 2\n  rungs: [{{proxy: {{name: snip, reference: 3, batch: 4, scene_size: 32, "
                  "scene_labels: items}}}}, {{}}]\nobjective: {{maximize: accuracy}}\nstrategy: {{name: random}}\n"
                  "budget: {{evaluations: 2}}\nseed: 1\n",
                  kSegSpace, cache()));
  const std::vector<std::string> resume = {"search", again, "--out", out, "--resume"};
  const testing::Result resumed = testing::hwnas(resume);
  EXPECT_EQ(resumed.status, 0) << testing::describe(resume, resumed);
}

}  // namespace
}  // namespace hwnas::train::proxies
