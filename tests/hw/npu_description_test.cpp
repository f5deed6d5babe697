// Hardware descriptions: presets load, a minimal user description works, every bad
// description is a one-line error naming the key.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <tuple>

#include "hwnas/base/error.h"
#include "hwnas/hw/npu/npu_target.h"
#include "hwnas/hw/targets/targets.h"
#include "support/npu_description.h"

namespace hwnas::hw {
namespace {

const std::string kMinimal = testing::minimal_npu_description("my-npu");

class Description : public ::testing::Test {
 protected:
  std::filesystem::path write(const std::string& text) {
    const auto path = std::filesystem::temp_directory_path() /
                      ("hwnas_desc_" + std::to_string(::getpid()) + "_" + std::to_string(n_++) + ".yaml");
    std::ofstream(path) << text;
    files_.push_back(path);
    return path;
  }
  void TearDown() override {
    for (const auto& f : files_) std::filesystem::remove(f);
  }
  // The message of the UserError that loading `text` throws.
  std::string error_of(const std::string& text) {
    try {
      make_target(write(text).string());
    } catch (const UserError& e) {
      return e.what();
    }
    return "";
  }
  std::string replace(const std::string& key_line, const std::string& with) {
    std::string text = kMinimal;
    const auto at = text.find(key_line);
    EXPECT_NE(at, std::string::npos) << key_line;
    const auto end = text.find('\n', at);
    return text.replace(at, end - at, with);
  }

