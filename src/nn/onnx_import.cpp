#include "nn/onnx_import.hpp"

#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "common/error.hpp"

namespace fhecnn::nn {
namespace {

// A constant operand (an initializer or a Constant node's value), as reals and as integers.
struct Constant {
  std::vector<std::int64_t> dims;
  std::vector<double> reals;
  std::vector<std::int64_t> integers;
  std::size_t size() const { return reals.size(); }
};

template <typename T>
std::vector<T> raw_values(const std::string& raw) {
  std::vector<T> out(raw.size() / sizeof(T));
  std::memcpy(out.data(), raw.data(), out.size() * sizeof(T));
  return out;
}

// Fills both views of a constant from its integer or real values.
template <typename T>
void fill(Constant& c, const std::vector<T>& values) {
  for (T v : values) {
    c.reals.push_back(static_cast<double>(v));
    c.integers.push_back(static_cast<std::int64_t>(v));
  }
}

// Decodes a TensorProto of type float, double, int32 or int64. Returns false for other types.
bool decode_tensor(const onnx::TensorProto& t, Constant& c) {
  c.dims.assign(t.dims().begin(), t.dims().end());
  const bool raw = t.has_raw_data();
  switch (t.data_type()) {
    case onnx::TensorProto::FLOAT:
      fill(c, raw ? raw_values<float>(t.raw_data())
                  : std::vector<float>(t.float_data().begin(), t.float_data().end()));
      return true;
    case onnx::TensorProto::DOUBLE:
      fill(c, raw ? raw_values<double>(t.raw_data())
                  : std::vector<double>(t.double_data().begin(), t.double_data().end()));
      return true;
    case onnx::TensorProto::INT64:
      fill(c, raw ? raw_values<std::int64_t>(t.raw_data())
                  : std::vector<std::int64_t>(t.int64_data().begin(), t.int64_data().end()));
      return true;
    case onnx::TensorProto::INT32:
      fill(c, raw ? raw_values<std::int32_t>(t.raw_data())
                  : std::vector<std::int32_t>(t.int32_data().begin(), t.int32_data().end()));
      return true;
    default:
      return false;
  }
}

std::size_t element_count(const std::vector<std::int64_t>& dims) {
  std::size_t n = 1;
  for (std::int64_t d : dims) n *= static_cast<std::size_t>(d);
  return n;
}

const onnx::AttributeProto* find_attribute(const onnx::NodeProto& node, const std::string& name) {
  for (const auto& a : node.attribute()) {
    if (a.name() == name) return &a;
  }
  return nullptr;
}

std::int64_t int_attribute(const onnx::NodeProto& node, const std::string& name,
                           std::int64_t fallback) {
  const auto* a = find_attribute(node, name);
  return a ? a->i() : fallback;
}

double float_attribute(const onnx::NodeProto& node, const std::string& name, double fallback) {
  const auto* a = find_attribute(node, name);
  return a ? a->f() : fallback;
}

std::string string_attribute(const onnx::NodeProto& node, const std::string& name,
                             const std::string& fallback) {
  const auto* a = find_attribute(node, name);
  return a ? a->s() : fallback;
}

std::vector<std::int64_t> ints_attribute(const onnx::NodeProto& node, const std::string& name,
                                         std::vector<std::int64_t> fallback) {
  const auto* a = find_attribute(node, name);
  return a ? std::vector<std::int64_t>(a->ints().begin(), a->ints().end()) : fallback;
}

bool all_equal(const std::vector<std::int64_t>& v, std::int64_t x) {
  for (std::int64_t e : v) {
    if (e != x) return false;
  }
  return true;
}

template <typename T>
std::string list(const std::vector<T>& v) {
  std::ostringstream os;
  os << "[";
  for (std::size_t i = 0; i < v.size(); ++i) os << (i ? ", " : "") << v[i];
  return os.str() + "]";
}

class Importer {
 public:
  Importer(const onnx::ModelProto& model, const std::string& source)
      : what_("import ONNX model " + source), model_(model), proto_(model.graph()) {
    graph_.name = proto_.name().empty() ? source : proto_.name();
  }

