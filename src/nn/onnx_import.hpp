// ONNX import (Debian's libonnx: the real protobuf classes and the ONNX checker).
//
// Supported: what PyTorch exports for CIFAR ResNets of any depth 6n+2 (opset 9..17):
//   Conv (group 1, dilation 1, symmetric padding, equal strides), BatchNormalization (inference),
//   Relu, Add (two computed tensors), Slice (constant starts/ends/axes/steps, positive steps,
//   full batch axis), Pad (constant mode, constant pads, no batch padding), GlobalAveragePool,
//   ReduceMean over the spatial axes, AveragePool over the whole plane, Flatten (axis 1),
//   Reshape to [1, -1], Gemm (transA 0), Identity and Constant (as operands of the above).
// Weights may be initializers or Constant nodes. The model must have one float input of shape
// [N, C, H, W] (N = 1 or symbolic) and one output; the graph describes one image.
#pragma once

#include <string>

#include "nn/graph.hpp"

namespace fhecnn::nn {

struct OnnxImportOptions {
  bool run_checker = true;  // onnx::checker::check_model before import
};

// Reads and imports an .onnx file. Throws FormatError ("cannot import ONNX model <path>: ...")
// when the file cannot be read or parsed, the checker rejects it, a node has an unsupported op
// type or attribute (the message names the node and its op type), or shapes do not fit.
Graph load_onnx(const std::string& path, const OnnxImportOptions& options = {});

// Imports a serialized ModelProto; `source` names it in errors. Throws as load_onnx.
Graph parse_onnx(const std::string& bytes, const std::string& source,
                 const OnnxImportOptions& options = {});

}  // namespace fhecnn::nn
