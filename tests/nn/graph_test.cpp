#include "nn/graph.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "common/error.hpp"
#include "nn/float_executor.hpp"
#include "nn/passes.hpp"

namespace fhecnn::nn {
namespace {

std::vector<double> ramp(std::size_t n, double scale, double offset) {
  std::vector<double> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = std::sin(scale * static_cast<double>(i)) + offset;
  return v;
}

// input 2x5x5 -> conv 3x3 (bias) -> BN -> ReLU -> conv 1x1 stride 2 -> BN -> Add(shortcut)
Graph small_graph() {
  Graph g;
  g.name = "small";
  const ValueId x = g.add_input("x", Shape{2, 5, 5});
  Conv2dSpec conv{2, 2, 3, 3, 1, 1, ramp(36, 0.9, 0.0), {0.25, -0.5}};
  const ValueId c = g.add_node("conv", conv, {x}, "c");
  BatchNormSpec bn{{1.5, 0.5}, {0.1, -0.2}, {0.3, -0.1}, {2.0, 0.5}, 1e-5};
  const ValueId b = g.add_node("bn", bn, {c}, "b");
  const ValueId r = g.add_node("relu", ReluSpec{}, {b}, "r");
  const ValueId d =
      g.add_node("down", Conv2dSpec{2, 2, 1, 1, 2, 0, ramp(4, 1.7, 0.1), {}}, {r}, "d");
  const ValueId e = g.add_node("bn2", bn, {d}, "e");
  const ValueId s = g.add_node("shortcut", DownsampleShortcutSpec{2, 0, 0}, {r}, "s");
  g.output = g.add_node("add", AddSpec{}, {e, s}, "y");
  return g;
}

Tensor small_input() { return Tensor(Shape{2, 5, 5}, ramp(50, 0.37, -0.2)); }

TEST(Graph, InfersShapesAndDescribesNodes) {
  const Graph g = small_graph();
  EXPECT_EQ(g.shape(g.output), (Shape{2, 3, 3}));
  EXPECT_NO_THROW(validate(g));
  const std::string text = describe(g);
  EXPECT_NE(text.find("conv: Conv2d(2x5x5) -> 2x5x5"), std::string::npos) << text;
  EXPECT_NE(text.find("add: Add(2x3x3, 2x3x3) -> 2x3x3"), std::string::npos) << text;
  ValueId relu_output = -1;
  for (std::size_t v = 0; v < g.values.size(); ++v) {
    if (g.values[v].name == "r") relu_output = static_cast<ValueId>(v);
  }
  EXPECT_EQ(g.consumers(relu_output).size(), 2u);  // the 1x1 convolution and the shortcut
}

TEST(Graph, ShapeErrorsNameTheNode) {
  Graph g;
  const ValueId x = g.add_input("x", Shape{2, 4, 4});
  const ValueId p = g.add_node("pool", GlobalAvgPoolSpec{}, {x}, "p");
  try {
    g.add_node("bad_add", AddSpec{}, {x, p}, "y");
    FAIL() << "no exception";
  } catch (const InvalidArgument& e) {
    EXPECT_STREQ(e.what(),
                 "cannot infer the shape of node bad_add: Add of different shapes 2x4x4 and 2x1x1");
  }
  EXPECT_THROW(g.add_node("bad_linear", LinearSpec{3, 1, {1, 2, 3}, {}}, {x}, "z"),
               InvalidArgument);
  EXPECT_THROW(g.add_node("bad_conv", Conv2dSpec{3, 1, 1, 1, 1, 0, {1, 2, 3}, {}}, {x}, "z"),
               InvalidArgument);
  EXPECT_THROW(g.add_input("again", Shape{1, 1, 1}), InvalidArgument);
}

TEST(Passes, FoldingIntoAConvolutionWithBiasKeepsTheOutput) {
  const Graph g = small_graph();
  Graph folded = g;
  EXPECT_EQ(fold_batch_norm(folded), 2u);
  EXPECT_EQ(count_nodes<BatchNormSpec>(folded), 0u);
  EXPECT_EQ(folded.nodes.front().name, "conv");
  const Tensor a = FloatExecutor(g).run(small_input());
  const Tensor b = FloatExecutor(folded).run(small_input());
  for (std::size_t i = 0; i < a.values.size(); ++i) EXPECT_NEAR(a.values[i], b.values[i], 1e-13);
}

TEST(Passes, BatchNormAfterANonConvolutionStays) {
  Graph g;
  const ValueId x = g.add_input("x", Shape{1, 2, 2});
  const ValueId r = g.add_node("relu", ReluSpec{}, {x}, "r");
  g.output = g.add_node("bn", BatchNormSpec{{2.0}, {1.0}, {0.0}, {1.0}, 0.0}, {r}, "y");
  EXPECT_EQ(fold_batch_norm(g), 0u);
  const Tensor y = FloatExecutor(g).run(Tensor(Shape{1, 2, 2}, {-1.0, 0.0, 1.0, 2.0}));
  EXPECT_EQ(y.values, (std::vector<double>{1.0, 1.0, 3.0, 5.0}));
}

}  // namespace
}  // namespace fhecnn::nn
