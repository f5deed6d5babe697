// Target descriptions as make_target reads them: the kind of a description without `kind`,
// one YAML document per file, decimal numbers within the documented ranges, paths that are
// files; and latency-table CSVs read by RFC 4180's rules.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include "hwnas/base/error.h"
#include "hwnas/hw/npu/npu_target.h"
#include "hwnas/base/csv.h"
#include "hwnas/hw/targets/targets.h"
#include "support/npu_description.h"
#include "support/scratch_dir.h"

namespace hwnas::hw {
namespace {

namespace fs = std::filesystem;

const std::string kNpu = testing::minimal_npu_description("strict-npu");

class StrictDescription : public ::testing::Test {
 protected:
  std::string write(const std::string& name, const std::string& text) {
    std::ofstream(dir_.path() / name, std::ios::binary) << text;
    return (dir_.path() / name).string();
  }
  /// The UserError message of make_target on `text` written to d.yaml.
  std::string error_of(const std::string& text) {
    try {
      make_target(write("d.yaml", text));
    } catch (const UserError& e) {
      return e.what();
    }
    return "(no error)";
  }
  /// kNpu with the line of `key` replaced by "key: value".
  static std::string npu_with(const std::string& key, const std::string& value) {
    std::string text = kNpu;
    const std::size_t at = text.find(key + ":");
    return text.replace(at, text.find('\n', at) - at, key + ": " + value);
  }
  std::string path(const std::string& name) const { return (dir_.path() / name).string(); }
  static std::string error_of_spec(const std::string& spec) {
    try {
      make_target(spec);
    } catch (const UserError& e) {
      return e.what();
    }
    return "(no error)";
  }

