// An ML runtime as Android apps ship it: ONNX Runtime 1.17.1's
// libonnxruntime.so from the sherpa-onnx AAR inside
// react-native-sherpa-onnx-offline-tts (npm), loaded from jni/<abi>/ of the
// AAR and driven through ORT's C API. Every output is checked against the
// same arithmetic done here in double precision, without ORT:
//  * a trained model, openwakeword-js's "hello deepa" wake-word classifier
//    (npm; a PyTorch export of three dense layers with layer norms, 2400
//    inputs), recomputed from the weights read out of the model file;
//  * models the test writes (ONNX is protobuf, see onnx_model.h): a dense
//    layer (Gemm, Relu, Softmax) and a 3x3 convolution with padding, which
//    run in ORT's MLAS kernels on its thread pool.
// A damaged model and a wrong input name give ORT's own error codes and
// messages (C++ exceptions thrown and caught inside the bridged library).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "base/file.h"
#include "bridge/bridge.h"
#include "bridge/realworld/onnx_model.h"
#include "bridge/testing/test_objects.h"

namespace vmi::bridge {
namespace {

using onnx::IntsAttribute;
using onnx::kFloat;
using onnx::Model;
using onnx::Node;
using onnx::Pb;
using onnx::Tensor;
using onnx::ValueInfo;

// --- the slice of ORT's C ABI used here ---------------------------------------------
// OrtApi is a table of function pointers that only ever grows at the end;
// the indices below are those of onnxruntime_c_api.h (stable since API 1).
struct OrtApiBase {
  const void* (*GetApi)(uint32_t version);
  const char* (*GetVersionString)();
};
using Status = void*;  // OrtStatus*, NULL on success
enum Slot : size_t {
  kGetErrorCode = 1,
  kGetErrorMessage = 2,
  kCreateEnv = 3,
  kCreateSessionFromArray = 8,
  kRun = 9,
  kCreateSessionOptions = 10,
  kSetIntraOpNumThreads = 24,
  kSessionGetInputCount = 30,
  kSessionGetOutputCount = 31,
  kCreateTensorWithDataAsOrtValue = 49,
  kGetTensorMutableData = 51,
  kCreateCpuMemoryInfo = 69,
  kReleaseEnv = 92,
  kReleaseStatus = 93,
  kReleaseMemoryInfo = 94,
  kReleaseSession = 95,
  kReleaseValue = 96,
  kReleaseSessionOptions = 100,
};
constexpr uint32_t kApiVersion = 17;                       // ORT 1.17
constexpr int kInvalidArgument = 2, kInvalidProtobuf = 7;  // OrtErrorCode

std::vector<float> Ramp(size_t n, float scale, float offset) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = std::sin(static_cast<float>(i) * scale + offset);
  return v;
}

class OnnxRuntimeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::string aar = testing::AndroidTargetsDir() + "/onnx/sherpa-onnx-1.10.35.aar";
    handle_ =
        bridge_dlopen((aar + "!libonnxruntime.so").c_str(), BRIDGE_RTLD_NOW | BRIDGE_RTLD_NODELETE);
    if (handle_ == nullptr) {
      error_ = bridge_dlerror();
      return;
    }
    auto base = reinterpret_cast<const OrtApiBase* (*)()>(bridge_dlsym(handle_, "OrtGetApiBase"));
    if (base == nullptr) return;
    base_ = base();
    api_ = static_cast<void* const*>(base_->GetApi(kApiVersion));
    if (api_ == nullptr) return;
    Check(F<Status (*)(int, const char*, void**)>(kCreateEnv)(2 /* warning */, "vmi-bridge-test",
                                                              &env_));
  }
  void SetUp() override {
    ASSERT_NE(handle_, nullptr) << error_;
    ASSERT_NE(api_, nullptr);
    ASSERT_NE(env_, nullptr);
  }
  template <typename Fn>
  static Fn F(Slot s) {
    return reinterpret_cast<Fn>(api_[s]);
  }
  // "" for success, else "<code>: <message>" (the status released).
  static std::string Check(Status st) {
    if (st == nullptr) return "";
    std::string out = std::to_string(F<int (*)(Status)>(kGetErrorCode)(st)) + ": " +
                      F<const char* (*)(Status)>(kGetErrorMessage)(st);
    F<void (*)(Status)>(kReleaseStatus)(st);
    return out;
  }
  static std::string Session(const std::string& model, void** session) {
    void* options = nullptr;
    std::string err = Check(F<Status (*)(void**)>(kCreateSessionOptions)(&options));
    if (!err.empty()) return err;
    err = Check(F<Status (*)(void*, int)>(kSetIntraOpNumThreads)(options, 2));
    if (err.empty()) {
      err = Check(F<Status (*)(void*, const void*, size_t, void*, void**)>(kCreateSessionFromArray)(
          env_, model.data(), model.size(), options, session));
    }
    F<void (*)(void*)>(kReleaseSessionOptions)(options);
    return err;
  }
  // Runs one float input through the session; the output's `n` floats.
  static std::string Run(void* session, const char* input_name, std::vector<float> input,
                         const std::vector<int64_t>& shape, const char* output_name, size_t n,
                         std::vector<float>* out) {
    void* memory = nullptr;
    std::string err =
        Check(F<Status (*)(int, int, void**)>(kCreateCpuMemoryInfo)(0 /* device */, 0, &memory));
    if (!err.empty()) return err;
    void* value = nullptr;
    err = Check(F<Status (*)(void*, void*, size_t, const int64_t*, size_t, int, void**)>(
        kCreateTensorWithDataAsOrtValue)(memory, input.data(), input.size() * sizeof(float),
                                         shape.data(), shape.size(), kFloat, &value));
    void* result = nullptr;
    if (err.empty()) {
      err = Check(F<Status (*)(void*, void*, const char* const*, void* const*, size_t,
                               const char* const*, size_t, void**)>(kRun)(
          session, nullptr, &input_name, &value, 1, &output_name, 1, &result));
    }
    if (err.empty()) {
      float* data = nullptr;
      err = Check(F<Status (*)(void*, void**)>(kGetTensorMutableData)(
          result, reinterpret_cast<void**>(&data)));
      if (err.empty()) out->assign(data, data + n);
    }
    if (result != nullptr) F<void (*)(void*)>(kReleaseValue)(result);
    if (value != nullptr) F<void (*)(void*)>(kReleaseValue)(value);
    F<void (*)(void*)>(kReleaseMemoryInfo)(memory);
    return err;
  }

  static inline void* handle_ = nullptr;
  static inline std::string error_;
  static inline const OrtApiBase* base_ = nullptr;
  static inline void* const* api_ = nullptr;
  static inline void* env_ = nullptr;
};