  Graph run() {
    read_opset();
    read_initializers();
    read_input();
    for (const auto& node : proto_.node()) import_node(node);
    read_output();
    return std::move(graph_);
  }

 private:
  using Handler = void (Importer::*)(const onnx::NodeProto&);

  // --- model-level parts -------------------------------------------------------------------

  void read_opset() {
    for (const auto& o : model_.opset_import()) {
      if (o.domain().empty() || o.domain() == "ai.onnx") opset_ = static_cast<int>(o.version());
    }
    require<FormatError>(opset_ > 0, what_, "the model imports no default-domain opset");
  }

  void read_initializers() {
    for (const auto& t : proto_.initializer()) {
      Constant c;
      require<FormatError>(t.data_location() != onnx::TensorProto::EXTERNAL, what_, "initializer ",
                           t.name(), " has external data (not supported)");
      require<FormatError>(decode_tensor(t, c), what_, "initializer ", t.name(),
                           " has unsupported data type ", t.data_type());
      require<FormatError>(c.size() == element_count(c.dims), what_, "initializer ", t.name(),
                           " holds ", c.size(), " values for dims ", list(c.dims));
      constants_[t.name()] = std::move(c);
    }
  }

  void read_input() {
    const onnx::ValueInfoProto* input = nullptr;
    for (const auto& v : proto_.input()) {
      if (constants_.count(v.name())) continue;  // initializers may be listed as inputs
      if (input != nullptr) {
        fail<FormatError>(what_, "more than one graph input (", input->name(), ", ", v.name(), ")");
      }
      input = &v;
    }
    require<FormatError>(input != nullptr, what_, "the graph has no input");
    require<FormatError>(input->type().tensor_type().elem_type() == onnx::TensorProto::FLOAT, what_,
                         "input ", input->name(), " is not a float tensor");
    const auto& dims = input->type().tensor_type().shape().dim();
    require<FormatError>(dims.size() == 4, what_, "input ", input->name(), " has rank ",
                         dims.size(), ", expected 4 (N, C, H, W)");
    const bool batch_ok = !dims[0].has_dim_value() || dims[0].dim_value() == 1;
    require<FormatError>(batch_ok, what_, "input batch size ", dims[0].dim_value(),
                         " (expected 1 or symbolic)");
    int chw[3] = {0, 0, 0};
    for (int a = 0; a < 3; ++a) {
      require<FormatError>(dims[a + 1].has_dim_value() && dims[a + 1].dim_value() > 0, what_,
                           "input ", input->name(), " dimension ", a + 1, " is not a fixed size");
      chw[a] = static_cast<int>(dims[a + 1].dim_value());
    }
    values_[input->name()] = graph_.add_input(input->name(), Shape{chw[0], chw[1], chw[2]});
  }

  void read_output() {
    require<FormatError>(proto_.output_size() == 1, what_, "the graph has ", proto_.output_size(),
                         " outputs, expected 1");
    const std::string& name = proto_.output(0).name();
    const auto it = values_.find(name);
    require<FormatError>(it != values_.end(), what_, "output ", name,
                         " is not computed from the input");
    graph_.output = it->second;
  }

  // --- node helpers ------------------------------------------------------------------------

  static std::string display_name(const onnx::NodeProto& node) {
    if (!node.name().empty()) return node.name();
    return node.output_size() ? "<unnamed, output " + node.output(0) + ">" : "<unnamed>";
  }

  template <typename... Why>
  [[noreturn]] void node_fail(const onnx::NodeProto& node, Why&&... why) const {
    fail<FormatError>(what_, "node ", display_name(node), " (", node.op_type(),
                      "): ", std::forward<Why>(why)...);
  }

  template <typename... Why>
  void node_require(bool cond, const onnx::NodeProto& node, Why&&... why) const {
    if (!cond) node_fail(node, std::forward<Why>(why)...);
  }

  bool has_input(const onnx::NodeProto& node, int i) const {
    return i < node.input_size() && !node.input(i).empty();
  }

