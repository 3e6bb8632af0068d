// Float64 reference kernels, one per layer spec of nn/graph.hpp, on one image.
// Preconditions (input shapes and spec sizes consistent, as infer_shape checks) are not
// re-checked here: run them through nn/float_executor.hpp, which validates the graph first.
#pragma once

#include "nn/graph.hpp"
#include "nn/tensor.hpp"

namespace fhecnn::nn {

Tensor conv2d(const Tensor& in, const Conv2dSpec& spec);
Tensor batch_norm(const Tensor& in, const BatchNormSpec& spec);
Tensor relu(const Tensor& in);
Tensor add(const Tensor& a, const Tensor& b);
Tensor slice(const Tensor& in, const SliceSpec& spec);
Tensor pad(const Tensor& in, const PadSpec& spec);
Tensor downsample_shortcut(const Tensor& in, const DownsampleShortcutSpec& spec);
Tensor global_avg_pool(const Tensor& in);
Tensor flatten(const Tensor& in);
Tensor linear(const Tensor& in, const LinearSpec& spec);

}  // namespace fhecnn::nn
