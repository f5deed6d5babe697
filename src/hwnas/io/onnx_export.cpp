#include "hwnas/io/onnx_export.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <onnx/onnx_pb.h>

#include "hwnas/base/error.h"
#include "hwnas/base/file_io.h"
#include "hwnas/base/printable.h"
#include "hwnas/graph/block_spec_file.h"
#include "hwnas/graph/overloaded.h"
#include "hwnas/io/onnx_importer.h"
#include "hwnas/io/onnx_proto_writer.h"

namespace hwnas::io {
namespace {

using graph::Graph;
using graph::NodeId;
using Proto = detail::GraphProtoWriter;

class Exporter {
 public:
  Exporter(const Graph& g, const OnnxWeights* weights)
      : g_(g),
        weights_(weights),
        gp_(m_.mutable_graph()),
        proto_(*gp_),
        value_(static_cast<std::size_t>(g.size())),
        rank_(value_.size(), 4) {}

  onnx::ModelProto run(std::string_view source) {
    m_.set_ir_version(7);
    m_.set_producer_name("hwnas");
    m_.set_producer_version(HWNAS_VERSION);
    m_.set_doc_string(fmt::format("hwnas export of network '{}'{}. {}", g_.name(),
                                  source.empty() ? "" : fmt::format(" (from {})", source),
                                  weights_ != nullptr ? fmt::format("Trained weights from {}.", weights_->source)
                                                      : std::string(kPlaceholderWeightsDoc)));
    auto* opset = m_.add_opset_import();
    opset->set_domain("");
    opset->set_version(kOnnxExportOpset);
    gp_->set_name(g_.name().empty() ? "hwnas" : g_.name());
    blocks();
    for (NodeId id = 0; id < g_.size(); ++id) node(id);
    return std::move(m_);
  }

 private:
  std::string unique(std::string base) { return proto_.unique(std::move(base)); }
  std::string init(const std::string& base, const std::vector<std::int64_t>& dims, float fill = 0) {
    if (weights_ != nullptr) {
      if (const auto it = weights_->values.find(base); it != weights_->values.end()) {
        std::int64_t n = 1;
        for (const std::int64_t d : dims) n *= d;
        if (static_cast<std::int64_t>(it->second.size()) != n)
          throw UserError(fmt::format("{}: tensor '{}' has {} values, the model's needs {} ({}); these weights are "
                                      "for another model",
                                      weights_->source, base, it->second.size(), n, fmt::join(dims, "x")));
        return proto_.init_values(base, dims, it->second);
      }
    }
    return proto_.init(base, dims, fill);
  }
  std::string init_ints(const std::string& base, const std::vector<std::int64_t>& values) {
    return proto_.init_ints(base, values);
  }
  /// A node of IR node `id` (-1: a view the exporter adds), its doc_string naming its block.
  onnx::NodeProto& add(std::string_view op, std::vector<std::string> inputs, const std::string& output, NodeId id,
                       std::string doc = {}) {
    if (id >= 0 && g_.node(id).block != graph::kNoBlock)
      doc += fmt::format("{}block={}", doc.empty() ? "" : "; ", g_.node(id).block);
    return proto_.add(op, std::move(inputs), output, doc);
  }

  /// Input `in` of node `id` at rank `rank` (a marked view when its rank differs).
  std::string operand(NodeId in, int rank) {
    const std::string& v = value_[static_cast<std::size_t>(in)];
    if (rank_[static_cast<std::size_t>(in)] == rank) return v;
    const std::string out = unique(v + "/view" + std::to_string(rank));
    std::string view_doc(detail::kViewDoc.substr(7));  // "view"
    if (rank == 2) {
      Proto::attr(add("Flatten", {v}, out, -1, view_doc), "axis", std::int64_t{1});
    } else {
      add("Reshape", {v, init_ints(out + "/shape", {0, -1, 1, 1})}, out, -1, view_doc);
    }
    return out;
  }
  int max_rank(NodeId id) {
    int r = 2;
    for (const NodeId in : g_.inputs(id)) r = std::max(r, rank_[static_cast<std::size_t>(in)]);
    return r;
  }

  void blocks() {  // written even when empty: the importer then recognises none
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (graph::BlockId b = 0; b < g_.num_blocks(); ++b) {
      if (!is_valid_utf8(g_.block_name(b)))  // nlohmann's dump would throw type_error 316
        throw UserError(fmt::format("block '{}': its name is not UTF-8 text, which the ONNX file's block "
                                    "table (JSON) cannot hold; rename the block",
                                    g_.block_name(b)));
      nlohmann::ordered_json entry = {{"name", std::string(g_.block_name(b))},
                                      {"kind", std::string(graph::block_kind_name(g_.block(b).kind))}};
      if (auto spec = graph::block_spec_json(g_.block(b).spec); !spec.is_null()) entry["spec"] = std::move(spec);
      list.push_back(std::move(entry));
    }
    auto* p = m_.add_metadata_props();
    p->set_key(std::string(detail::kBlocksMetadata));
    p->set_value(list.dump());
  }

