// Fuzz target for model files (graph/model_file.h, with the search spaces' layers of
// space/models.h, as the CLI reads them): the bytes are read as a model file named
// HWNAS_FUZZ_MODEL_SOURCE (fuzz.yaml or fuzz.json; built twice, one seed corpus
// each), then run through what `hwnas inspect` does with a model that loads — shape
// inference happens in the reader, analysis at every precision and a batch of 3 — and
// through save-and-reload, which must give an identical graph (model_file.h).
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/fuzz_contract.h"
#include "hwnas/graph/analysis.h"
#include "hwnas/graph/model_file.h"
#include "hwnas/space/models.h"

using namespace hwnas;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const graph::ModelLayerOps& layer_ops = space::model_extensions().layer_ops;
  return fuzz::expect_user_errors_only([&] {
    const graph::Graph g = graph::parse_model(text, HWNAS_FUZZ_MODEL_SOURCE, layer_ops);
    graph::analyze(g, graph::Precision::int8);
    graph::analyze(g, graph::Precision::fp16);
    graph::analyze(g, graph::Precision::fp32, 3);
    fuzz::expect_no_error("reloading the saved YAML", [&] {
      if (!(graph::parse_model(graph::model_to_yaml(g), "saved.yaml", layer_ops) == g))
        throw std::runtime_error("the reloaded YAML model differs from the one saved");
    });
    const std::string json = graph::model_to_json(g);  // UserError for names not UTF-8
    fuzz::expect_no_error("reloading the saved JSON", [&] {
      if (!(graph::parse_model(json, "saved.json", layer_ops) == g))
        throw std::runtime_error("the reloaded JSON model differs from the one saved");
    });
  });
}
