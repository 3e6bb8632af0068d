#include "nn/graph.hpp"

#include <algorithm>
#include <sstream>

#include "common/error.hpp"

namespace fhecnn::nn {
namespace {

struct OpNameOf {
  const char* operator()(const Conv2dSpec&) const { return "Conv2d"; }
  const char* operator()(const BatchNormSpec&) const { return "BatchNorm"; }
  const char* operator()(const ReluSpec&) const { return "Relu"; }
  const char* operator()(const AddSpec&) const { return "Add"; }
  const char* operator()(const SliceSpec&) const { return "Slice"; }
  const char* operator()(const PadSpec&) const { return "Pad"; }
  const char* operator()(const DownsampleShortcutSpec&) const { return "DownsampleShortcut"; }
  const char* operator()(const GlobalAvgPoolSpec&) const { return "GlobalAvgPool"; }
  const char* operator()(const FlattenSpec&) const { return "Flatten"; }
  const char* operator()(const LinearSpec&) const { return "Linear"; }
};

// Output length of a convolution or pooling window along one axis.
int window_output(int length, int kernel, int stride, int padding) {
  const int span = length + 2 * padding - kernel;
  return span < 0 ? 0 : span / stride + 1;
}

// Infers one spec's output shape from its single input (`what` names the node in errors).
struct ShapeOf {
  const std::string& what;
  const Shape& in;

