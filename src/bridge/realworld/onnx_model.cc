#include "bridge/realworld/onnx_model.h"

#include <cstring>

namespace vmi::bridge::onnx {
namespace {

// onnx.proto field numbers.
enum : int {
  kModelGraph = 7,
  kGraphNode = 1,
  kGraphInitializer = 5,
  kGraphOutput = 12,
  kNodeOutput = 2,
  kNodeOpType = 4,
  kNodeAttribute = 5,
  kAttributeTensor = 5,
  kTensorDims = 1,
  kTensorDataType = 2,
  kTensorFloatData = 4,
  kTensorName = 8,
  kTensorRawData = 9,
};
enum : int { kVarint = 0, kFixed64 = 1, kBytes = 2, kFixed32 = 5 };

bool Varint(std::string_view in, size_t* pos, uint64_t* out) {
  *out = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (*pos >= in.size()) return false;
    const auto byte = static_cast<uint8_t>(in[(*pos)++]);
    *out |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if (byte < 0x80) return true;
  }
  return false;
}

struct TensorData {
  std::string name;
  std::vector<int64_t> dims;
  std::vector<float> values;
};

std::optional<TensorData> ReadTensor(std::string_view bytes) {
  auto fields = ReadFields(bytes);
  if (!fields) return std::nullopt;
  TensorData t;
  for (const PbField& f : *fields) {
    if (f.number == kTensorDims && f.wire == kVarint) {
      t.dims.push_back(static_cast<int64_t>(f.value));
    } else if (f.number == kTensorDataType && f.value != kFloat) {
      return std::nullopt;
    } else if (f.number == kTensorName) {
      t.name = std::string(f.bytes);
    } else if ((f.number == kTensorRawData || f.number == kTensorFloatData) && f.wire == kBytes) {
      if (f.bytes.size() % sizeof(float) != 0) return std::nullopt;
      const size_t old = t.values.size();
      t.values.resize(old + f.bytes.size() / sizeof(float));
      memcpy(t.values.data() + old, f.bytes.data(), f.bytes.size());
    } else if (f.number == kTensorFloatData && f.wire == kFixed32) {
      const auto bits = static_cast<uint32_t>(f.value);
      float v;
      memcpy(&v, &bits, sizeof v);
      t.values.push_back(v);
    }
  }
  return t;
}

}  // namespace

void Pb::Key(int field, int wire) {
  Varint(static_cast<uint64_t>(field) << 3 | static_cast<uint64_t>(wire));
}