  // The computed tensor feeding input i.
  ValueId value(const onnx::NodeProto& node, int i) const {
    node_require(has_input(node, i), node, "input ", i, " is missing");
    const auto it = values_.find(node.input(i));
    if (it != values_.end()) return it->second;
    node_require(!constants_.count(node.input(i)), node, "input ", i, " (", node.input(i),
                 ") is a constant, expected a tensor computed from the graph input");
    node_fail(node, "input ", i, " (", node.input(i), ") is not defined before the node");
  }

  // The constant feeding input i.
  const Constant& constant(const onnx::NodeProto& node, int i) const {
    node_require(has_input(node, i), node, "input ", i, " is missing");
    const auto it = constants_.find(node.input(i));
    node_require(it != constants_.end(), node, "input ", i, " (", node.input(i),
                 ") is not a constant (initializer or Constant node)");
    return it->second;
  }

  // Adds the node to the graph and names its (single) output.
  void emit(const onnx::NodeProto& node, LayerSpec spec, std::vector<ValueId> inputs) {
    node_require(node.output_size() >= 1, node, "has no output");
    for (int i = 1; i < node.output_size(); ++i) {
      node_require(node.output(i).empty(), node, "extra output ", node.output(i),
                   " is not supported");
    }
    try {
      values_[node.output(0)] =
          graph_.add_node(display_name(node), std::move(spec), std::move(inputs), node.output(0));
    } catch (const InvalidArgument& e) {
      node_fail(node, e.what());
    }
  }

  void import_node(const onnx::NodeProto& node) {
    static const std::map<std::string, Handler> handlers = {
        {"Conv", &Importer::conv},
        {"BatchNormalization", &Importer::batch_norm},
        {"Relu", &Importer::relu},
        {"Add", &Importer::add},
        {"Slice", &Importer::slice},
        {"Pad", &Importer::pad},
        {"GlobalAveragePool", &Importer::global_average_pool},
        {"ReduceMean", &Importer::reduce_mean},
        {"AveragePool", &Importer::average_pool},
        {"Flatten", &Importer::flatten},
        {"Reshape", &Importer::reshape},
        {"Gemm", &Importer::gemm},
        {"Identity", &Importer::identity},
        {"Constant", &Importer::constant_node},
    };
    const bool default_domain = node.domain().empty() || node.domain() == "ai.onnx";
    const auto it = handlers.find(node.op_type());
    if (!default_domain || it == handlers.end()) {
      node_fail(node, "unsupported op type ", node.op_type(),
                default_domain ? "" : " in domain " + node.domain());
    }
    (this->*(it->second))(node);
  }

  // --- op handlers -------------------------------------------------------------------------

  void conv(const onnx::NodeProto& node) {
    const ValueId x = value(node, 0);
    const Constant& w = constant(node, 1);
    node_require(w.dims.size() == 4, node, "weight has dims ", list(w.dims), ", expected 4-D");
    const auto kernel = ints_attribute(node, "kernel_shape", {w.dims[2], w.dims[3]});
    const auto strides = ints_attribute(node, "strides", {1, 1});
    const auto pads = ints_attribute(node, "pads", {0, 0, 0, 0});
    node_require(kernel.size() == 2 && kernel[0] == w.dims[2] && kernel[1] == w.dims[3], node,
                 "kernel_shape ", list(kernel), " does not fit weight dims ", list(w.dims));
    node_require(strides.size() == 2 && strides[0] == strides[1], node, "strides ", list(strides),
                 " (only equal strides are supported)");
    node_require(pads.size() == 4 && all_equal(pads, pads[0]), node, "pads ", list(pads),
                 " (only equal padding on all sides is supported)");
    node_require(all_equal(ints_attribute(node, "dilations", {1, 1}), 1), node,
                 "dilations other than 1 are not supported");
    node_require(int_attribute(node, "group", 1) == 1, node, "group ",
                 int_attribute(node, "group", 1), " (only 1 is supported)");
    node_require(string_attribute(node, "auto_pad", "NOTSET") == "NOTSET", node, "auto_pad ",
                 string_attribute(node, "auto_pad", ""), " (only explicit pads are supported)");
    Conv2dSpec spec{static_cast<int>(w.dims[1]),
                    static_cast<int>(w.dims[0]),
                    static_cast<int>(w.dims[2]),
                    static_cast<int>(w.dims[3]),
                    static_cast<int>(strides[0]),
                    static_cast<int>(pads[0]),
                    w.reals,
                    {}};
    if (has_input(node, 2)) spec.bias = constant(node, 2).reals;
    emit(node, std::move(spec), {x});
  }

