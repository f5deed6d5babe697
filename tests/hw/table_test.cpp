// Latency-table targets and the CSV reader: small tables written by the tests, errors
// (first-class), and the shared NAS-Bench-201 and FBNet tables when they are present.
#include <gtest/gtest.h>

#include <algorithm>

#include <yaml-cpp/yaml.h>

#include "hwnas/base/error.h"
#include "hwnas/base/csv.h"
#include "hwnas/hw/table/table_target.h"
#include "store_test_support.h"
#include "support/resources.h"

namespace hwnas::hw {
namespace {

namespace fs = std::filesystem;
using testing::conv_kernel;
using testing::TempDir;

template <typename F>
std::string user_error(F f) {
  try {
    f();
  } catch (const UserError& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    return message;
  }
  ADD_FAILURE() << "no UserError";
  return "";
}

TEST(Csv, QuotesCrlfBomAndBlankLines) {
  const CsvTable t = parse_csv(
      "\xEF\xBB\xBF" "a,b,c\r\n1,\"x,y\",\"say \"\"hi\"\"\"\r\n\r\n2,\"two\nlines\",\r\n3,z,w",
      "t.csv");
  EXPECT_EQ(t.header, (std::vector<std::string>{"a", "b", "c"}));
  ASSERT_EQ(t.rows.size(), 3u);
  EXPECT_EQ(t.rows[0], (std::vector<std::string>{"1", "x,y", "say \"hi\""}));
  EXPECT_EQ(t.rows[1], (std::vector<std::string>{"2", "two\nlines", ""}));
  EXPECT_EQ(t.rows[2], (std::vector<std::string>{"3", "z", "w"}));
  EXPECT_EQ(t.row_lines, (std::vector<std::int64_t>{2, 4, 6}));
}

TEST(CsvErrors, RaggedRowAndOpenQuote) {
  EXPECT_NE(user_error([] { parse_csv("a,b\n1,2\n3\n", "t.csv"); }).find("t.csv:3: 1 fields"),
            std::string::npos);
  EXPECT_NE(user_error([] { parse_csv("a,b\n1,\"2\n", "t.csv"); }).find("t.csv:2: a quoted field"),
            std::string::npos);
  EXPECT_NE(user_error([] { parse_csv("", "t.csv"); }).find("t.csv: the file is empty"),
            std::string::npos);
}

TEST(Table, LooksUpNetworks) {
  TempDir dir;
  const std::string csv = dir.write("lat.csv", "index,arch,lat_ms_x\n0,|a|,1.5\n1,|b|,1e-3\n2,\"|c,d|\",2e1\n");
  TableTarget table(csv, "arch", "lat_ms_x");
  EXPECT_EQ(table.name(), "lat:lat_ms_x");
  EXPECT_EQ(table.network_latency_ms("|a|"), 1.5);
  EXPECT_EQ(table.network_latency_ms("|b|"), 1e-3);
  EXPECT_EQ(table.network_latency_ms("|c,d|"), 20.0);
  EXPECT_FALSE(table.network_latency_ms("|z|"));
  EXPECT_EQ(table.rows(), (std::vector<std::pair<std::string, double>>{
                              {"|a|", 1.5}, {"|b|", 1e-3}, {"|c,d|", 20.0}}));
  EXPECT_FALSE(table.fusion_rules());
  const std::string message = user_error([&] { table.measure(conv_kernel(8)); });
  EXPECT_NE(message.find("table targets time whole networks; look one up with 'hwnas simulate"),
            std::string::npos);
  EXPECT_THROW(table.measure(conv_kernel(8)), UnsupportedKernel);
}

// MODEL specs name rows by their architecture, or by the whole spec when that is a key.
TEST(Table, LatencyOfModel) {
  TempDir dir;
  const std::string csv =
      dir.write("m.csv", "arch,ms\n|x~0|,2.5\nk3_e1-skip,4\nmobilenet_v2:width=0.5,7\n\"a,b\",1\n");
  const TableTarget table(csv, "arch", "ms", "board");
  // The architectures as the space module reads the specs (space::spec_architecture).
  const auto arch = [](std::string prefix, std::string a, bool options = false) {
    return std::optional<TableTarget::SpecArchitecture>({std::move(prefix), std::move(a), options});
  };
  const std::string forms = "p:a=KEY";
  EXPECT_EQ(table.latency_of_model("nb201:arch=|x~0|", arch("nb201:arch=", "|x~0|"), forms),
            (std::pair<std::string, double>{"|x~0|", 2.5}));
  EXPECT_EQ(table.latency_of_model("fbnet:blocks=k3_e1-skip", arch("fbnet:blocks=", "k3_e1-skip"), forms),
            (std::pair<std::string, double>{"k3_e1-skip", 4}));
  EXPECT_EQ(table.latency_of_model("mobilenet_v2:width=0.5", std::nullopt, forms),
            (std::pair<std::string, double>{"mobilenet_v2:width=0.5", 7}));
  EXPECT_EQ(table.latency_of_model("a,b", std::nullopt, forms), (std::pair<std::string, double>{"a,b", 1}));
  std::string message =
      user_error([&] { table.latency_of_model("nb201:arch=|y~0|", arch("nb201:arch=", "|y~0|"), forms); });
  EXPECT_NE(message.find("model 'nb201:arch=|y~0|': table target 'board' has no row whose 'arch'"), std::string::npos)
      << message;
  message = user_error(
      [&] { table.latency_of_model("nb201:arch=|x~0|,classes=100", arch("nb201:arch=", "|x~0|", true), forms); });
  EXPECT_NE(message.find("give nb201:arch=ARCHITECTURE without other options"), std::string::npos) << message;
  message = user_error([&] { table.latency_of_model("resnet18", std::nullopt, forms); });
  EXPECT_NE(message.find("times only the networks of its table"), std::string::npos) << message;
  EXPECT_NE(message.find("give MODEL as p:a=KEY, or as a whole key"), std::string::npos) << message;
}

TEST(Table, IdentityFollowsContentsAndColumns) {
  TempDir dir;
  const std::string a = dir.write("a.csv", "arch,l1,l2\nx,1,2\n");
  const std::string b = dir.write("b.csv", "arch,l1,l2\nx,1,3\n");
  EXPECT_EQ(TableTarget(a, "arch", "l1", "t").identity(), TableTarget(a, "arch", "l1", "t").identity());
  EXPECT_NE(TableTarget(a, "arch", "l1", "t").identity(), TableTarget(b, "arch", "l1", "t").identity());
  EXPECT_NE(TableTarget(a, "arch", "l1", "t").identity(), TableTarget(a, "arch", "l2", "t").identity());
  EXPECT_EQ(TableTarget(a, "arch", "l1", "t").identity().rfind("t#", 0), 0u);
}

TEST(Table, DescriptionResolvesTheCsvNextToIt) {
  TempDir dir;
  fs::create_directories(dir.path() / "data");
  dir.write("data/lat.csv", "arch,ms\nx,3\n");
  const std::string yaml = dir.write("t.yaml", "name: board\nkind: table\ncsv: data/lat.csv\nlatency_column: ms\n");
  const auto table = make_table_target(YAML::LoadFile(yaml), yaml);
  EXPECT_EQ(table->name(), "board");
  EXPECT_EQ(table->key_column(), "arch");
  EXPECT_EQ(table->network_latency_ms("x"), 3.0);
  std::unique_ptr<Target> as_target = make_table_target(YAML::LoadFile(yaml), yaml);
  EXPECT_EQ(as_target->name(), "board");
}

TEST(TableErrors, BadTables) {
  TempDir dir;
  const std::string missing = dir.file("missing.csv");
  EXPECT_NE(user_error([&] { TableTarget(missing, "arch", "ms"); }).find(missing), std::string::npos);

  const std::string cols = dir.write("cols.csv", "index,arch,lat_ms_a\n0,x,1\n");
  const std::string no_column = user_error([&] { TableTarget(cols, "arch", "lat_ms_b"); });
  EXPECT_NE(no_column.find(cols + ": no column 'lat_ms_b' (latency_column); the columns are: index, arch, lat_ms_a"),
            std::string::npos) << no_column;
  EXPECT_NE(user_error([&] { TableTarget(cols, "blocks", "lat_ms_a"); }).find("no column 'blocks' (key_column)"),
            std::string::npos);

  const std::string text = dir.write("text.csv", "arch,ms\nx,1\ny,fast\n");
  const std::string not_number = user_error([&] { TableTarget(text, "arch", "ms"); });
  EXPECT_NE(not_number.find(text + ":3: column 'ms': 'fast' is not a positive number of milliseconds"), std::string::npos)
      << not_number;
  const std::string negative = dir.write("neg.csv", "arch,ms\nx,-1\n");
  EXPECT_NE(user_error([&] { TableTarget(negative, "arch", "ms"); }).find(":2: column 'ms': '-1'"),
            std::string::npos);
  const std::string empty_cell = dir.write("empty.csv", "arch,ms\nx,\n");
  EXPECT_NE(user_error([&] { TableTarget(empty_cell, "arch", "ms"); }).find(":2: column 'ms': ''"),
            std::string::npos);

  // Latencies are in (0, 1e7] ms (csv.h: past that is a unit mistake, and sums of 1e308
  // printed 309 digits or inf).
  for (const char* cell : {"0", "0.0", "-0", "1.5e308", "1e7000", "10000000.1", "inf", "nan", "1e300"}) {
    const std::string path = dir.write("range.csv", std::string("arch,ms\nx,2\ny,") + cell + "\n");
    const std::string msg = user_error([&] { TableTarget(path, "arch", "ms"); });
    EXPECT_NE(msg.find(path + ":3: column 'ms': '" + cell + "' is "), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
  EXPECT_NE(user_error([&] { TableTarget(dir.write("zero.csv", "arch,ms\nx,0\n"), "arch", "ms"); })
                .find("'0' is not a positive number of milliseconds: no network runs in 0 ms"),
            std::string::npos);
  EXPECT_NE(user_error([&] { TableTarget(dir.write("big.csv", "arch,ms\nx,1.5e308\n"), "arch", "ms"); })
                .find("'1.5e308' is more than the largest latency a table may hold, 1e7 ms"),
            std::string::npos);
  const std::string edge = dir.write("edge.csv", "arch,ms\nx,1e7\ny,1e-9\n");
  EXPECT_EQ(TableTarget(edge, "arch", "ms").network_latency_ms("x"), 1e7);
  EXPECT_EQ(TableTarget(edge, "arch", "ms").network_latency_ms("y"), 1e-9);

  const std::string dup = dir.write("dup.csv", "arch,ms\nx,1\ny,2\nx,3\n");
  const std::string duplicate = user_error([&] { TableTarget(dup, "arch", "ms"); });
  EXPECT_NE(duplicate.find(dup + ":4: column 'arch': key 'x' already appears on line 2"), std::string::npos)
      << duplicate;
}

TEST(TableErrors, BadDescriptions) {
  TempDir dir;
  dir.write("lat.csv", "arch,ms\nx,3\n");
  const std::string source = dir.file("t.yaml");
  const auto message = [&](const std::string& yaml) {
    return user_error([&] { make_table_target(YAML::Load(yaml), source); });
  };
  EXPECT_NE(message("{name: t, csv: lat.csv}").find("key 'latency_column': missing"), std::string::npos);
  EXPECT_NE(message("{name: t, latency_column: ms}").find("key 'csv': missing"), std::string::npos);
  EXPECT_NE(message("{name: t, csv: nope.csv, latency_column: ms}").find("key 'csv'"), std::string::npos);
  EXPECT_NE(message("{name: t, csv: lat.csv, latency_column: ms, column: x}").find("unknown key 'column'"),
            std::string::npos);
  EXPECT_NE(message("{name: t, kind: npu, csv: lat.csv, latency_column: ms}").find("key 'kind'"),
            std::string::npos);
  EXPECT_NE(message("{csv: lat.csv, latency_column: ms}").find("key 'name'"), std::string::npos);
}

TEST(TableData, NasBench201Pixel3) {
  if (const std::string why = hwnas::testing::missing_data("nb201/nb201.csv"); !why.empty())
    HWNAS_MISSING_RESOURCE(why);
  const fs::path csv = hwnas::testing::data_dir() / "nb201/nb201.csv";
  TableTarget table(csv.string(), "arch", "lat_ms_pixel3");
  const auto rows = table.rows();
  ASSERT_EQ(rows.size(), 15625u);
  for (const auto& [arch, ms] : rows) {
    EXPECT_EQ(table.network_latency_ms(arch), ms);
    EXPECT_GE(ms, 0);
  }
  EXPECT_EQ(rows.front().first.front(), '|');
}

TEST(TableData, FbnetByBlocks) {
  if (const std::string why = hwnas::testing::missing_data("fbnet/fbnet_cifar100.csv"); !why.empty())
    HWNAS_MISSING_RESOURCE(why);
  const fs::path csv = hwnas::testing::data_dir() / "fbnet/fbnet_cifar100.csv";
  TableTarget table(csv.string(), "blocks", "lat_ms_pixel3");
  ASSERT_EQ(table.rows().size(), 5000u);
  const std::string& blocks = table.rows().front().first;
  EXPECT_EQ(std::count(blocks.begin(), blocks.end(), '-'), 21) << blocks;  // 22 layers
}

}  // namespace
}  // namespace hwnas::hw
