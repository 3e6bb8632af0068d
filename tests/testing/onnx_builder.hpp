// Building small ONNX models with the real protobuf classes (Debian's libonnx), shared by the
// importer tests (tests/nn) and the command-line tests (tests/tools).
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <string>
#include <vector>

namespace fhecnn::testing {

inline void set_tensor_type(onnx::ValueInfoProto* v, const std::string& name,
                            const std::vector<std::int64_t>& dims) {
  v->set_name(name);
  auto* t = v->mutable_type()->mutable_tensor_type();
  t->set_elem_type(onnx::TensorProto::FLOAT);
  for (std::int64_t d : dims) t->mutable_shape()->add_dim()->set_dim_value(d);
}

inline void fill_floats(onnx::TensorProto* t, const std::string& name,
                        const std::vector<std::int64_t>& dims, const std::vector<float>& values) {
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::FLOAT);
  for (std::int64_t d : dims) t->add_dims(d);
  for (float v : values) t->add_float_data(v);
}

inline onnx::NodeProto* add_node(onnx::GraphProto* g, const std::string& op,
                                 const std::string& name, const std::vector<std::string>& inputs,
                                 const std::string& output) {
  auto* n = g->add_node();
  n->set_op_type(op);
  n->set_name(name);
  for (const auto& i : inputs) n->add_input(i);
  n->add_output(output);
  return n;
}

inline void add_int_attribute(onnx::NodeProto* n, const std::string& name, std::int64_t value) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(value);
}

inline void add_float_attribute(onnx::NodeProto* n, const std::string& name, float value) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(value);
}

inline void add_ints_attribute(onnx::NodeProto* n, const std::string& name,
                               const std::vector<std::int64_t>& values) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (std::int64_t v : values) a->add_ints(v);
}

// A Constant node holding a 1-D int64 tensor (the way PyTorch passes Slice/Pad/Reshape arguments).
inline void add_int64_constant(onnx::GraphProto* g, const std::string& output,
                               const std::vector<std::int64_t>& values) {
  auto* n = add_node(g, "Constant", "/Constant_" + output, {}, output);
  auto* a = n->add_attribute();
  a->set_name("value");
  a->set_type(onnx::AttributeProto::TENSOR);
  auto* t = a->mutable_t();
  t->set_data_type(onnx::TensorProto::INT64);
  t->add_dims(static_cast<std::int64_t>(values.size()));
  for (std::int64_t v : values) t->add_int64_data(v);
}

inline onnx::ModelProto empty_model(const std::vector<std::int64_t>& input_dims,
                                    const std::vector<std::int64_t>& output_dims) {
  onnx::ModelProto model;
  model.set_ir_version(7);
  model.set_producer_name("fhecnn test");
  auto* opset = model.add_opset_import();
  opset->set_domain("");
  opset->set_version(13);
  auto* g = model.mutable_graph();
  g->set_name("tiny");
  set_tensor_type(g->add_input(), "x", input_dims);
  set_tensor_type(g->add_output(), "y", output_dims);
  return model;
}

}  // namespace fhecnn::testing