  void batch_norm(const onnx::NodeProto& node) {
    const ValueId x = value(node, 0);
    node_require(int_attribute(node, "training_mode", 0) == 0, node,
                 "training_mode 1 is not supported");
    BatchNormSpec spec{constant(node, 1).reals, constant(node, 2).reals, constant(node, 3).reals,
                       constant(node, 4).reals, float_attribute(node, "epsilon", 1e-5)};
    emit(node, std::move(spec), {x});
  }

  void relu(const onnx::NodeProto& node) { emit(node, ReluSpec{}, {value(node, 0)}); }

  void add(const onnx::NodeProto& node) { emit(node, AddSpec{}, {value(node, 0), value(node, 1)}); }

  // Slice inputs (opset >= 10) or attributes (opset < 10), as [starts, ends, axes, steps].
  std::array<std::vector<std::int64_t>, 4> slice_arguments(const onnx::NodeProto& node) const {
    if (opset_ < 10) {
      const auto starts = ints_attribute(node, "starts", {});
      return {starts, ints_attribute(node, "ends", {}), ints_attribute(node, "axes", {}),
              std::vector<std::int64_t>(starts.size(), 1)};
    }
    std::array<std::vector<std::int64_t>, 4> args;
    for (int i = 0; i < 4; ++i) {
      if (has_input(node, i + 1)) args[i] = constant(node, i + 1).integers;
    }
    return args;
  }

  void slice(const onnx::NodeProto& node) {
    const ValueId x = value(node, 0);
    const Shape& in = graph_.shape(x);
    auto [starts, ends, axes, steps] = slice_arguments(node);
    if (axes.empty()) {
      for (std::size_t a = 0; a < starts.size(); ++a) axes.push_back(static_cast<int>(a));
    }
    if (steps.empty()) steps.assign(starts.size(), 1);
    node_require(ends.size() == starts.size() && axes.size() == starts.size() &&
                     steps.size() == starts.size(),
                 node, "starts/ends/axes/steps have different lengths");
    const std::int64_t dims[4] = {1, in.channels, in.height, in.width};
    SliceSpec spec{
        {AxisSlice{0, in.channels, 1}, AxisSlice{0, in.height, 1}, AxisSlice{0, in.width, 1}}};
    for (std::size_t i = 0; i < starts.size(); ++i) {
      const std::int64_t axis = axes[i] < 0 ? axes[i] + 4 : axes[i];
      node_require(axis >= 0 && axis < 4, node, "axis ", axes[i], " is out of range for rank 4");
      node_require(steps[i] > 0, node, "step ", steps[i], " (only positive steps are supported)");
      const AxisSlice r = clamp_slice(starts[i], ends[i], steps[i], dims[axis]);
      if (axis == 0) {
        node_require(r.start == 0 && r.end >= 1 && r.step == 1, node,
                     "slicing the batch axis is not supported");
        continue;
      }
      spec.axes[static_cast<std::size_t>(axis - 1)] = r;
    }
    emit(node, spec, {x});
  }

  // ONNX Slice clamping for a positive step: negative indices count from the end.
  static AxisSlice clamp_slice(std::int64_t start, std::int64_t end, std::int64_t step,
                               std::int64_t length) {
    auto clamp = [length](std::int64_t i) {
      if (i < 0) i += length;
      return std::max<std::int64_t>(0, std::min(i, length));
    };
    return {static_cast<int>(clamp(start)), static_cast<int>(clamp(end)),
            static_cast<int>(std::min<std::int64_t>(step, length + 1))};
  }

