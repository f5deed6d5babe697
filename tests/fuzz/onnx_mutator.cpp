// A structure-aware mutator for fuzz_onnx (libFuzzer's LLVMFuzzerCustomMutator; Debian 12
// has no libprotobuf-mutator). Random bytes rarely survive protobuf parsing and the ONNX
// checker, and a flipped byte in a seed mostly lands in placeholder weights, so half the
// time the input is parsed as a ModelProto, changed where the importer looks — an
// attribute's value, an op type, a node's inputs or outputs, the node order, an
// initialiser's or the graph input's dims, a doc_string tag, the block table, the opset —
// and serialised again. Otherwise (and when the input does not parse) libFuzzer's own
// byte-level mutation runs, with the dictionary.
#include <onnx/onnx_pb.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

extern "C" std::size_t LLVMFuzzerMutate(std::uint8_t* data, std::size_t size, std::size_t max_size);

namespace {

using Rng = std::minstd_rand;

std::size_t pick(Rng& rng, std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng); }

template <class T, std::size_t N>
const T& one_of(Rng& rng, const T (&items)[N]) {
  return items[pick(rng, N)];
}

std::int64_t interesting_int(Rng& rng, std::int64_t now) {
  static const std::int64_t values[] = {-1, 0, 1, 2, 3, 4, 5, 7, 8, 16, 255, 65536, INT32_MAX, INT64_MAX, INT64_MIN};
  switch (pick(rng, 3)) {
    case 0: return static_cast<std::int64_t>(static_cast<std::uint64_t>(now) + 1);  // wraps, no UB
    case 1: return static_cast<std::int64_t>(static_cast<std::uint64_t>(now) - 1);
    default: return one_of(rng, values);
  }
}

float interesting_float(Rng& rng) {
  static const float values[] = {0.f, -1.f, 0.5f, 1.f, 1.5f, 2.f, 3.f, 6.f, 1e-5f, 1e30f, -1e30f, 1e-45f};
  return one_of(rng, values);
}

const char* const kStrings[] = {"nearest", "linear", "bilinear", "cubic", "floor", "ceil", "round_prefer_floor",
                                "round_prefer_ceil", "asymmetric", "half_pixel", "pytorch_half_pixel",
                                "align_corners", "NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID", ""};
const char* const kOps[] = {"Add", "AveragePool", "BatchNormalization", "Clip", "Concat", "Constant", "Conv",
                            "Dropout", "Flatten", "Gemm", "GlobalAveragePool", "GlobalMaxPool", "HardSigmoid",
                            "HardSwish", "Identity", "MatMul", "MaxPool", "Mul", "ReduceMean", "Relu", "Reshape",
                            "Resize", "Sigmoid", "Sum", "Transpose", "Upsample", "Split", "Slice", "Shape"};
const char* const kDocs[] = {"", "hwnas: view", "hwnas: block=0", "hwnas: block=1", "hwnas: block=99",
                             "hwnas: affine=false", "hwnas: view; block=0", "hwnas: name=x; at=0"};

void mutate_attribute(onnx::AttributeProto& a, Rng& rng) {
  switch (a.type()) {
    case onnx::AttributeProto::INT: a.set_i(interesting_int(rng, a.i())); break;
    case onnx::AttributeProto::FLOAT: a.set_f(interesting_float(rng)); break;
    case onnx::AttributeProto::STRING: a.set_s(one_of(rng, kStrings)); break;
    case onnx::AttributeProto::INTS:
      if (a.ints_size() > 0 && pick(rng, 4) != 0) {
        const int k = static_cast<int>(pick(rng, static_cast<std::size_t>(a.ints_size())));
        a.set_ints(k, interesting_int(rng, a.ints(k)));
      } else if (a.ints_size() > 0 && pick(rng, 2) == 0) {
        a.mutable_ints()->RemoveLast();
      } else {
        a.add_ints(interesting_int(rng, 1));
      }
      break;
    default: a.set_name(pick(rng, 2) == 0 ? "axis" : "kernel_shape");
  }
}

// Every tensor name the graph mentions: inputs, initialisers, node outputs.
std::vector<std::string> tensor_names(const onnx::GraphProto& g) {
  std::vector<std::string> names;
  for (const auto& v : g.input()) names.push_back(v.name());
  for (const auto& t : g.initializer()) names.push_back(t.name());
  for (const auto& n : g.node())
    for (const auto& o : n.output()) names.push_back(o);
  return names;
}

