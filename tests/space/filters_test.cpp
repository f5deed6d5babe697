// Validity filters and the size/count units they are written in.
#include "hwnas/space/filters.h"

#include <gtest/gtest.h>

#include "hwnas/base/error.h"
#include "hwnas/base/suggest.h"
#include "hwnas/base/units.h"
#include "hwnas/base/yaml_input.h"
#include "hwnas/graph/analysis.h"
#include "hwnas/graph/zoo/zoo.h"

namespace hwnas::space {
namespace {

TEST(Units, BytesAndCounts) {
  EXPECT_EQ(parse_bytes("512KiB", "w"), 524288);
  EXPECT_EQ(parse_bytes("512 KiB", "w"), 524288);
  EXPECT_EQ(parse_bytes("4MB", "w"), 4'000'000);
  EXPECT_EQ(parse_bytes("4kB", "w"), 4'000);
  EXPECT_EQ(parse_bytes("1.5GiB", "w"), 1'610'612'736);
  EXPECT_EQ(parse_bytes("1000", "w"), 1000);
  EXPECT_EQ(parse_bytes("0", "w"), 0);
  EXPECT_EQ(parse_bytes("0.5KiB", "w"), 512);
  EXPECT_EQ(parse_count("3.4M", "w"), 3'400'000);
  EXPECT_EQ(parse_count("600K", "w"), 600'000);
  EXPECT_EQ(parse_count("2G", "w"), 2'000'000'000);
  EXPECT_EQ(parse_count("12", "w"), 12);
}

TEST(Units, OneTableForEveryKind) {
  EXPECT_EQ(unit_names(UnitKind::bytes), "B, kB, KB, MB, GB, KiB, MiB, GiB");
  EXPECT_EQ(unit_names(UnitKind::count), "K, k, M, G");
  EXPECT_EQ(unit_names(UnitKind::milliseconds), "ms, us, s");
  EXPECT_EQ(unit_factor(UnitKind::bytes, "MiB"), 1048576.0);
  EXPECT_EQ(unit_factor(UnitKind::bytes, "kB"), 1000.0);
  EXPECT_EQ(unit_factor(UnitKind::milliseconds, "us"), 1e-3);
  EXPECT_EQ(unit_factor(UnitKind::milliseconds, "s"), 1e3);
  EXPECT_EQ(unit_factor(UnitKind::count, "G"), 1e9);
  EXPECT_EQ(unit_factor(UnitKind::count, "MB"), std::nullopt);      // a byte unit is not a count's
  EXPECT_EQ(unit_factor(UnitKind::bytes, "mib"), std::nullopt);     // case-sensitive
  EXPECT_EQ(unit_factor(UnitKind::milliseconds, ""), std::nullopt);  // no unit is the caller's default
}

TEST(Units, RefusedWithTheReason) {
  const auto message = [](auto parse, const char* text) {
    try {
      parse(text, "f.yaml:3: key 'k'");
    } catch (const UserError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  const auto bytes = [](std::string_view t, std::string_view w) { return parse_bytes(t, w); };
  const auto count = [](std::string_view t, std::string_view w) { return parse_count(t, w); };
  EXPECT_EQ(message(bytes, "512kib"),
            "f.yaml:3: key 'k': '512kib' is not a byte size; write a number and a unit, e.g. 512KiB or 4MB (units B, "
            "kB, KB, MB, GB, KiB, MiB, GiB)");
  for (const char* bad :
       {"", "KiB", "-4MB", "+4MB", "4 ", "4  MB", "4MB ", " 4MB", "4.MB", ".5MB", "1e3", "4 mb", "0x10", "4M"})
    EXPECT_NE(message(bytes, bad).find("is not a byte size"), std::string::npos) << bad;
  EXPECT_NE(message(bytes, "010").find("has a leading zero"), std::string::npos);
  EXPECT_NE(message(bytes, "1.5B").find("is not a whole number of bytes"), std::string::npos);
  EXPECT_NE(message(bytes, "0.0000000001GiB").find("more than 9 decimals"), std::string::npos);
  EXPECT_NE(message(bytes, "5GiB").find("accepted"), std::string::npos);
  EXPECT_NE(message(bytes, "5000000000GiB").find("is too large (at most 2^62)"), std::string::npos);
  EXPECT_NE(message(bytes, "99999999999999999999").find("is too large"), std::string::npos);
  EXPECT_NE(message(count, "3.4MB").find("is not a count"), std::string::npos);
  EXPECT_NE(message(count, "1.5").find("is not a whole number of units"), std::string::npos);
}

TEST(Suggest, ClosestNameWithinAThirdOfTheWord) {
  const std::vector<std::string_view> keys = {"stages", "stem", "head", "channel_multiplier"};
  EXPECT_EQ(closest_name("stges", keys), "stages");
  EXPECT_EQ(closest_name("channel_multiplyer", keys), "channel_multiplier");
  EXPECT_EQ(closest_name("hed", keys), "head");
  EXPECT_EQ(closest_name("zzzz", keys), "");
  EXPECT_EQ(closest_name("channel", keys), "channel_multiplier");  // a prefix
  EXPECT_EQ(closest_name("st", keys), "");                         // too short to be a prefix hint

  EXPECT_EQ(did_you_mean("stme", keys), "; did you mean 'stem'?");
  EXPECT_EQ(did_you_mean("banana", keys), "");
}

Filters read(const std::string& text) {
  return read_filters(parse_yaml_document(text, "f.yaml", "test"), "f.yaml", "filters");
}

TEST(Filters, ReadAndApplied) {
  const Filters f =
      read("{max_params: 3.4M, max_macs: 300M, max_weight_bytes: 4MB, max_peak_activation_bytes: 512KiB}");
  EXPECT_EQ(f.max_params, 3'400'000);
  EXPECT_EQ(f.max_macs, 300'000'000);
  EXPECT_EQ(f.max_weight_bytes, 4'000'000);
  EXPECT_EQ(f.max_peak_activation_bytes, 524288);
  EXPECT_EQ(describe(f),
            "max_params 3400000, max_macs 300000000, max_weight_bytes 4000000, max_peak_activation_bytes 524288");
  EXPECT_EQ(describe(Filters{}), "none");

  const graph::Graph g = graph::build_zoo_model("mobilenet_v2");
  const graph::Analysis a = graph::analyze(g, graph::Precision::int8);
  // MobileNetV2 has 3,504,872 params: over 3.4M.
  EXPECT_EQ(filter_violation(f, a), "params 3504872 > max_params 3400000");
  Filters only_memory;
  only_memory.max_peak_activation_bytes = a.peak_activation_bytes;
  EXPECT_EQ(filter_violation(only_memory, g, graph::Precision::int8), std::nullopt);
  only_memory.max_peak_activation_bytes = a.peak_activation_bytes - 1;
  EXPECT_EQ(filter_violation(only_memory, g, graph::Precision::int8),
            "peak_activation_bytes " + std::to_string(a.peak_activation_bytes) + " > max_peak_activation_bytes " +
                std::to_string(a.peak_activation_bytes - 1));
  EXPECT_EQ(filter_violation(Filters{}, g, graph::Precision::int8), std::nullopt);
}

TEST(Filters, BadFiltersAreOneLineErrors) {
  const auto message = [](const std::string& text) {
    try {
      read(text);
    } catch (const UserError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(message("{max_macs: 0}"), "f.yaml:1: key 'filters.max_macs': must be at least 1, got '0'");
  EXPECT_EQ(message("{max_mac: 5}"),
            "f.yaml:1: key 'filters.max_mac': unknown filter; did you mean 'max_macs'? (filters: max_params, max_macs, "
            "max_weight_bytes, max_peak_activation_bytes)");
  EXPECT_NE(message("{max_params: [1]}").find("key 'filters.max_params': must be a count such as 3.4M, got a list"),
            std::string::npos);
  EXPECT_NE(message("[1]").find("key 'filters': must be a mapping"), std::string::npos);
  EXPECT_NE(message("{max_weight_bytes: 4mb}").find("'4mb' is not a byte size"), std::string::npos);
}

}  // namespace
}  // namespace hwnas::space
