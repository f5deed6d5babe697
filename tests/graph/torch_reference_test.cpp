// hwnas's graph analysis against PyTorch: parameters and conv+linear MACs of zoo models.
//
// tests/reference/torch_reference.py builds each network in PyTorch (torchvision 0.14 for
// the zoo models; NAS-Bench-201 and FBNet from ../shared/data/README.md), counts
// sum(p.numel()) and conv/linear MACs with forward hooks at batch 1, and prints JSON with
// the hwnas zoo spec of each network. Every number here comes from that run; none is
// copied by hand. The script runs under /usr/bin/python3 (Debian's python3-torchvision);
// without torchvision the tests skip, or fail under HWNAS_REQUIRE_ALL_TESTS
// (support/resources.h). NAS-Bench-201 and FBNet architectures are read from the shared
// data directory (HWNAS_DATA_DIR, else ../shared/data next to the project); without it
// those two tests skip or fail the same way.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "hwnas/graph/analysis.h"
#include "hwnas/graph/zoo/zoo.h"
#include "hwnas/space/models.h"
#include "support/resources.h"

namespace hwnas::graph {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kPython = "/usr/bin/python3";

std::string shell_quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

struct Reference {
  std::string skip;  // non-empty: why the reference is unavailable
  json doc;
};

/// Runs the reference script for `group` and parses its JSON. Fails the test (empty doc)
/// when the script fails; sets `skip` when PyTorch is unavailable.
Reference run_reference(const std::string& group, const std::string& extra_args = "") {
  Reference ref;
  if (!fs::exists(kPython)) {
    ref.skip = std::string(kPython) + " does not exist; install python3-torchvision";
    return ref;
  }
  const fs::path script = fs::path(HWNAS_SOURCE_DIR) / "tests" / "reference" / "torch_reference.py";
  const std::string command = std::string(kPython) + " " + shell_quote(script.string()) + " " +
                              group + extra_args;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    ADD_FAILURE() << "cannot run: " << command;
    return ref;
  }
  std::string out;
  char buffer[4096];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) out.append(buffer, n);
  const int status = pclose(pipe);
  if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    ADD_FAILURE() << command << " failed (status " << status << "); stdout:\n" << out;
    return ref;
  }
  try {
    ref.doc = json::parse(out);
  } catch (const json::exception& e) {
    ADD_FAILURE() << command << " printed invalid JSON (" << e.what() << "):\n" << out;
    return ref;
  }
  if (ref.doc.contains("unavailable")) {
    ref.skip = "PyTorch reference unavailable: " + ref.doc["unavailable"].get<std::string>() +
               " (install python3-torchvision)";
  }
  return ref;
}

/// Builds every spec of the reference with the zoo and expects equal params and MACs.
/// Returns the specs compared.
std::vector<std::string> compare(const json& doc) {
  std::vector<std::string> specs;
  if (!doc.contains("models")) {
    ADD_FAILURE() << "reference JSON has no 'models': " << doc.dump();
    return specs;
  }
  std::cout << "torch " << doc.value("torch", "?") << ", torchvision "
            << doc.value("torchvision", "?") << "\n";
  for (const json& m : doc["models"]) {
    const auto spec = m.at("spec").get<std::string>();
    const auto params = m.at("params").get<std::int64_t>();
    const auto macs = m.at("macs").get<std::int64_t>();
    specs.push_back(spec);
    Analysis a;
    try {
      a = analyze(space::build_zoo_model(spec), Precision::fp32, 1);  // the zoo and the spaces' networks
    } catch (const std::exception& e) {
      ADD_FAILURE() << spec << ": hwnas cannot build it: " << e.what();
      continue;
    }
    EXPECT_EQ(a.total.params, params) << spec << ": params, hwnas vs PyTorch";
    EXPECT_EQ(a.total.macs, macs) << spec << ": conv+linear MACs, hwnas vs PyTorch";
    std::cout << "  " << spec << ": params " << params << ", macs " << macs
              << (a.total.params == params && a.total.macs == macs ? "" : "  MISMATCH") << "\n";
  }
  return specs;
}

bool contains(const std::vector<std::string>& specs, const std::string& spec) {
  return std::find(specs.begin(), specs.end(), spec) != specs.end();
}

TEST(TorchReference, ImageNetZooDefaults) {
  const Reference ref = run_reference("zoo");
  if (!ref.skip.empty()) HWNAS_MISSING_RESOURCE(ref.skip);
  const std::vector<std::string> specs = compare(ref.doc);
  for (const char* name : {"mobilenet_v2", "mobilenet_v3_large", "mobilenet_v3_small",
                           "mnasnet1_0", "efficientnet_b0", "resnet18", "resnet50",
                           "lraspp_mobilenet_v3_large"})
    EXPECT_TRUE(contains(specs, name)) << "the reference lacks " << name;
}

TEST(TorchReference, ZooVariants) {
  const Reference ref = run_reference("variants");
  if (!ref.skip.empty()) HWNAS_MISSING_RESOURCE(ref.skip);
  const std::vector<std::string> specs = compare(ref.doc);
  // Every option (width, res, classes) must be exercised on a non-default value.
  for (const char* option : {"width=", "res=", "classes="})
    EXPECT_TRUE(std::any_of(specs.begin(), specs.end(),
                            [&](const std::string& s) { return s.find(option) != s.npos; }))
        << "no variant sets " << option;
  EXPECT_GE(specs.size(), 10u);
}

TEST(TorchReference, Nb201) {
  if (const std::string why = testing::missing_data("nb201/nb201.csv"); !why.empty())
    HWNAS_MISSING_RESOURCE(why);
  const fs::path dir = testing::data_dir();
  const Reference ref = run_reference("nb201", " --data-dir " + shell_quote(dir.string()));
  if (!ref.skip.empty()) HWNAS_MISSING_RESOURCE(ref.skip);
  const std::vector<std::string> specs = compare(ref.doc);
  EXPECT_GE(specs.size(), 25u);
  std::set<std::string> ops;
  for (const std::string& s : specs)
    for (const char* op : {"none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"})
      if (s.find(op) != s.npos) ops.insert(op);
  EXPECT_EQ(ops.size(), 5u) << "the NAS-Bench-201 rows must cover all five ops";
}

TEST(TorchReference, Fbnet) {
  if (const std::string why = testing::missing_data("fbnet/fbnet_cifar100.csv"); !why.empty())
    HWNAS_MISSING_RESOURCE(why);
  const fs::path dir = testing::data_dir();
  const Reference ref = run_reference("fbnet", " --data-dir " + shell_quote(dir.string()));
  if (!ref.skip.empty()) HWNAS_MISSING_RESOURCE(ref.skip);
  const std::vector<std::string> specs = compare(ref.doc);
  EXPECT_GE(specs.size(), 10u);
  std::set<std::string> choices;
  for (const std::string& s : specs)
    for (const char* c : {"k3_e1-", "k3_e1_g2", "k3_e3", "k3_e6", "k5_e1-", "k5_e1_g2", "k5_e3",
                          "k5_e6", "skip"})
      if (s.find(c) != s.npos) choices.insert(c);
  EXPECT_EQ(choices.size(), 9u) << "the FBNet rows must cover all nine block choices";
}

}  // namespace
}  // namespace hwnas::graph