  testing::ScratchDir dir_{"hwnas_strict_description_test"};
};

TEST_F(StrictDescription, KindFollowsTheKeysWhenAbsent) {
  // docs/hardware-cpu.md: every cpu key is optional; `threads` alone makes a cpu target.
  EXPECT_EQ(make_target(write("cpu.yaml", "threads: 2\n"))->name(), "cpu-2t");
  EXPECT_EQ(make_target(write("cpu1.yaml", "name: laptop\nwarmup: 0\n"))->name(), "laptop");
  EXPECT_NE(dynamic_cast<NpuTarget*>(make_target(write("npu.yaml", kNpu)).get()), nullptr);
  // An external description needs no `kind` either: `command` is only external's.
  EXPECT_NE(error_of("name: x\ncommand: []\n").find("key 'command': is empty"), std::string::npos);
  write("t.csv", "arch,ms\na,1.5\n");
  EXPECT_EQ(make_target(write("table.yaml", "name: t\ncsv: t.csv\nlatency_column: ms\n"))->name(), "t");

  const std::string d = path("d.yaml");
  EXPECT_EQ(error_of("name: laptop\n"),
            d + ": no key 'kind', and no key that tells the kind; add 'kind: npu', 'kind: cpu', 'kind: external' "
                "or 'kind: table' (docs/hardware.md)");
  EXPECT_EQ(error_of("threads: 2\nclock_mhz: 800\n"),
            d + ": no key 'kind', and its keys belong to different kinds: 'threads' (cpu), 'clock_mhz' (npu); "
                "add 'kind:' and remove the other kind's keys (docs/hardware.md)");
  EXPECT_EQ(error_of("kind: [cpu]\n"), d + ":1: key 'kind': must be npu, cpu, external or table, got a list (a device "
                                        "hwnas does not simulate is measured by a program of yours: kind: external, "
                                        "docs/hardware-external.md)");
  EXPECT_NE(error_of("kind: cpu\nclock_mhz: 800\n").find("unknown key 'clock_mhz'"), std::string::npos);
  EXPECT_NE(error_of("- a\n- b\n").find("a target description is a YAML mapping"), std::string::npos);
}

TEST_F(StrictDescription, OneDocumentPerFile) {
  const std::string d = path("d.yaml");
  EXPECT_EQ(error_of(kNpu + "---\nname: other\n"),
            d + ":16: text after the first document (a second document, or junk after the first); a target "
                "description holds exactly one document");
  EXPECT_EQ(error_of(kNpu + "...\njunk\n").rfind(d + ":17: text after the first document", 0), 0u);
  EXPECT_EQ(error_of("{\"threads\": 2} {\"threads\": 3}").rfind(d + ":1: text after the first document", 0), 0u);
  EXPECT_EQ(error_of(""), d + ": the file is empty; a target description is a mapping of keys (YAML or JSON)");
  EXPECT_EQ(error_of(kNpu + "...\n# a comment\n"), "(no error)");
  EXPECT_EQ(error_of(kNpu + "clock_mhz: 1\n"), d + ":16: key 'clock_mhz' appears twice in one mapping; keep one");
  EXPECT_EQ(error_of("{threads: 2, threads: 3}"), d + ":1: key 'threads' appears twice in one mapping; keep one");
  EXPECT_EQ(error_of("? [threads]\n: 2\n"), d + ":1: a key is a list or mapping; keys are names");
}

TEST_F(StrictDescription, PathsMustBeRegularFiles) {
  EXPECT_EQ(error_of_spec(dir_.path().string() + "/"), dir_.path().string() + "/: is a directory, not a target "
                                                                              "description; check the path");
  ASSERT_EQ(::mkfifo(path("fifo.yaml").c_str(), 0600), 0);
  EXPECT_EQ(error_of_spec(path("fifo.yaml")), path("fifo.yaml") + ": is a FIFO, not a target description; check the path");
  EXPECT_EQ(error_of_spec(path("none.yaml")),
            path("none.yaml") + ": cannot read the target description (No such file or directory); check the path");
}

// --target NAME is a preset unless it looks like a file: a '/', or a .yaml, .yml or .json
// ending (JSON is YAML). A bare name that is no preset but a file here is refused asking
// for ./NAME (fresh-user finding: `--target x.json` was looked up as a preset).
TEST_F(StrictDescription, PresetsAndFilesAreToldApartByTheirSpelling) {
  const fs::path before = fs::current_path();
  fs::current_path(dir_.path());
  write("mine.json", R"({"kind": "cpu", "name": "json-cpu", "threads": 1})");
  write("edgetpu-like", "threads: 1\n");  // a file named like a preset: the preset wins
  write("mine", "threads: 1\n");
  EXPECT_TRUE(names_a_description_file("mine.json"));
  EXPECT_TRUE(names_a_description_file("dir/mine"));
  EXPECT_FALSE(names_a_description_file("edgetpu-like"));
  EXPECT_EQ(target_description_path("mine.json"), fs::path("mine.json"));
  EXPECT_EQ(make_target("mine.json")->name(), "json-cpu");
  EXPECT_EQ(target_description_path("edgetpu-like"), preset_dir() / "edgetpu-like.yaml");
  EXPECT_EQ(error_of_spec("mine").rfind("target 'mine': no such preset, but a file of that name is here; did you "
                                        "mean ./mine? (a target without '/' or a .yaml, .yml or .json ending names a "
                                        "preset)",
                                        0),
            0u)
      << error_of_spec("mine");
  EXPECT_EQ(make_target("./mine")->name(), "cpu-1t");
  EXPECT_NE(error_of_spec("nothing-here").find("target 'nothing-here': no such preset; use a description YAML path "
                                               "or one of: "),
            std::string::npos);
  fs::current_path(before);
}

TEST_F(StrictDescription, NpuNumbersFollowTheDocumentedRanges) {
  const std::string d = path("d.yaml");
  // docs/hardware-npu.md: "A missing or non-positive value ... gives a one-line error".
  EXPECT_EQ(error_of(npu_with("layer_overhead_cycles", "0")),
            d + ":14: key 'layer_overhead_cycles': must be a positive number, got '0'");
  EXPECT_EQ(error_of(npu_with("dram_latency_ns", "0")), d + ":13: key 'dram_latency_ns': must be a positive number, got '0'");
  EXPECT_EQ(error_of(npu_with("clock_mhz", "1e-300")), d + ":2: clock_mhz = 1e-300 is too small (at least 0.001)");
  EXPECT_EQ(error_of(npu_with("clock_mhz", "1e6")), d + ":2: clock_mhz = 1e6 is too large (at most 100000)");
  EXPECT_EQ(error_of(npu_with("dram_gb_per_s", "1e-300")), d + ":12: dram_gb_per_s = 1e-300 is too small (at least 0.001)");
  EXPECT_EQ(error_of(npu_with("layer_overhead_cycles", "1e300")),
            d + ":14: layer_overhead_cycles = 1e300 is too large (at most 1000000000)");
  EXPECT_EQ(error_of(kNpu + "bias_bytes: 0\n"), d + ":16: key 'bias_bytes': must be a positive number, got '0'");
  EXPECT_EQ(error_of(kNpu + "bias_bytes: 17\n"), d + ":16: bias_bytes = 17 is too large (at most 16)");
  EXPECT_EQ(error_of(npu_with("clock_mhz", "1e999")), d + ":2: clock_mhz = 1e999 is too large (at most 100000)");
  for (const char* bad : {".inf", "-.inf", ".nan", "0x10", "1_000", "fast"})
    EXPECT_EQ(error_of(npu_with("clock_mhz", bad)),
              d + ":2: key 'clock_mhz': must be a positive number, got '" + std::string(bad) + "'");
  EXPECT_EQ(error_of(npu_with("clock_mhz", "0800")),
            d + ":2: clock_mhz = 0800 has a leading zero, which YAML 1.1 reads as octal; write 800");
  EXPECT_EQ(error_of(npu_with("parallelism_factor", "010")),
            d + ":4: parallelism_factor = 010 has a leading zero, which YAML 1.1 reads as octal; write 10");
  EXPECT_EQ(error_of(npu_with("parallelism_factor", "2147483648")),
            d + ":4: parallelism_factor = 2147483648 is too large (at most 1048576)");
  EXPECT_EQ(error_of(npu_with("parallelism_factor", "16.0")),
            d + ":4: key 'parallelism_factor': must be a positive integer, got '16.0'");
  // The bounds themselves are accepted.
  EXPECT_EQ(error_of(npu_with("clock_mhz", "0.001")), "(no error)");
  EXPECT_EQ(error_of(npu_with("clock_mhz", "100000")), "(no error)");
}

TEST_F(StrictDescription, CpuAndExternalNumbers) {
  const std::string d = path("d.yaml");
  EXPECT_EQ(error_of("kind: cpu\nthreads: 010\n"), d + ":2: threads = 010 has a leading zero, which YAML 1.1 reads as octal; write 10");
  EXPECT_EQ(error_of("threads: 2147483648\n"), d + ":1: threads = 2147483648 is too large (at most 256)");
  EXPECT_EQ(error_of("warmup: 1.5\n"), d + ":1: key 'warmup': must be a non-negative integer (at most 1000000), got '1.5'");
  EXPECT_EQ(error_of("target_seconds: 1e300\n"), d + ":1: target_seconds = 1e300 is too large (at most 3600)");
  EXPECT_EQ(error_of("target_seconds: .nan\n"), d + ":1: key 'target_seconds': must be a positive number of seconds, got '.nan'");
  EXPECT_EQ(error_of("name: x\ncommand: [true]\ntimeout_s: 1e300\n"), d + ":3: timeout_s = 1e300 is too large (at most 86400)");
  EXPECT_EQ(error_of("name: x\ncommand: [true]\ntimeout_s: 0\n"),
            d + ":3: key 'timeout_s': must be a positive number of seconds, got '0'");
}

TEST_F(StrictDescription, NumbersAreNotStringsOrTagged) {
  const std::string d = path("d.yaml");
  EXPECT_EQ(error_of(npu_with("parallelism_factor", "\"16\"")),
            d + ":4: key 'parallelism_factor': must be a positive integer, got the string \"16\"; write it without quotes");
  EXPECT_NE(error_of("kind: cpu\nthreads: '1'\n").find("key 'threads': must be a positive integer (at most 256), got the "
                                                      "string \"1\""),
            std::string::npos);
  EXPECT_NE(error_of("name: x\ncommand: [true]\ntimeout_s: \"5\"\n").find("got the string \"5\""), std::string::npos);
  EXPECT_NE(error_of(npu_with("clock_mhz", "!!float 800")).find("the tag '!!float' is not taken"), std::string::npos);
  EXPECT_EQ(error_of("kind: cpu\ndescription: [1, 2]\n"),
            d + ":2: key 'description': must be a string (free text about the target), got a list");
}

TEST(StrictCsv, RefusesWhatRfc4180Refuses) {
  const auto error_of = [](const std::string& text) {
    try {
      parse_csv(text, "t.csv");
    } catch (const UserError& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EXPECT_EQ(error_of(std::string("a,b\n1,2\n3,\0\n", 12)), "t.csv:3: a NUL byte; a CSV table is text");
  EXPECT_EQ(error_of("a,b\n1,\"2\"x\n"),
            "t.csv:2: text after the closing quote of a field; a quoted field ends at a comma or the line's end");
  EXPECT_EQ(error_of("a,b\n1,2\"3\n"),
            "t.csv:2: a '\"' inside an unquoted field; quote the whole field and double the quote inside "
            "(\"a \"\"b\"\"\")");
  EXPECT_EQ(error_of("a,b\n1,2,3\n"), "t.csv:2: 3 fields, but the header has 2 columns; every row needs one value per column");
  EXPECT_EQ(error_of("a,b\n\"1\",\"2\"\r\n\"x\"\"y\",\"\"\n"), "(no error)");
}

}  // namespace
}  // namespace hwnas::hw
