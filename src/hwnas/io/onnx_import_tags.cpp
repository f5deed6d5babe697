// The importer's reading of what onnx_export records beyond ONNX (onnx_export.h): doc_string
// tokens of nodes and outputs, and the block table in the model's metadata.
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>

#include "hwnas/base/error.h"
#include "hwnas/base/printable.h"
#include "hwnas/graph/block_spec_file.h"
#include "hwnas/io/onnx_importer.h"

namespace hwnas::io::detail {

using graph::NodeId;

namespace {

std::vector<std::string_view> doc_tokens(std::string_view doc) {
  std::vector<std::string_view> out;
  if (!doc.starts_with("hwnas: ")) return out;
  doc.remove_prefix(7);
  while (!doc.empty()) {
    const std::size_t end = std::min(doc.find("; "), doc.size());
    out.push_back(doc.substr(0, end));
    doc.remove_prefix(std::min(end + 2, doc.size()));
  }
  return out;
}

}  // namespace

bool has_doc_token(const onnx::NodeProto& node, std::string_view token) {
  const auto tokens = doc_tokens(node.doc_string());
  return std::find(tokens.begin(), tokens.end(), token) != tokens.end();
}

int block_token(const onnx::NodeProto& node) {
  for (const std::string_view t : doc_tokens(node.doc_string())) {
    if (!t.starts_with("block=")) continue;
    int b = -1;
    const auto [end, ec] = std::from_chars(t.data() + 6, t.data() + t.size(), b);
    if (ec == std::errc() && end == t.data() + t.size()) return b;
  }
  return -1;
}

// The blocks onnx_export listed (kBlocksMetadata); other files have none.
void Importer::add_blocks() {
  for (const auto& p : model_.metadata_props()) {
    if (p.key() != kBlocksMetadata) continue;
    const std::string where = fmt::format("{}: metadata {}", source_, kBlocksMetadata);
    if (!is_valid_utf8(p.value())) throw UserError(fmt::format("{}: not UTF-8 text, so not JSON; re-export the model", where));
    YAML::Node list;
    try {
      list = YAML::Load(p.value());
    } catch (const YAML::Exception& e) {
      throw UserError(fmt::format("{}: not JSON ({})", where, e.msg));
    }
    if (!list.IsSequence()) throw UserError(fmt::format("{}: not a list of blocks", where));
    try {
      for (const YAML::Node& b : list) {
        graph::BlockKind kind{};
        if (!b.IsMap() || !b["name"] || !b["kind"] || !graph::parse_block_kind(b["kind"].as<std::string>(), kind))
          throw UserError(fmt::format("{}: each block needs a name and a known kind", where));
        const std::string name = b["name"].as<std::string>();
        const graph::BlockSpec spec = b["spec"] ? graph::read_block_spec(b["spec"], where, name, kind)
                                                : graph::BlockSpec();
        g_.add_block(kind, name, spec);
      }
    } catch (const YAML::Exception& e) {
      throw UserError(fmt::format("{}: {}", where, e.msg));
    }
  }
}

// onnx_export writes "hwnas: name=NAME; at=ID" on a graph output: the IR's Output node
// NAME was node ID; it is added when the graph reaches ID nodes. Other outputs are added
// after the last node (`all`), named VALUE.output.
void Importer::add_outputs(bool all) {
  const auto& outs = model_.graph().output();
  for (int i = 0; i < outs.size(); ++i) {
    if (outputs_added_.contains(i)) continue;
    const onnx::ValueInfoProto& out = outs[i];
    std::string_view name;
    NodeId at = -1;
    for (const std::string_view t : doc_tokens(out.doc_string())) {
      if (t.starts_with("name=")) name = t.substr(5);
      if (t.starts_with("at=")) std::from_chars(t.data() + 3, t.data() + t.size(), at);
    }
    if (!all && (at < 0 || at > g_.size() || !values_.contains(out.name()))) continue;
    outputs_added_.insert(i);
    const Value& v = value(out.name());
    if (v.kind != Value::Kind::tensor) fail(fmt::format("output '{}' is not a tensor of the network", out.name()));
    const NodeId in[] = {v.id};
    g_.add(node_name_for(name.empty() ? out.name() + ".output" : std::string(name)), graph::Output{}, in);
    i = -1;  // an output added may let an earlier-listed one follow
  }
}

}  // namespace hwnas::io::detail
