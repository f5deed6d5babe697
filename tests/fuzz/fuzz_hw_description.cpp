// Fuzz target for hardware descriptions (hw/targets/targets.h): the bytes are written to
// a file and read by make_target, as `--target FILE` does, whatever the kind (npu, cpu,
// external, table). A `table.csv` beside the file (tests/fuzz/data/nb201_table.csv) lets
// table descriptions load. What loads is used as `hwnas simulate` would: an npu target
// simulates a small model at batch 1 and 2; a table target looks up its first key.
// External targets are built but never measured (that would run the fuzzed command), and
// a cpu description with more than 4 threads is only parsed (parse_cpu_options): building
// it starts that many threads.
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>

#include "fuzz/fuzz_contract.h"
#include "fuzz/probe_model.h"
#include "hwnas/estimate/measure_network.h"
#include "hwnas/base/yaml_input.h"
#include "hwnas/hw/cpu/cpu_target.h"
#include "hwnas/hw/npu/npu_target.h"
#include "hwnas/hw/table/table_target.h"
#include "hwnas/hw/targets/targets.h"

using namespace hwnas;
namespace fs = std::filesystem;

namespace {

// A cpu description with many threads would start them all (make_cpu_target).
bool many_cpu_threads(const std::string& path) {
  const YAML::Node node = load_yaml_file(path, "target description");
  return hw::description_kind(node, path) == "cpu" && hw::parse_cpu_options(node, path).threads > 4;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const fs::path dir = [] {
    fs::copy_file(HWNAS_FUZZ_DATA_DIR "/nb201_table.csv", fuzz::scratch_dir() / "table.csv",
                  fs::copy_options::overwrite_existing);
    return fuzz::scratch_dir();
  }();
  const std::string text(reinterpret_cast<const char*>(data), size);
  const std::string path = (dir / "description.yaml").string();
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
  return fuzz::expect_user_errors_only([&] {
    if (many_cpu_threads(path)) return;
    const std::unique_ptr<hw::Target> target = hw::make_target(path);
    if (target->name().empty() || target->identity().empty()) std::abort();
    if (auto* npu = dynamic_cast<hw::NpuTarget*>(target.get())) {
      estimate::measure_network(fuzz::probe_model(), *npu, 1);
      estimate::measure_network(fuzz::probe_model(), *npu, 2);
      fuzz::expect_no_error("re-reading the canonical description", [&] {
        const std::string canonical = npu->description().canonical_yaml();
        hw::parse_npu_description(YAML::Load(canonical), "canonical.yaml");
      });
    } else if (auto* table = dynamic_cast<hw::TableTarget*>(target.get())) {
      if (!table->rows().empty()) table->network_latency_ms(table->rows().front().first);
    }
  });
}