TEST_F(OnnxRuntimeTest, IsOnnxRuntime1_17) { EXPECT_STREQ(base_->GetVersionString(), "1.17.1"); }

// --- the trained model, computed here ------------------------------------------
// Gemm with transB = 1, as PyTorch exports nn.Linear: w is [out][in].
std::vector<double> Dense(const std::vector<double>& x, const std::vector<float>& w,
                          const std::vector<float>& b) {
  std::vector<double> y(b.size());
  for (size_t o = 0; o < b.size(); ++o) {
    double acc = b[o];
    for (size_t i = 0; i < x.size(); ++i) acc += x[i] * w[o * x.size() + i];
    y[o] = acc;
  }
  return y;
}

// nn.LayerNorm as exported (ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt,
// Div, Mul, Add), then Relu. The exponent and epsilon are the model's own
// Constant nodes.
std::vector<double> NormRelu(std::vector<double> h, const onnx::Graph& g,
                             const std::string& scope) {
  const double power = g.constants.at(scope + "/Constant_output_0");
  const double eps = g.constants.at(scope + "/Constant_1_output_0");
  const std::string module = scope.substr(1);  // "/blocks.0/layer_norm" -> "blocks.0/layer_norm"
  std::string prefix = module;
  std::replace(prefix.begin(), prefix.end(), '/', '.');
  const std::vector<float>& gamma = g.weights.at(prefix + ".weight");
  const std::vector<float>& beta = g.weights.at(prefix + ".bias");
  double mean = 0, var = 0;
  for (double v : h) mean += v;
  mean /= double(h.size());
  for (double v : h) var += std::pow(v - mean, power);
  var /= double(h.size());
  for (size_t i = 0; i < h.size(); ++i)
    h[i] = std::max((h[i] - mean) / std::sqrt(var + eps) * gamma[i] + beta[i], 0.0);
  return h;
}

double WakeWordLogit(const onnx::Graph& g, const std::vector<float>& input) {
  std::vector<double> x(input.begin(), input.end());
  x = NormRelu(Dense(x, g.weights.at("layer1.weight"), g.weights.at("layer1.bias")), g,
               "/layernorm1");
  x = NormRelu(
      Dense(x, g.weights.at("blocks.0.fcn_layer.weight"), g.weights.at("blocks.0.fcn_layer.bias")),
      g, "/blocks.0/layer_norm");
  return Dense(x, g.weights.at("last_layer.weight"), g.weights.at("last_layer.bias"))[0];
}