  void node(NodeId id);

  const Graph& g_;
  const OnnxWeights* weights_;
  onnx::ModelProto m_;
  onnx::GraphProto* gp_;
  detail::GraphProtoWriter proto_;
  std::vector<std::string> value_;
  std::vector<int> rank_;
};

}  // namespace

// One ONNX node (or a few) per IR node.
void Exporter::node(NodeId id) {
  const auto in = g_.inputs(id);
  const graph::Shape& s = g_.shape(id);
  const std::string name = unique(std::string(g_.node_name(id)).empty() ? fmt::format("node{}", id)
                                                                          : std::string(g_.node_name(id)));
  auto& value = value_[static_cast<std::size_t>(id)];
  auto& rank = rank_[static_cast<std::size_t>(id)];
  value = name;
  const auto x = [&](int r) { return operand(in[0], r); };
  const auto tensor_info = [&](onnx::ValueInfoProto* info, const std::string& v, int r, const graph::Shape& shape) {
    info->set_name(v);
    auto* t = info->mutable_type()->mutable_tensor_type();
    t->set_elem_type(onnx::TensorProto::FLOAT);
    std::vector<std::int64_t> dims = {1, shape.c};
    if (r == 4) dims.insert(dims.end(), {shape.h, shape.w});
    for (const std::int64_t d : dims) t->mutable_shape()->add_dim()->set_dim_value(d);
  };
  const auto gated = [&](std::string_view gate, bool hard) {
    const std::string xin = x(rank_[static_cast<std::size_t>(in[0])]);
    auto& n = add(gate, {xin}, unique(name + "/" + std::string(gate)), id);
    if (hard) Proto::attr(n, "alpha", 1.0f / 6), Proto::attr(n, "beta", 0.5f);
    add("Mul", {xin, n.output(0)}, name, id);
  };
  std::visit(
      Overloaded{
          [&](const graph::Input&) { tensor_info(gp_->add_input(), name, 4, s); },
          [&](const graph::Conv2d& c) {
            const graph::Shape& is = g_.shape(in[0]);
            std::vector<std::string> ins = {x(4), init(name + ".weight", {c.out_channels, is.c / c.groups, c.kernel_h, c.kernel_w})};
            if (c.bias) ins.push_back(init(name + ".bias", {c.out_channels}));
            auto& n = add("Conv", ins, name, id);
            Proto::attr(n, "kernel_shape", {c.kernel_h, c.kernel_w});
            Proto::attr(n, "strides", {c.stride_h, c.stride_w});
            Proto::attr(n, "pads", {c.pad_h, c.pad_w, c.pad_bottom, c.pad_right});
            Proto::attr(n, "dilations", {c.dilation_h, c.dilation_w});
            Proto::attr(n, "group", std::int64_t{c.groups});
          },
          [&](const graph::BatchNorm& b) {
            rank = rank_[static_cast<std::size_t>(in[0])];
            auto& n = add("BatchNormalization",
                          {x(rank), init(name + ".weight", {s.c}, 1), init(name + ".bias", {s.c}),
                           init(name + ".running_mean", {s.c}), init(name + ".running_var", {s.c}, 1)},
                          name, id, b.affine ? "" : std::string(detail::kNoAffineDoc.substr(7)));
            Proto::attr(n, "epsilon", static_cast<float>(b.epsilon));
          },
          [&](const graph::Activation& a) {
            rank = rank_[static_cast<std::size_t>(in[0])];
            switch (a.kind) {
              case graph::ActKind::relu: add("Relu", {x(rank)}, name, id); break;
              case graph::ActKind::relu6:
                add("Clip", {x(rank), init(name + ".min", {}, 0), init(name + ".max", {}, 6)}, name, id);
                break;
              case graph::ActKind::hardswish: gated("HardSigmoid", true); break;
              case graph::ActKind::hardsigmoid: {
                auto& n = add("HardSigmoid", {x(rank)}, name, id);
                Proto::attr(n, "alpha", 1.0f / 6), Proto::attr(n, "beta", 0.5f);
                break;
              }
              case graph::ActKind::sigmoid: add("Sigmoid", {x(rank)}, name, id); break;
              case graph::ActKind::silu: gated("Sigmoid", false); break;
              case graph::ActKind::identity: add("Identity", {x(rank)}, name, id); break;
            }
          },
          [&](const graph::Add&) {
            rank = max_rank(id);
            std::vector<std::string> ins;
            for (const NodeId i : in) ins.push_back(operand(i, rank));
            add(ins.size() == 2 ? "Add" : "Sum", ins, name, id);
          },
          [&](const graph::Mul&) {
            rank = max_rank(id);
            add("Mul", {operand(in[0], rank), operand(in[1], rank)}, name, id);
          },
          [&](const graph::Concat&) {
            rank = max_rank(id);
            std::vector<std::string> ins;
            for (const NodeId i : in) ins.push_back(operand(i, rank));
            Proto::attr(add("Concat", ins, name, id), "axis", std::int64_t{1});
          },
          [&](const graph::Pool& p) {
            const bool max = p.kind == graph::PoolKind::max;
            auto& n = add(max ? "MaxPool" : "AveragePool", {x(4)}, name, id);
            Proto::attr(n, "kernel_shape", {p.kernel_h, p.kernel_w});
            Proto::attr(n, "strides", {p.stride_h, p.stride_w});
            Proto::attr(n, "pads", {p.pad_h, p.pad_w, p.pad_bottom, p.pad_right});
            Proto::attr(n, "ceil_mode", std::int64_t{p.ceil_mode});
            if (!max) Proto::attr(n, "count_include_pad", std::int64_t{p.count_include_pad});
          },
          [&](const graph::GlobalPool& p) {
            add(p.kind == graph::PoolKind::max ? "GlobalMaxPool" : "GlobalAveragePool", {x(4)}, name, id);
          },
          [&](const graph::Upsample& u) {
            const bool nearest = u.mode == graph::UpsampleMode::nearest;
            std::vector<std::string> ins = {x(4), ""};
            if (u.scale > 0) {
              const auto scale = static_cast<float>(u.scale);
              ins.push_back(proto_.init_floats(name + ".scales", {1.0f, 1.0f, scale, scale}));
            } else {
              ins.push_back("");
              ins.push_back(init_ints(name + ".sizes", {1, s.c, u.out_h, u.out_w}));
            }
            auto& n = add("Resize", ins, name, id);
            Proto::attr(n, "mode", nearest ? "nearest" : "linear");
            Proto::attr(n, "coordinate_transformation_mode", graph::coordinates_name(u.coordinates));
            if (nearest) Proto::attr(n, "nearest_mode", graph::rounding_name(u.rounding));
          },
          [&](const graph::Linear& l) {
            rank = 2;
            std::vector<std::string> ins = {x(2), init(name + ".weight", {l.out_features, g_.shape(in[0]).elements()})};
            if (l.bias) ins.push_back(init(name + ".bias", {l.out_features}));
            Proto::attr(add("Gemm", ins, name, id), "transB", std::int64_t{1});
          },
          [&](const graph::Flatten&) {
            rank = 2;
            Proto::attr(add("Flatten", {x(rank_[static_cast<std::size_t>(in[0])])}, name, id), "axis", std::int64_t{1});
          },
          [&](const graph::ChannelShuffle& c) {
            const std::string split = unique(name + "/split"), swapped = unique(name + "/transpose");
            add("Reshape", {x(4), init_ints(split + ".shape", {0, c.groups, s.c / c.groups, s.h, s.w})}, split, id);
            Proto::attr(add("Transpose", {split}, swapped, id), "perm", {0, 2, 1, 3, 4});
            add("Reshape", {swapped, init_ints(name + ".shape", {0, s.c, s.h, s.w})}, name, id);
          },
          [&](const graph::Zero&) {
            rank = rank_[static_cast<std::size_t>(in[0])];
            add("Mul", {x(rank), init(name + ".zero", {})}, name, id);
          },
          [&](const graph::Dropout& d) {
            rank = rank_[static_cast<std::size_t>(in[0])];
            add("Dropout", {x(rank), init(name + ".ratio", {}, static_cast<float>(d.rate_percent) / 100)}, name, id);
          },
          [&](const graph::Output&) {
            const std::size_t i = static_cast<std::size_t>(in[0]);
            auto* out = gp_->add_output();
            tensor_info(out, value_[i], rank_[i], g_.shape(in[0]));
            out->set_doc_string(fmt::format("hwnas: name={}; at={}", g_.node_name(id), id));
            value = value_[i];
            rank = rank_[i];
          },
      },
      g_.op(id));
}

onnx::ModelProto export_onnx(const graph::Graph& graph, std::string_view source, const OnnxWeights* weights) {
  return Exporter(graph, weights).run(source);
}

void save_onnx_file(const graph::Graph& graph, const std::string& path, std::string_view source,
                    const OnnxWeights* weights) {
  std::string bytes;
  if (!export_onnx(graph, source, weights).SerializeToString(&bytes))
    throw UserError(fmt::format("{}: cannot write the ONNX model: it is over protobuf's 2 GiB limit", path));
  write_file_atomically(path, bytes, "ONNX model");
}

}  // namespace hwnas::io
