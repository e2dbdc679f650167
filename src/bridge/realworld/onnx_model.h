// The slice of ONNX's protobuf encoding the ONNX Runtime test needs: a
// writer for the small models the test builds, and a reader that takes a
// trained model apart (its operators, weights and constants) so the test can
// compute what the model computes without ONNX Runtime. Field numbers are
// those of onnx.proto (ModelProto, GraphProto, NodeProto, TensorProto,
// AttributeProto, ValueInfoProto). Only the encodings that PyTorch's
// exporter and this writer produce are read: float tensors in raw_data or
// float_data, little-endian.
#ifndef VMI_BRIDGE_REALWORLD_ONNX_MODEL_H_
#define VMI_BRIDGE_REALWORLD_ONNX_MODEL_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vmi::bridge::onnx {

inline constexpr int kFloat = 1;  // TensorProto.DataType FLOAT

// Appends protobuf fields to a message.
class Pb {
 public:
  Pb& Int(int field, uint64_t v);
  Pb& Str(int field, std::string_view s);
  Pb& Msg(int field, const Pb& m) { return Str(field, m.out_); }
  Pb& Floats(int field, const std::vector<float>& v);  // packed repeated float
  const std::string& bytes() const { return out_; }

 private:
  void Key(int field, int wire);
  void Varint(uint64_t v);
  std::string out_;
};

// One field of a message as read: `value` for varints and fixed-size
// fields, `bytes` for length-delimited ones (a view into the message).
struct PbField {
  int number = 0;
  int wire = 0;
  uint64_t value = 0;
  std::string_view bytes;
};
// The fields of `message` in order, or nullopt when it is not well formed.
std::optional<std::vector<PbField>> ReadFields(std::string_view message);

// Builders for the test's own models (opset 13, IR 8).
Pb Tensor(const std::string& name, const std::vector<int64_t>& dims,
          const std::vector<float>& values);
Pb ValueInfo(const std::string& name, const std::vector<int64_t>& dims);
Pb Node(const std::string& op, const std::vector<std::string>& in, const std::string& out);
Pb IntsAttribute(const std::string& name, const std::vector<int64_t>& v);
std::string Model(const Pb& graph);

// What a trained model holds, as far as the test reads it.
struct Graph {
  std::vector<std::string> ops;                       // node op_types, in order
  std::map<std::string, std::vector<float>> weights;  // initializers by name
  std::map<std::string, std::vector<int64_t>> dims;   // their shapes
  std::map<std::string, float> constants;             // scalar Constant nodes by output name
};
// nullopt when the model is not well formed or holds a non-float tensor.
std::optional<Graph> ReadGraph(std::string_view model);

// `model` with one more graph output, `name` (a float tensor of `dims`):
// ONNX Runtime returns only declared outputs, so an intermediate value is
// read by declaring it one. "" when the model is not well formed.
std::string WithOutput(std::string_view model, const std::string& name,
                       const std::vector<int64_t>& dims);

}  // namespace vmi::bridge::onnx

#endif  // VMI_BRIDGE_REALWORLD_ONNX_MODEL_H_