TEST_F(OnnxRuntimeTest, TrainedModelMatchesItsWeightsComputedHere) {
  auto model = ReadFile(testing::AndroidTargetsDir() + "/onnx/hello_deepa.onnx");
  ASSERT_TRUE(model.ok()) << model.error().ToString();
  auto graph = onnx::ReadGraph(*model);
  ASSERT_TRUE(graph.has_value());
  // The layout the computation above assumes: were the file another
  // model, this says so instead of comparing unlike things.
  const std::vector<std::string> block = {"ReduceMean", "Sub",      "Constant", "Pow",
                                          "ReduceMean", "Constant", "Add",      "Sqrt",
                                          "Div",        "Mul",      "Add",      "Relu"};
  std::vector<std::string> ops = {"Flatten", "Gemm"};
  ops.insert(ops.end(), block.begin(), block.end());
  ops.push_back("Gemm");
  ops.insert(ops.end(), block.begin(), block.end());
  ops.insert(ops.end(), {"Gemm", "Sigmoid"});
  ASSERT_EQ(graph->ops, ops);
  ASSERT_EQ(graph->dims.at("layer1.weight"), (std::vector<int64_t>{32, 2400}));
  ASSERT_EQ(graph->dims.at("last_layer.weight"), (std::vector<int64_t>{1, 32}));

  // The logit before the Sigmoid is declared an output too, so that the
  // comparison does not vanish where the Sigmoid saturates.
  const std::string logit_name = "/last_layer/Gemm_output_0";
  void* session = nullptr;
  ASSERT_EQ(Session(onnx::WithOutput(*model, logit_name, {1, 1}), &session), "");
  std::vector<double> logits;
  for (int k = 0; k < 6; ++k) {
    // 25 frames of 96 openWakeWord embedding features, varied per run.
    std::vector<float> x = Ramp(25 * 96, 0.05f + 0.11f * float(k), float(k));
    for (float& v : x) v = v * (0.5f + float(k)) - 3.0f + 1.2f * float(k);
    std::vector<float> probability, logit;
    ASSERT_EQ(Run(session, "onnx::Flatten_0", x, {1, 25, 96}, "39", 1, &probability), "");
    ASSERT_EQ(Run(session, "onnx::Flatten_0", x, {1, 25, 96}, logit_name.c_str(), 1, &logit), "");
    const double want = WakeWordLogit(*graph, x);
    EXPECT_NEAR(logit[0], want, 1e-4 * std::max(1.0, std::fabs(want))) << "input " << k;
    EXPECT_NEAR(probability[0], 1 / (1 + std::exp(-want)), 1e-6) << "input " << k;
    logits.push_back(want);
  }
  // The inputs reach both sides of the decision, so the check covers the
  // whole network rather than a constant.
  EXPECT_LT(*std::min_element(logits.begin(), logits.end()), 0) << ::testing::PrintToString(logits);
  EXPECT_GT(*std::max_element(logits.begin(), logits.end()), 0) << ::testing::PrintToString(logits);
  F<void (*)(void*)>(kReleaseSession)(session);
}

TEST_F(OnnxRuntimeTest, DenseLayerMatchesTheArithmetic) {
  // Y = Softmax(Relu(X W + B)), X 3x8, W 8x5, B 5.
  const size_t rows = 3, in = 8, out = 5;
  const std::vector<float> w = Ramp(in * out, 0.37f, 0.1f), b = Ramp(out, 1.3f, 0.5f),
                           x = Ramp(rows * in, 0.71f, 2.0f);
  Pb graph;
  graph.Msg(1, Node("Gemm", {"X", "W", "B"}, "H"))
      .Msg(1, Node("Relu", {"H"}, "R"))
      .Msg(1, Node("Softmax", {"R"}, "Y"))
      .Str(2, "dense")
      .Msg(5, Tensor("W", {int64_t(in), int64_t(out)}, w))
      .Msg(5, Tensor("B", {int64_t(out)}, b))
      .Msg(11, ValueInfo("X", {int64_t(rows), int64_t(in)}))
      .Msg(12, ValueInfo("Y", {int64_t(rows), int64_t(out)}));
  void* session = nullptr;
  ASSERT_EQ(Session(Model(graph), &session), "");
  size_t count = 0;
  EXPECT_EQ(Check(F<Status (*)(void*, size_t*)>(kSessionGetInputCount)(session, &count)), "");
  EXPECT_EQ(count, 1u);
  EXPECT_EQ(Check(F<Status (*)(void*, size_t*)>(kSessionGetOutputCount)(session, &count)), "");
  EXPECT_EQ(count, 1u);
  std::vector<float> y;
  ASSERT_EQ(Run(session, "X", x, {int64_t(rows), int64_t(in)}, "Y", rows * out, &y), "");
  for (size_t r = 0; r < rows; ++r) {
    std::vector<double> h(out);
    double sum = 0;
    for (size_t j = 0; j < out; ++j) {
      double acc = b[j];
      for (size_t k = 0; k < in; ++k) acc += double(x[r * in + k]) * w[k * out + j];
      h[j] = std::exp(std::max(acc, 0.0));
      sum += h[j];
    }
    double total = 0;
    for (size_t j = 0; j < out; ++j) {
      EXPECT_NEAR(y[r * out + j], h[j] / sum, 1e-6) << "row " << r << " column " << j;
      total += y[r * out + j];
    }
    EXPECT_NEAR(total, 1.0, 1e-5);
  }
  F<void (*)(void*)>(kReleaseSession)(session);
}