  void pad(const onnx::NodeProto& node) {
    const ValueId x = value(node, 0);
    node_require(string_attribute(node, "mode", "constant") == "constant", node, "mode ",
                 string_attribute(node, "mode", ""), " (only constant is supported)");
    std::vector<std::int64_t> pads = ints_attribute(node, "pads", {});
    double fill_value = float_attribute(node, "value", 0.0);
    if (opset_ >= 11) {
      pads = constant(node, 1).integers;
      node_require(!has_input(node, 3), node, "the axes input is not supported");
      if (has_input(node, 2)) {
        const Constant& v = constant(node, 2);
        node_require(v.size() == 1, node, "constant_value has ", v.size(), " values");
        fill_value = v.reals[0];
      }
    }
    node_require(pads.size() == 8, node, "pads ", list(pads), " (expected 8 values for NCHW)");
    node_require(pads[0] == 0 && pads[4] == 0, node, "padding the batch axis is not supported");
    PadSpec spec;
    spec.value = fill_value;
    for (std::size_t a = 0; a < 3; ++a) {
      node_require(pads[a + 1] >= 0 && pads[a + 5] >= 0, node, "negative pads ", list(pads),
                   " are not supported");
      spec.before[a] = static_cast<int>(pads[a + 1]);
      spec.after[a] = static_cast<int>(pads[a + 5]);
    }
    emit(node, spec, {x});
  }

  void global_average_pool(const onnx::NodeProto& node) {
    emit(node, GlobalAvgPoolSpec{}, {value(node, 0)});
  }

  void reduce_mean(const onnx::NodeProto& node) {
    auto axes = ints_attribute(node, "axes", {});
    if (opset_ >= 18 && has_input(node, 1)) axes = constant(node, 1).integers;
    for (auto& a : axes) a = a < 0 ? a + 4 : a;
    std::sort(axes.begin(), axes.end());
    node_require(axes == std::vector<std::int64_t>{2, 3}, node, "axes ", list(axes),
                 " (only the mean over the spatial axes 2, 3 is supported)");
    emit(node, GlobalAvgPoolSpec{}, {value(node, 0)});
  }

  void average_pool(const onnx::NodeProto& node) {
    const ValueId x = value(node, 0);
    const Shape& in = graph_.shape(x);
    const auto kernel = ints_attribute(node, "kernel_shape", {});
    node_require(kernel == std::vector<std::int64_t>{in.height, in.width}, node, "kernel_shape ",
                 list(kernel), " (only a window over the whole ", in.height, "x", in.width,
                 " plane is supported)");
    node_require(all_equal(ints_attribute(node, "pads", {}), 0), node, "padding is not supported");
    emit(node, GlobalAvgPoolSpec{}, {x});
  }

  void flatten(const onnx::NodeProto& node) {
    const std::int64_t axis = int_attribute(node, "axis", 1);
    node_require(axis == 1, node, "axis ", axis, " (only 1 is supported)");
    emit(node, FlattenSpec{}, {value(node, 0)});
  }

  void reshape(const onnx::NodeProto& node) {
    const ValueId x = value(node, 0);
    const auto target = constant(node, 1).integers;
    const auto total = static_cast<std::int64_t>(graph_.shape(x).size());
    const bool flat = target.size() == 2 && (target[0] == 1 || target[0] == -1 || target[0] == 0) &&
                      (target[1] == -1 || target[1] == total) &&
                      !(target[0] == -1 && target[1] == -1);
    node_require(flat, node, "shape ", list(target), " (only flattening to [1, ", total,
                 "] is supported)");
    emit(node, FlattenSpec{}, {x});
  }