void Pb::Varint(uint64_t v) {
  do {
    out_ += static_cast<char>((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
    v >>= 7;
  } while (v != 0);
}

Pb& Pb::Int(int field, uint64_t v) {
  Key(field, kVarint);
  Varint(v);
  return *this;
}

Pb& Pb::Str(int field, std::string_view s) {
  Key(field, kBytes);
  Varint(s.size());
  out_ += s;
  return *this;
}

Pb& Pb::Floats(int field, const std::vector<float>& v) {
  return Str(field,
             std::string_view(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float)));
}

std::optional<std::vector<PbField>> ReadFields(std::string_view message) {
  std::vector<PbField> fields;
  size_t pos = 0;
  while (pos < message.size()) {
    uint64_t key = 0;
    if (!Varint(message, &pos, &key) || key >> 3 == 0 || key >> 3 > (1u << 29)) return std::nullopt;
    PbField f;
    f.number = static_cast<int>(key >> 3);
    f.wire = static_cast<int>(key & 7);
    if (f.wire == kVarint) {
      if (!Varint(message, &pos, &f.value)) return std::nullopt;
    } else if (f.wire == kFixed64 || f.wire == kFixed32) {
      const size_t n = f.wire == kFixed64 ? 8 : 4;
      if (message.size() - pos < n) return std::nullopt;
      memcpy(&f.value, message.data() + pos, n);  // little-endian host
      pos += n;
    } else if (f.wire == kBytes) {
      uint64_t n = 0;
      if (!Varint(message, &pos, &n) || n > message.size() - pos) return std::nullopt;
      f.bytes = message.substr(pos, n);
      pos += n;
    } else {
      return std::nullopt;  // groups: not in ONNX
    }
    fields.push_back(f);
  }
  return fields;
}

Pb Tensor(const std::string& name, const std::vector<int64_t>& dims,
          const std::vector<float>& values) {
  Pb t;
  for (int64_t d : dims) t.Int(kTensorDims, static_cast<uint64_t>(d));
  t.Int(kTensorDataType, kFloat).Str(kTensorName, name).Floats(kTensorFloatData, values);
  return t;
}

Pb ValueInfo(const std::string& name, const std::vector<int64_t>& dims) {
  Pb shape;
  for (int64_t d : dims) shape.Msg(1, Pb().Int(1, static_cast<uint64_t>(d)));  // dim { dim_value }
  Pb tensor_type;
  tensor_type.Int(1, kFloat).Msg(2, shape);                   // elem_type, shape
  return Pb().Str(1, name).Msg(2, Pb().Msg(1, tensor_type));  // name, type { tensor_type }
}

Pb Node(const std::string& op, const std::vector<std::string>& in, const std::string& out) {
  Pb n;
  for (const auto& i : in) n.Str(1, i);
  n.Str(kNodeOutput, out).Str(kNodeOpType, op);
  return n;
}

Pb IntsAttribute(const std::string& name, const std::vector<int64_t>& v) {
  Pb a;
  a.Str(1, name);
  for (int64_t x : v) a.Int(8, static_cast<uint64_t>(x));
  return a.Int(20, 7);  // type INTS
}

std::string Model(const Pb& graph) {
  Pb m;
  // ir_version 8, producer_name, graph, opset_import { domain "", version 13 }
  m.Int(1, 8).Str(2, "vmi-bridge-test").Msg(kModelGraph, graph).Msg(8, Pb().Str(1, "").Int(2, 13));
  return m.bytes();
}

std::optional<Graph> ReadGraph(std::string_view model) {
  auto fields = ReadFields(model);
  if (!fields) return std::nullopt;
  Graph g;
  for (const PbField& mf : *fields) {
    if (mf.number != kModelGraph || mf.wire != kBytes) continue;
    auto graph = ReadFields(mf.bytes);
    if (!graph) return std::nullopt;
    for (const PbField& gf : *graph) {
      if (gf.wire != kBytes) continue;
      if (gf.number == kGraphInitializer) {
        auto t = ReadTensor(gf.bytes);
        if (!t) return std::nullopt;
        g.dims[t->name] = t->dims;
        g.weights[t->name] = std::move(t->values);
      } else if (gf.number == kGraphNode) {
        auto node = ReadFields(gf.bytes);
        if (!node) return std::nullopt;
        std::string op, out;
        std::optional<TensorData> value;
        for (const PbField& nf : *node) {
          if (nf.number == kNodeOpType) op = std::string(nf.bytes);
          if (nf.number == kNodeOutput && out.empty()) out = std::string(nf.bytes);
          if (nf.number != kNodeAttribute) continue;
          auto attribute = ReadFields(nf.bytes);
          if (!attribute) return std::nullopt;
          for (const PbField& af : *attribute) {
            if (af.number == kAttributeTensor && af.wire == kBytes) value = ReadTensor(af.bytes);
          }
        }
        g.ops.push_back(op);
        if (op == "Constant" && value && value->values.size() == 1)
          g.constants[out] = value->values[0];
      }
    }
  }
  return g;
}

std::string WithOutput(std::string_view model, const std::string& name,
                       const std::vector<int64_t>& dims) {
  auto fields = ReadFields(model);
  if (!fields) return "";
  // Fields are copied in order; the graph gets one more output at its end,
  // which protobuf merges into the repeated field like any other.
  Pb out;
  for (const PbField& f : *fields) {
    if (f.wire == kVarint) {
      out.Int(f.number, f.value);
    } else if (f.wire == kBytes) {
      if (f.number == kModelGraph) {
        Pb graph;
        graph.Msg(kGraphOutput, ValueInfo(name, dims));
        out.Str(f.number, std::string(f.bytes) + graph.bytes());
      } else {
        out.Str(f.number, f.bytes);
      }
    } else {
      return "";  // ModelProto has no fixed-size fields
    }
  }
  return out.bytes();
}

}  // namespace vmi::bridge::onnx