TEST_F(OnnxRuntimeTest, ConvolutionMatchesTheArithmetic) {
  // 1x1x16x16 image, two 3x3 kernels, padding 1: 1x2x16x16.
  const int64_t size = 16, kernels = 2;
  const std::vector<float> image = Ramp(size * size, 0.13f, 0.0f),
                           k = Ramp(kernels * 9, 0.9f, 1.0f), bias = {0.25f, -0.5f};
  Pb conv = Node("Conv", {"I", "K", "C"}, "O");
  conv.Msg(5, IntsAttribute("pads", {1, 1, 1, 1})).Msg(5, IntsAttribute("kernel_shape", {3, 3}));
  Pb graph;
  graph.Msg(1, conv)
      .Str(2, "conv")
      .Msg(5, Tensor("K", {kernels, 1, 3, 3}, k))
      .Msg(5, Tensor("C", {kernels}, bias))
      .Msg(11, ValueInfo("I", {1, 1, size, size}))
      .Msg(12, ValueInfo("O", {1, kernels, size, size}));
  void* session = nullptr;
  ASSERT_EQ(Session(Model(graph), &session), "");
  std::vector<float> o;
  ASSERT_EQ(Run(session, "I", image, {1, 1, size, size}, "O", size_t(kernels * size * size), &o),
            "");
  for (int64_t c = 0; c < kernels; ++c) {
    for (int64_t y = 0; y < size; ++y) {
      for (int64_t x = 0; x < size; ++x) {
        double acc = bias[size_t(c)];
        for (int64_t dy = -1; dy <= 1; ++dy) {
          for (int64_t dx = -1; dx <= 1; ++dx) {
            if (y + dy < 0 || y + dy >= size || x + dx < 0 || x + dx >= size) continue;
            acc += double(image[size_t((y + dy) * size + x + dx)]) *
                   k[size_t(c * 9 + (dy + 1) * 3 + dx + 1)];
          }
        }
        EXPECT_NEAR(o[size_t((c * size + y) * size + x)], acc, 1e-5) << c << " " << y << " " << x;
      }
    }
  }
  F<void (*)(void*)>(kReleaseSession)(session);
}

TEST_F(OnnxRuntimeTest, BadModelsAndInputsGiveOrtErrors) {
  void* session = nullptr;
  const std::string junk = "this is not a protobuf model \xff\xff\xff\xff";
  const std::string err = Session(junk, &session);
  EXPECT_EQ(err.rfind(std::to_string(kInvalidProtobuf) + ": ", 0), 0u) << err;
  EXPECT_EQ(session, nullptr);

  Pb graph;
  graph.Msg(1, Node("Relu", {"X"}, "Y"))
      .Str(2, "relu")
      .Msg(11, ValueInfo("X", {4}))
      .Msg(12, ValueInfo("Y", {4}));
  ASSERT_EQ(Session(Model(graph), &session), "");
  std::vector<float> y;
  ASSERT_EQ(Run(session, "X", {-1, 2, -3, 4}, {4}, "Y", 4, &y), "");
  EXPECT_EQ(y, (std::vector<float>{0, 2, 0, 4}));
  const std::string wrong = Run(session, "Z", {1, 2, 3, 4}, {4}, "Y", 4, &y);
  EXPECT_EQ(wrong.rfind(std::to_string(kInvalidArgument) + ": ", 0), 0u) << wrong;
  EXPECT_NE(wrong.find("Z"), std::string::npos) << wrong;
  const std::string shape = Run(session, "X", {1, 2, 3}, {3}, "Y", 3, &y);
  EXPECT_EQ(shape.rfind(std::to_string(kInvalidArgument) + ": ", 0), 0u) << shape;
  F<void (*)(void*)>(kReleaseSession)(session);
}

}  // namespace
}  // namespace vmi::bridge