 private:
  std::vector<std::filesystem::path> files_;
  int n_ = 0;
};

TEST_F(Description, PresetsLoad) {
  const auto names = preset_names();
  for (const char* expected : {"edgetpu-like", "ethos-u55-128-like", "ethos-u65-512-like", "npu-p16",
                               "npu-p32", "htp-like", "ane-like"})
    EXPECT_NE(std::find(names.begin(), names.end(), expected), names.end()) << expected;
  for (const std::string& n : names) {
    const auto t = make_target(n);
    EXPECT_EQ(t->name(), n);
    EXPECT_EQ(t->fusion_rules().has_value(), dynamic_cast<NpuTarget*>(t.get()) != nullptr) << n;
  }
}

TEST_F(Description, MinimalUserDescriptionWorksWithDefaults) {
  const auto t = make_target(write(kMinimal).string());
  const auto& d = dynamic_cast<NpuTarget&>(*t).description();
  EXPECT_EQ(d.parallelism_factor, 24);
  EXPECT_EQ(d.depthwise_mode, DepthwiseMode::vector);
  EXPECT_EQ(d.channel_align, 1);
  EXPECT_DOUBLE_EQ(d.fold_fill_factor, 1.0);
  EXPECT_EQ(t->precision(), graph::Precision::int8);
}

TEST_F(Description, IdentityFollowsTheDescription) {
  const auto a = make_target(write(kMinimal).string());
  const auto b = make_target(write(kMinimal).string());
  const auto c = make_target(write(replace("sram_kib: 700", "sram_kib: 701")).string());
  EXPECT_EQ(a->identity(), b->identity());
  EXPECT_NE(a->identity(), c->identity());
  EXPECT_EQ(a->identity().rfind("my-npu#", 0), 0u);
}

// The identities recorded before sram_gbps/dram_gbps became sram_gb_per_s/dram_gb_per_s
// (tests/fuzz/corpus/estimator/table_nb201.json holds them): estimator files and
// measurement stores written then still match the presets.
TEST_F(Description, IdentitiesRecordedBeforeTheBandwidthRenameStillMatch) {
  EXPECT_EQ(make_target("npu-p32")->identity(), "npu-p32#cd56f9abf448ea08");
  EXPECT_EQ(make_target("ane-like")->identity(), "ane-like#3e967a456bfb7408");
  EXPECT_EQ(make_target("ethos-u55-128-like")->identity(), "ethos-u55-128-like#b3b5f67bbbae82f2");
}

TEST_F(Description, TheOldBandwidthKeysNameTheirNewNames) {
  for (const auto& [now, before, line] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"sram_gb_per_s", "sram_gbps", "11"}, {"dram_gb_per_s", "dram_gbps", "12"}}) {
    std::string text = kMinimal;
    text.replace(text.find(now), now.size(), before);
    const std::string msg = error_of(text);
    EXPECT_NE(msg.find(".yaml:" + line + ": key '" + before + "': renamed to '" + now + "'"), std::string::npos)
        << msg;
    EXPECT_NE(msg.find("GB/s"), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
}

TEST_F(Description, EveryRequiredKeyIsRequired) {
  for (const char* key : {"name", "clock_mhz", "precision", "parallelism_factor", "input_lanes",
                          "spatial_lanes", "vector_lanes", "depthwise_mode", "sram_kib",
                          "weight_sram_kib", "sram_gb_per_s", "dram_gb_per_s", "dram_latency_ns",
                          "layer_overhead_cycles", "fuse"}) {
    const std::string msg = error_of(replace(std::string(key) + ":", ""));
    EXPECT_NE(msg.find(std::string("key '") + key + "'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("missing"), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
}

TEST_F(Description, NonPositiveValuesNameTheKey) {
  for (const auto& [line, bad] : std::vector<std::pair<std::string, std::string>>{
           {"clock_mhz: 800", "clock_mhz: 0"},
           {"parallelism_factor: 24", "parallelism_factor: -16"},
           {"input_lanes: 12", "input_lanes: 1.5"},
           {"sram_kib: 700", "sram_kib: -1"},
           {"dram_gb_per_s: 6", "dram_gb_per_s: fast"},
           {"dram_latency_ns: 300", "dram_latency_ns: -5"},
           {"layer_overhead_cycles: 700", "layer_overhead_cycles: [1]"}}) {
    const std::string key = line.substr(0, line.find(':'));
    const std::string msg = error_of(replace(line, bad));
    EXPECT_NE(msg.find("key '" + key + "'"), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
}

TEST_F(Description, BadEnumsAndFusions) {
  EXPECT_NE(error_of(replace("precision: int8", "precision: int4")).find("key 'precision'"), std::string::npos);
  EXPECT_NE(error_of(replace("depthwise_mode: vector", "depthwise_mode: magic")).find("key 'depthwise_mode'"),
            std::string::npos);
  const std::string fusion = error_of(replace("fuse: [conv_bn_act]", "fuse: [conv_bn_act, conv_teleport]"));
  EXPECT_NE(fusion.find("key 'fuse'"), std::string::npos) << fusion;
  EXPECT_NE(fusion.find("conv_teleport"), std::string::npos) << fusion;
  EXPECT_NE(fusion.find("conv_add"), std::string::npos) << fusion;  // lists the valid ones
}

TEST_F(Description, UnknownKeysAndBadYaml) {
  EXPECT_NE(error_of(std::string(kMinimal) + "sram_mib: 4\n").find("unknown key 'sram_mib'"), std::string::npos);
  const std::string yaml = error_of("name: [unclosed\n");
  EXPECT_NE(yaml.find("not valid YAML"), std::string::npos) << yaml;
  EXPECT_NE(error_of("- just\n- a list\n").find("mapping"), std::string::npos);
  EXPECT_NE(error_of(std::string(kMinimal) + "kind: quantum\n").find("kind"), std::string::npos);
}

// Fresh-user finding (issue 12): an empty value was "got 'a list'" one line below it, a
// mapping "a list"; a duplicate fusion passed; a misspelt key or kind had no suggestion.
TEST_F(Description, ErrorsSayWhatWasFoundAtItsLine) {
  const auto tail = [&](const std::string& text) {
    const std::string e = error_of(text);
    EXPECT_EQ(e.find('\n'), std::string::npos) << e;
    return e.substr(e.find(".yaml") + 5);
  };
  EXPECT_EQ(tail(replace("clock_mhz: 800", "clock_mhz:")), ":2: key 'clock_mhz': must be a positive number, got null");
  EXPECT_EQ(tail(replace("clock_mhz: 800", "clock_mhz: {mhz: 800}")),
            ":2: key 'clock_mhz': must be a positive number, got a mapping");
  EXPECT_EQ(tail(replace("input_lanes: 12", "input_lanes:   # twelve\n\n")),
            ":5: key 'input_lanes': must be a positive integer, got null");
  EXPECT_EQ(tail(replace("precision: int8", "precision: {int: 8}")),
            ":3: key 'precision': must be a non-empty string, got a mapping");
  EXPECT_EQ(tail(replace("name: my-npu", "name:")), ":1: key 'name': must be a non-empty string, got null");
  EXPECT_EQ(tail(replace("depthwise_mode: vector", "depthwise_mode: ''")),
            ":8: key 'depthwise_mode': must be a non-empty string, got an empty one");
  // The last key of the file, left empty: its own line, not one past the end.
  EXPECT_EQ(tail(replace("fuse: [conv_bn_act]", "fuse:")),
            ":15: key 'fuse': must be a list of fusion patterns from: conv_bn_act, conv_add, act_pool, se_gate; "
            "got null");
  EXPECT_EQ(tail(replace("fuse: [conv_bn_act]", "fuse: {conv_bn_act: true}")),
            ":15: key 'fuse': must be a list of fusion patterns from: conv_bn_act, conv_add, act_pool, se_gate; "
            "got a mapping");
  EXPECT_EQ(tail(replace("fuse: [conv_bn_act]", "fuse: [conv_bn_act, conv_add, conv_bn_act]")),
            ":15: key 'fuse': 'conv_bn_act' is listed twice; list each fusion once");
  EXPECT_EQ(tail(replace("fuse: [conv_bn_act]", "fuse:\n  - conv_bn_act\n  - conv_add\n  - conv_bn_act\n")),
            ":18: key 'fuse': 'conv_bn_act' is listed twice; list each fusion once");
  EXPECT_EQ(tail(replace("fuse: [conv_bn_act]", "fuse:\n  - conv_bn_act\n  -\n")),  // the item's line
            ":17: key 'fuse': unknown fusion null; use names from: conv_bn_act, conv_add, act_pool, se_gate");
  EXPECT_EQ(tail(replace("clock_mhz: 800", "clok_mhz: 800")),
            ":2: unknown key 'clok_mhz'; did you mean 'clock_mhz'?; see docs/hardware-npu.md for the keys");
  EXPECT_EQ(tail("null\n"), ": a target description is a YAML mapping of keys (docs/hardware.md), got null");
  EXPECT_EQ(tail("[name, clock_mhz]\n"),
            ": a target description is a YAML mapping of keys (docs/hardware.md), got a list");
  EXPECT_EQ(tail(kMinimal + "kind: nup\n"),
            ":16: key 'kind': must be npu, cpu, external or table, got 'nup'; did you mean 'npu'? (a device hwnas "
            "does not simulate is measured by a program of yours: kind: external, docs/hardware-external.md)");
  EXPECT_NE(tail(kMinimal + "kind: gpu\n").find(":16: key 'kind': must be npu, cpu, external or table, got 'gpu'"),
            std::string::npos);
}

TEST_F(Description, UnknownPresetListsThePresets) {
  try {
    make_target("edgetpu");
    FAIL();
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("edgetpu-like"), std::string::npos) << e.what();
  }
  EXPECT_THROW(make_target("/nonexistent/file.yaml"), UserError);
}

}  // namespace
}  // namespace hwnas::hw