void mutate_node(onnx::GraphProto& g, Rng& rng) {
  onnx::NodeProto& n = *g.mutable_node(static_cast<int>(pick(rng, static_cast<std::size_t>(g.node_size()))));
  const std::vector<std::string> names = tensor_names(g);
  switch (pick(rng, 8)) {
    case 0:
    case 1:
      if (n.attribute_size() > 0) {
        mutate_attribute(*n.mutable_attribute(static_cast<int>(pick(rng, static_cast<std::size_t>(n.attribute_size())))), rng);
        break;
      }
      [[fallthrough]];
    case 2: {  // an attribute of another node, or drop one
      const onnx::NodeProto& other = g.node(static_cast<int>(pick(rng, static_cast<std::size_t>(g.node_size()))));
      if (other.attribute_size() > 0 && pick(rng, 2) == 0)
        *n.add_attribute() = other.attribute(static_cast<int>(pick(rng, static_cast<std::size_t>(other.attribute_size()))));
      else if (n.attribute_size() > 0)
        n.mutable_attribute()->DeleteSubrange(static_cast<int>(pick(rng, static_cast<std::size_t>(n.attribute_size()))), 1);
      break;
    }
    case 3: n.set_op_type(one_of(rng, kOps)); break;
    case 4:  // rewire an input, add one, drop one
      if (n.input_size() > 0 && pick(rng, 3) != 0)
        n.set_input(static_cast<int>(pick(rng, static_cast<std::size_t>(n.input_size()))),
                    pick(rng, 8) == 0 ? std::string() : names[pick(rng, names.size())]);
      else if (pick(rng, 2) == 0)
        n.add_input(names[pick(rng, names.size())]);
      else if (n.input_size() > 0)
        n.mutable_input()->RemoveLast();
      break;
    case 5:
      if (n.output_size() > 0) n.set_output(0, names[pick(rng, names.size())]);
      break;
    case 6: n.set_doc_string(one_of(rng, kDocs)); break;
    default: {  // swap two nodes, or remove one
      const int a = static_cast<int>(pick(rng, static_cast<std::size_t>(g.node_size())));
      const int b = static_cast<int>(pick(rng, static_cast<std::size_t>(g.node_size())));
      if (pick(rng, 3) != 0) g.mutable_node()->SwapElements(a, b);
      else g.mutable_node()->DeleteSubrange(a, 1);
    }
  }
}

void mutate_dims(google::protobuf::RepeatedField<std::int64_t>& dims, Rng& rng) {
  if (!dims.empty() && pick(rng, 4) != 0) {
    const int k = static_cast<int>(pick(rng, static_cast<std::size_t>(dims.size())));
    dims.Set(k, interesting_int(rng, dims.Get(k)));
  } else if (!dims.empty() && pick(rng, 2) == 0) {
    dims.RemoveLast();
  } else {
    dims.Add(interesting_int(rng, 1));
  }
}

void mutate_model(onnx::ModelProto& m, Rng& rng) {
  onnx::GraphProto& g = *m.mutable_graph();
  const std::size_t what = pick(rng, 10);
  if (what < 6 && g.node_size() > 0) {
    mutate_node(g, rng);
  } else if (what < 8 && g.initializer_size() > 0) {
    onnx::TensorProto& t = *g.mutable_initializer(static_cast<int>(pick(rng, static_cast<std::size_t>(g.initializer_size()))));
    mutate_dims(*t.mutable_dims(), rng);
  } else if (what == 8 && g.input_size() > 0) {
    auto& shape = *g.mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape();
    if (shape.dim_size() > 0) {
      auto& d = *shape.mutable_dim(static_cast<int>(pick(rng, static_cast<std::size_t>(shape.dim_size()))));
      if (pick(rng, 5) == 0) d.set_dim_param("n");
      else d.set_dim_value(interesting_int(rng, d.dim_value()));
    }
  } else if (m.metadata_props_size() > 0 && !m.metadata_props(0).value().empty() && pick(rng, 2) == 0) {  // the block table's text
    std::string value = m.metadata_props(0).value();
    value.resize(value.size() + 16);
    value.resize(LLVMFuzzerMutate(reinterpret_cast<std::uint8_t*>(value.data()), value.size() - 16, value.size()));
    m.mutable_metadata_props(0)->set_value(value);
  } else if (m.opset_import_size() > 0) {
    m.mutable_opset_import(0)->set_version(static_cast<std::int64_t>(6 + pick(rng, 14)));
  }
}

}  // namespace

extern "C" std::size_t LLVMFuzzerCustomMutator(std::uint8_t* data, std::size_t size, std::size_t max_size,
                                               unsigned int seed) {
  Rng rng(seed);
  onnx::ModelProto model;
  if (pick(rng, 2) == 0 || !model.ParseFromArray(data, static_cast<int>(size)))
    return LLVMFuzzerMutate(data, size, max_size);
  for (std::size_t i = 0, n = 1 + pick(rng, 3); i < n; ++i) mutate_model(model, rng);
  std::string out;
  if (!model.SerializeToString(&out) || out.size() > max_size) return LLVMFuzzerMutate(data, size, max_size);
  std::memcpy(data, out.data(), out.size());
  return out.size();
}