  void gemm(const onnx::NodeProto& node) {
    const ValueId x = value(node, 0);
    const Constant& b = constant(node, 1);
    node_require(int_attribute(node, "transA", 0) == 0, node, "transA 1 is not supported");
    node_require(b.dims.size() == 2, node, "B has dims ", list(b.dims), ", expected 2-D");
    const bool trans_b = int_attribute(node, "transB", 0) != 0;
    const double alpha = float_attribute(node, "alpha", 1.0);
    const double beta = float_attribute(node, "beta", 1.0);
    const auto out = static_cast<std::size_t>(trans_b ? b.dims[0] : b.dims[1]);
    const auto in = static_cast<std::size_t>(trans_b ? b.dims[1] : b.dims[0]);
    LinearSpec spec{static_cast<int>(in), static_cast<int>(out), std::vector<double>(in * out), {}};
    for (std::size_t o = 0; o < out; ++o) {
      for (std::size_t i = 0; i < in; ++i) {
        spec.weights[o * in + i] = alpha * b.reals[trans_b ? o * in + i : i * out + o];
      }
    }
    if (has_input(node, 2)) spec.bias = gemm_bias(node, constant(node, 2), out, beta);
    emit(node, std::move(spec), {x});
  }

  std::vector<double> gemm_bias(const onnx::NodeProto& node, const Constant& c, std::size_t out,
                                double beta) const {
    node_require(c.size() == out || c.size() == 1, node, "C has ", c.size(), " values for ", out,
                 " outputs");
    std::vector<double> bias(out);
    for (std::size_t o = 0; o < out; ++o) bias[o] = beta * c.reals[c.size() == 1 ? 0 : o];
    return bias;
  }

  void identity(const onnx::NodeProto& node) {
    node_require(has_input(node, 0) && node.output_size() == 1, node,
                 "expects one input and output");
    const auto c = constants_.find(node.input(0));
    if (c != constants_.end()) {
      const Constant copy = c->second;
      constants_[node.output(0)] = copy;
    } else {
      values_[node.output(0)] = value(node, 0);
    }
  }

  void constant_node(const onnx::NodeProto& node) {
    node_require(node.attribute_size() == 1 && node.output_size() == 1, node,
                 "expects one attribute and one output");
    const auto& a = node.attribute(0);
    Constant c;
    if (a.name() == "value") {
      node_require(decode_tensor(a.t(), c), node, "unsupported data type ", a.t().data_type());
    } else if (a.name() == "value_float" || a.name() == "value_int") {
      fill(c, std::vector<double>{a.name() == "value_float" ? a.f() : static_cast<double>(a.i())});
    } else if (a.name() == "value_floats") {
      fill(c, std::vector<float>(a.floats().begin(), a.floats().end()));
      c.dims = {static_cast<std::int64_t>(c.size())};
    } else if (a.name() == "value_ints") {
      fill(c, std::vector<std::int64_t>(a.ints().begin(), a.ints().end()));
      c.dims = {static_cast<std::int64_t>(c.size())};
    } else {
      node_fail(node, "attribute ", a.name(), " is not supported");
    }
    constants_[node.output(0)] = std::move(c);
  }

  std::string what_;
  const onnx::ModelProto& model_;
  const onnx::GraphProto& proto_;
  int opset_ = 0;
  Graph graph_;
  std::map<std::string, ValueId> values_;
  std::map<std::string, Constant> constants_;
};

onnx::ModelProto parse_model(const std::string& bytes, const std::string& what,
                             const OnnxImportOptions& options) {
  onnx::ModelProto model;
  require<FormatError>(model.ParseFromString(bytes), what, "not a valid ONNX protobuf (",
                       bytes.size(), " bytes)");
  if (options.run_checker) {
    try {
      onnx::checker::check_model(model);
    } catch (const std::exception& e) {
      fail<FormatError>(what, "the ONNX checker rejects it: ", e.what());
    }
  }
  return model;
}

}  // namespace

Graph parse_onnx(const std::string& bytes, const std::string& source,
                 const OnnxImportOptions& options) {
  const onnx::ModelProto model = parse_model(bytes, "import ONNX model " + source, options);
  return Importer(model, source).run();
}

Graph load_onnx(const std::string& path, const OnnxImportOptions& options) {
  std::ifstream in(path, std::ios::binary);
  require<FormatError>(in.good(), "import ONNX model " + path, "the file cannot be opened");
  std::ostringstream bytes;
  bytes << in.rdbuf();
  require<FormatError>(!in.bad(), "import ONNX model " + path, "reading the file failed");
  return parse_onnx(bytes.str(), path, options);
}

}  // namespace fhecnn::nn
