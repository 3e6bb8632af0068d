// The typed graph IR of a CNN (ARCHITECTURE.md §3): nodes carry typed layer specs, values carry
// shapes of one image (the batch axis is implicit). Importers build it, passes rewrite it
// (nn/passes.hpp), executors run it (nn/float_executor.hpp).
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <variant>
#include <vector>

#include "nn/tensor.hpp"

namespace fhecnn::nn {

// 2-D convolution, cross-correlation as in PyTorch/ONNX, zero padding, group 1, dilation 1.
struct Conv2dSpec {
  int in_channels = 0;
  int out_channels = 0;
  int kernel_height = 0;
  int kernel_width = 0;
  int stride = 1;               // same along rows and columns
  int padding = 0;              // zero rows/columns added on each of the four sides
  std::vector<double> weights;  // out_channels x in_channels x kernel_height x kernel_width (OIHW)
  std::vector<double> bias;     // out_channels values, or empty for no bias
};

// Inference batch normalisation: y = (x - mean) / sqrt(variance + epsilon) * scale + shift,
// per channel (ONNX BatchNormalization with running statistics).
struct BatchNormSpec {
  std::vector<double> scale;  // gamma
  std::vector<double> shift;  // beta
  std::vector<double> mean;
  std::vector<double> variance;
  double epsilon = 1e-5;
  int channels() const { return static_cast<int>(scale.size()); }
};

// Exact ReLU. input_bound is the bound B on |input| that a polynomial approximation must cover
// (set by set_relu_bounds in nn/passes.hpp from calibration data; 0 = not calibrated).
struct ReluSpec {
  double input_bound = 0.0;
};

// Elementwise sum of two tensors of the same shape (residual addition).
struct AddSpec {};

// Range [start, end) with step along one axis; end is clamped to the axis length.
struct AxisSlice {
  int start = 0;
  int end = 0;
  int step = 1;
};

// Strided slice on the channel, row and column axes (index 0, 1, 2). Steps are positive.
struct SliceSpec {
  std::array<AxisSlice, 3> axes{};
};

// Constant padding on the channel, row and column axes: before[a] and after[a] entries of `value`.
struct PadSpec {
  std::array<int, 3> before{0, 0, 0};
  std::array<int, 3> after{0, 0, 0};
  double value = 0.0;
};

// Option-A downsampling shortcut of the CIFAR ResNets (PAPER.md §10.1), the fusion of
// Slice(rows and columns ::stride) + Pad(channels): out[c + channels_before][a][b] =
// in[c][stride*a][stride*b]; the first channels_before and last channels_after outputs are zero.
struct DownsampleShortcutSpec {
  int stride = 2;
  int channels_before = 0;
  int channels_after = 0;
};

// Mean over each channel's plane: CxHxW -> Cx1x1.
struct GlobalAvgPoolSpec {};

// CxHxW -> (C*H*W)x1x1, values unchanged (channel-major order).
struct FlattenSpec {};

// Fully connected layer: y = weights * x + bias.
struct LinearSpec {
  int in_features = 0;
  int out_features = 0;
  std::vector<double> weights;  // out_features x in_features, row-major
  std::vector<double> bias;     // out_features values, or empty for no bias
};

using LayerSpec = std::variant<Conv2dSpec, BatchNormSpec, ReluSpec, AddSpec, SliceSpec, PadSpec,
                               DownsampleShortcutSpec, GlobalAvgPoolSpec, FlattenSpec, LinearSpec>;

// Short op name of a spec: "Conv2d", "BatchNorm", "Relu", "Add", "Slice", "Pad",
// "DownsampleShortcut", "GlobalAvgPool", "Flatten", "Linear".
const char* op_name(const LayerSpec& spec);

// Index of a value (a tensor) in Graph::values.
using ValueId = int;

struct Value {
  std::string name;
  Shape shape;
};

struct Node {
  std::string name;  // from the importer (e.g. the ONNX node name), used in every message
  LayerSpec spec;
  std::vector<ValueId> inputs;
  ValueId output = -1;
};

// Output shape of `spec` on inputs of the given shapes. Throws InvalidArgument
// ("cannot infer the shape of node <name>: ...") on a wrong input count, mismatched channels,
// an empty result or inconsistent spec sizes (weights, bias, BN vectors).
Shape infer_shape(const std::string& node_name, const LayerSpec& spec,
                  const std::vector<Shape>& inputs);

// A single-input, single-output network over one image. Nodes are kept in topological order:
// a node reads only the graph input and outputs of earlier nodes.
struct Graph {
  std::string name;
  std::vector<Value> values;
  std::vector<Node> nodes;
  ValueId input = -1;
  ValueId output = -1;

  // Declares the graph input. Throws InvalidArgument if the shape is invalid or an input exists.
  ValueId add_input(const std::string& value_name, Shape shape);
  // Appends a node, infers its output shape (see infer_shape) and returns the output value.
  // Throws InvalidArgument for an undefined input value or a shape error.
  ValueId add_node(const std::string& node_name, LayerSpec spec, std::vector<ValueId> inputs,
                   const std::string& output_name);

  const Shape& shape(ValueId id) const { return values[static_cast<std::size_t>(id)].shape; }
  // Indices of the nodes that read value `id`.
  std::vector<std::size_t> consumers(ValueId id) const;
};

// Checks the invariants: input and output set, topological order, every shape re-inferred equal.
// Throws InvalidArgument naming the first offending node.
void validate(const Graph& graph);

// Number of nodes holding a spec of type Spec.
template <typename Spec>
std::size_t count_nodes(const Graph& graph) {
  std::size_t n = 0;
  for (const Node& node : graph.nodes) n += std::holds_alternative<Spec>(node.spec) ? 1 : 0;
  return n;
}

// One line per node: "name: Op(in shapes) -> out shape".
std::string describe(const Graph& graph);

}  // namespace fhecnn::nn