  Shape operator()(const Conv2dSpec& s) const {
    require(s.in_channels == in.channels, what, "convolution expects ", s.in_channels,
            " input channels, got shape ", in);
    require(s.out_channels > 0 && s.kernel_height > 0 && s.kernel_width > 0 && s.stride > 0 &&
                s.padding >= 0,
            what, "invalid convolution sizes");
    const std::size_t expected =
        static_cast<std::size_t>(s.out_channels) * s.in_channels * s.kernel_height * s.kernel_width;
    require(s.weights.size() == expected, what, "convolution has ", s.weights.size(),
            " weights, expected ", expected);
    require(s.bias.empty() || s.bias.size() == static_cast<std::size_t>(s.out_channels), what,
            "convolution has ", s.bias.size(), " biases for ", s.out_channels, " output channels");
    return {s.out_channels, window_output(in.height, s.kernel_height, s.stride, s.padding),
            window_output(in.width, s.kernel_width, s.stride, s.padding)};
  }
  Shape operator()(const BatchNormSpec& s) const {
    const std::size_t c = static_cast<std::size_t>(in.channels);
    require(
        s.scale.size() == c && s.shift.size() == c && s.mean.size() == c && s.variance.size() == c,
        what, "batch norm vectors have sizes ", s.scale.size(), "/", s.shift.size(), "/",
        s.mean.size(), "/", s.variance.size(), " for ", c, " channels");
    return in;
  }
  Shape operator()(const ReluSpec&) const { return in; }
  Shape operator()(const AddSpec&) const { return in; }
  Shape operator()(const SliceSpec& s) const {
    const std::array<int, 3> length{in.channels, in.height, in.width};
    std::array<int, 3> out{};
    for (std::size_t a = 0; a < 3; ++a) {
      const AxisSlice& r = s.axes[a];
      require(r.step > 0 && r.start >= 0, what, "slice on axis ", a, " has start ", r.start,
              " and step ", r.step, " (need start >= 0, step > 0)");
      const int end = std::min(r.end, length[a]);
      out[a] = end > r.start ? (end - r.start + r.step - 1) / r.step : 0;
    }
    return {out[0], out[1], out[2]};
  }
  Shape operator()(const PadSpec& s) const {
    for (std::size_t a = 0; a < 3; ++a) {
      require(s.before[a] >= 0 && s.after[a] >= 0, what, "negative padding on axis ", a);
    }
    return {in.channels + s.before[0] + s.after[0], in.height + s.before[1] + s.after[1],
            in.width + s.before[2] + s.after[2]};
  }
  Shape operator()(const DownsampleShortcutSpec& s) const {
    require(s.stride > 0 && s.channels_before >= 0 && s.channels_after >= 0, what,
            "invalid downsampling shortcut (stride ", s.stride, ")");
    return {in.channels + s.channels_before + s.channels_after,
            (in.height + s.stride - 1) / s.stride, (in.width + s.stride - 1) / s.stride};
  }
  Shape operator()(const GlobalAvgPoolSpec&) const { return {in.channels, 1, 1}; }
  Shape operator()(const FlattenSpec&) const { return {static_cast<int>(in.size()), 1, 1}; }
  Shape operator()(const LinearSpec& s) const {
    require(in.size() == static_cast<std::size_t>(s.in_features) && in.height == 1 && in.width == 1,
            what, "linear layer expects a flat input of ", s.in_features, " features, got ", in);
    require(s.weights.size() == static_cast<std::size_t>(s.in_features) * s.out_features, what,
            "linear layer has ", s.weights.size(), " weights for ", s.out_features, "x",
            s.in_features);
    require(s.bias.empty() || s.bias.size() == static_cast<std::size_t>(s.out_features), what,
            "linear layer has ", s.bias.size(), " biases for ", s.out_features, " outputs");
    return {s.out_features, 1, 1};
  }
};

}  // namespace

std::ostream& operator<<(std::ostream& os, const Shape& shape) {
  return os << shape.channels << "x" << shape.height << "x" << shape.width;
}

const char* op_name(const LayerSpec& spec) { return std::visit(OpNameOf{}, spec); }

Shape infer_shape(const std::string& node_name, const LayerSpec& spec,
                  const std::vector<Shape>& inputs) {
  const std::string what = "infer the shape of node " + node_name;
  const std::size_t arity = std::holds_alternative<AddSpec>(spec) ? 2 : 1;
  require(inputs.size() == arity, what, op_name(spec), " takes ", arity, " inputs, got ",
          inputs.size());
  if (arity == 2) {
    require(inputs[0] == inputs[1], what, "Add of different shapes ", inputs[0], " and ",
            inputs[1]);
  }
  const Shape out = std::visit(ShapeOf{what, inputs[0]}, spec);
  require(out.is_valid(), what, op_name(spec), " of ", inputs[0], " gives the empty shape ", out);
  return out;
}

ValueId Graph::add_input(const std::string& value_name, Shape shape) {
  if (input >= 0) {
    fail("add graph input " + value_name, "the graph already has input ",
         values[static_cast<std::size_t>(input)].name);
  }
  require(shape.is_valid(), "add graph input " + value_name, "invalid shape ", shape);
  values.push_back({value_name, shape});
  input = static_cast<ValueId>(values.size()) - 1;
  return input;
}

ValueId Graph::add_node(const std::string& node_name, LayerSpec spec, std::vector<ValueId> inputs,
                        const std::string& output_name) {
  std::vector<Shape> shapes;
  for (ValueId id : inputs) {
    require(id >= 0 && static_cast<std::size_t>(id) < values.size(), "add node " + node_name,
            "input value ", id, " is not defined");
    shapes.push_back(shape(id));
  }
  const Shape out = infer_shape(node_name, spec, shapes);
  values.push_back({output_name, out});
  const ValueId id = static_cast<ValueId>(values.size()) - 1;
  nodes.push_back({node_name, std::move(spec), std::move(inputs), id});
  return id;
}

std::vector<std::size_t> Graph::consumers(ValueId id) const {
  std::vector<std::size_t> out;
  for (std::size_t n = 0; n < nodes.size(); ++n) {
    for (ValueId in : nodes[n].inputs) {
      if (in == id) {
        out.push_back(n);
        break;
      }
    }
  }
  return out;
}

void validate(const Graph& graph) {
  const std::size_t count = graph.values.size();
  auto in_range = [count](ValueId id) { return id >= 0 && static_cast<std::size_t>(id) < count; };
  require(in_range(graph.input) && in_range(graph.output), "validate graph " + graph.name, "input ",
          graph.input, " or output ", graph.output, " is not a value");
  std::vector<bool> defined(count, false);
  defined[static_cast<std::size_t>(graph.input)] = true;
  for (const Node& node : graph.nodes) {
    const std::string what = "validate graph " + graph.name + " at node " + node.name;
    std::vector<Shape> shapes;
    for (ValueId in : node.inputs) {
      require(in_range(in) && defined[static_cast<std::size_t>(in)], what, "input value ", in,
              " is not defined before the node");
      shapes.push_back(graph.shape(in));
    }
    require(in_range(node.output) && !defined[static_cast<std::size_t>(node.output)], what,
            "output value ", node.output, " is invalid or defined twice");
    const Shape out = infer_shape(node.name, node.spec, shapes);
    require(out == graph.shape(node.output), what, "recorded shape ", graph.shape(node.output),
            " differs from the inferred ", out);
    defined[static_cast<std::size_t>(node.output)] = true;
  }
  require(defined[static_cast<std::size_t>(graph.output)], "validate graph " + graph.name,
          "the output value ", graph.values[static_cast<std::size_t>(graph.output)].name,
          " is never computed");
}

std::string describe(const Graph& graph) {
  std::ostringstream os;
  for (const Node& node : graph.nodes) {
    os << node.name << ": " << op_name(node.spec) << "(";
    for (std::size_t i = 0; i < node.inputs.size(); ++i) {
      os << (i ? ", " : "") << graph.shape(node.inputs[i]);
    }
    os << ") -> " << graph.shape(node.output) << "\n";
  }
  return os.str();
}

}  // namespace fhecnn::nn
