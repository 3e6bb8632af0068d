#include "nn/onnx_import.hpp"

#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "nn/float_executor.hpp"
#include "nn/passes.hpp"
#include "nn/shared_models.hpp"
#include "testing/onnx_builder.hpp"

namespace fhecnn::nn {
namespace {

using testing::add_float_attribute;
using testing::add_int64_constant;
using testing::add_int_attribute;
using testing::add_node;
using testing::empty_model;
using testing::fill_floats;

std::string import_error(const onnx::ModelProto& model, const std::string& source) {
  try {
    parse_onnx(model.SerializeAsString(), source);
  } catch (const FormatError& e) {
    return e.what();
  }
  return "(no FormatError)";
}

// x[1,2,4,4] -> Slice(::2, ::2 via Constants) -> Pad(1 channel each side) -> ReduceMean(2,3)
// -> Identity -> Relu -> Reshape([1,-1]) -> Gemm(alpha 2, beta 0.5) -> y[1,3].
onnx::ModelProto tiny_shortcut_model() {
  onnx::ModelProto model = empty_model({1, 2, 4, 4}, {1, 3});
  auto* g = model.mutable_graph();
  const std::int64_t max = std::numeric_limits<std::int64_t>::max();
  add_int64_constant(g, "starts", {0, 0});
  add_int64_constant(g, "ends", {max, max});
  add_int64_constant(g, "axes", {2, 3});
  add_int64_constant(g, "steps", {2, 2});
  add_node(g, "Slice", "/shortcut/Slice", {"x", "starts", "ends", "axes", "steps"}, "s");
  add_int64_constant(g, "pads", {0, 1, 0, 0, 0, 1, 0, 0});
  add_node(g, "Pad", "/shortcut/Pad", {"s", "pads"}, "p");
  auto* mean = add_node(g, "ReduceMean", "/pool/ReduceMean", {"p"}, "m");
  auto* axes = mean->add_attribute();
  axes->set_name("axes");
  axes->set_type(onnx::AttributeProto::INTS);
  axes->add_ints(2);
  axes->add_ints(3);
  add_node(g, "Identity", "/Identity", {"m"}, "i");
  add_node(g, "Relu", "/Relu", {"i"}, "r");
  add_int64_constant(g, "shape", {1, -1});
  add_node(g, "Reshape", "/Reshape", {"r", "shape"}, "f");
  fill_floats(g->add_initializer(), "B", {4, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
  fill_floats(g->add_initializer(), "C", {3}, {1, -1, 2});
  auto* gemm = add_node(g, "Gemm", "/linear/Gemm", {"f", "B", "C"}, "y");
  add_float_attribute(gemm, "alpha", 2.0f);
  add_float_attribute(gemm, "beta", 0.5f);
  return model;
}

double tiny_input(int c, int y, int x) { return c * 16 + y * 4 + x - 10.5; }

// The tiny model's output, computed by hand from its definition.
std::vector<double> tiny_expected() {
  std::vector<double> m(4, 0.0);  // channels 0 and 3 are padding
  for (int c = 0; c < 2; ++c) {
    m[c + 1] =
        (tiny_input(c, 0, 0) + tiny_input(c, 0, 2) + tiny_input(c, 2, 0) + tiny_input(c, 2, 2)) /
        4.0;
  }
  const double b[4][3] = {{1, 2, 3}, {4, 5, 6}, {7, 8, 9}, {10, 11, 12}};
  const double c[3] = {1, -1, 2};
  std::vector<double> y(3);
  for (int o = 0; o < 3; ++o) {
    y[o] = 0.5 * c[o];
    for (int k = 0; k < 4; ++k) y[o] += 2.0 * std::max(m[k], 0.0) * b[k][o];
  }
  return y;
}

Tensor tiny_input_tensor() {
  Tensor x(Shape{2, 4, 4});
  for (int c = 0; c < 2; ++c)
    for (int y = 0; y < 4; ++y)
      for (int col = 0; col < 4; ++col) x.at(c, y, col) = tiny_input(c, y, col);
  return x;
}

TEST(OnnxImport, TinyModelWithConstantsRunsAsDefined) {
  Graph graph = parse_onnx(tiny_shortcut_model().SerializeAsString(), "tiny");
  EXPECT_EQ(graph.shape(graph.input), (Shape{2, 4, 4}));
  EXPECT_EQ(graph.shape(graph.output), (Shape{3, 1, 1}));
  EXPECT_EQ(count_nodes<SliceSpec>(graph), 1u);
  EXPECT_EQ(count_nodes<PadSpec>(graph), 1u);
  const std::vector<double> expected = tiny_expected();
  const Tensor out = FloatExecutor(graph).run(tiny_input_tensor());
  ASSERT_EQ(out.values.size(), 3u);
  for (int o = 0; o < 3; ++o) EXPECT_NEAR(out.values[o], expected[o], 1e-12) << "output " << o;

  EXPECT_EQ(fuse_downsample_shortcuts(graph), 1u);
  EXPECT_EQ(count_nodes<DownsampleShortcutSpec>(graph), 1u);
  EXPECT_EQ(count_nodes<SliceSpec>(graph) + count_nodes<PadSpec>(graph), 0u);
  const Tensor fused = FloatExecutor(graph).run(tiny_input_tensor());
  for (int o = 0; o < 3; ++o) EXPECT_EQ(fused.values[o], out.values[o]);
}

TEST(OnnxImport, UnsupportedOpIsRejectedWithNodeNameAndType) {
  onnx::ModelProto model = empty_model({1, 2, 4, 4}, {1, 2, 4, 4});
  auto* g = model.mutable_graph();
  add_node(g, "Relu", "/stem/relu", {"x"}, "r");
  add_node(g, "Sigmoid", "/stem/my_sigmoid", {"r"}, "y");
  const std::string msg = import_error(model, "sigmoid.onnx");
  EXPECT_NE(msg.find("cannot import ONNX model sigmoid.onnx: node /stem/my_sigmoid (Sigmoid): "
                     "unsupported op type Sigmoid"),
            std::string::npos)
      << msg;
}

TEST(OnnxImport, UnsupportedAttributesAreRejectedWithNodeName) {
  onnx::ModelProto model = empty_model({1, 2, 4, 4}, {1, 2, 4, 4});
  auto* g = model.mutable_graph();
  fill_floats(g->add_initializer(), "w", {2, 1, 3, 3}, std::vector<float>(18, 0.5f));
  auto* conv = add_node(g, "Conv", "/grouped/Conv", {"x", "w"}, "y");
  add_int_attribute(conv, "group", 2);
  const std::string msg = import_error(model, "grouped.onnx");
  EXPECT_NE(msg.find("node /grouped/Conv (Conv): group 2 (only 1 is supported)"), std::string::npos)
      << msg;
}

TEST(OnnxImport, RejectsBytesThatAreNotAModel) {
  EXPECT_THROW(parse_onnx("definitely not protobuf \x01\x02\x03", "garbage"), FormatError);
  EXPECT_THROW(load_onnx("/nonexistent/model.onnx"), FormatError);
  onnx::ModelProto model = empty_model({1, 2, 4, 4}, {1, 2, 4, 4});  // y is never computed
  EXPECT_NE(import_error(model, "no-nodes").find("cannot import ONNX model no-nodes"),
            std::string::npos);
}

// Expected node counts of the paper's CIFAR ResNets (shared/models/README.md).
struct ModelFacts {
  std::string name;
  int depth;
  int classes;
  bool option_b;
};

class SharedModelImport : public ::testing::TestWithParam<ModelFacts> {};

TEST_P(SharedModelImport, HasTheResNetStructure) {
  const ModelFacts& m = GetParam();
  FHECNN_SKIP_IF_ABSENT(testing::shared_model(m.name));
  const Graph& graph = testing::shared_graph(m.name);
  const std::size_t blocks = static_cast<std::size_t>(m.depth - 2) / 6;
  const std::size_t shortcut_convs = m.option_b ? 2 : 0;
  EXPECT_EQ(graph.shape(graph.input), (Shape{3, 32, 32}));
  EXPECT_EQ(graph.shape(graph.output), (Shape{m.classes, 1, 1}));
  EXPECT_EQ(count_nodes<Conv2dSpec>(graph), m.depth - 1 + shortcut_convs);
  EXPECT_EQ(count_nodes<BatchNormSpec>(graph), m.depth - 1 + shortcut_convs);
  EXPECT_EQ(count_nodes<ReluSpec>(graph), static_cast<std::size_t>(m.depth - 1));
  EXPECT_EQ(count_nodes<AddSpec>(graph), 3 * blocks);
  EXPECT_EQ(count_nodes<SliceSpec>(graph), m.option_b ? 0u : 2u);
  EXPECT_EQ(count_nodes<PadSpec>(graph), m.option_b ? 0u : 2u);
  EXPECT_EQ(count_nodes<GlobalAvgPoolSpec>(graph), 1u);
  EXPECT_EQ(count_nodes<FlattenSpec>(graph), 1u);
  EXPECT_EQ(count_nodes<LinearSpec>(graph), 1u);
  EXPECT_NO_THROW(validate(graph));
}

INSTANTIATE_TEST_SUITE_P(PaperModels, SharedModelImport,
                         ::testing::Values(ModelFacts{"paper-resnet20-cifar10", 20, 10, false},
                                           ModelFacts{"paper-resnet32-cifar10", 32, 10, false},
                                           ModelFacts{"paper-resnet44-cifar10", 44, 10, false},
                                           ModelFacts{"paper-resnet56-cifar10", 56, 10, false},
                                           ModelFacts{"paper-resnet110-cifar10", 110, 10, false},
                                           ModelFacts{"paper-resnet32-cifar100", 32, 100, true}),
                         [](const auto& info) {
                           std::string name = info.param.name.substr(std::string("paper-").size());
                           for (char& ch : name) ch = ch == '-' ? '_' : ch;
                           return name;
                         });

}  // namespace
}  // namespace fhecnn::nn
