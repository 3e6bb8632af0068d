#include "nn/float_executor.hpp"

#include <optional>

#include "common/error.hpp"
#include "nn/float_ops.hpp"

namespace fhecnn::nn {
namespace {

// Applies one spec to its already computed inputs.
struct Apply {
  const std::vector<const Tensor*>& in;

  Tensor operator()(const Conv2dSpec& s) const { return conv2d(*in[0], s); }
  Tensor operator()(const BatchNormSpec& s) const { return batch_norm(*in[0], s); }
  Tensor operator()(const ReluSpec&) const { return relu(*in[0]); }
  Tensor operator()(const AddSpec&) const { return add(*in[0], *in[1]); }
  Tensor operator()(const SliceSpec& s) const { return slice(*in[0], s); }
  Tensor operator()(const PadSpec& s) const { return pad(*in[0], s); }
  Tensor operator()(const DownsampleShortcutSpec& s) const {
    return downsample_shortcut(*in[0], s);
  }
  Tensor operator()(const GlobalAvgPoolSpec&) const { return global_avg_pool(*in[0]); }
  Tensor operator()(const FlattenSpec&) const { return flatten(*in[0]); }
  Tensor operator()(const LinearSpec& s) const { return linear(*in[0], s); }
};

}  // namespace

FloatExecutor::FloatExecutor(const Graph& graph) : graph_(graph) {
  validate(graph_);
  last_use_.assign(graph_.values.size(), 0);
  for (std::size_t n = 0; n < graph_.nodes.size(); ++n) {
    for (ValueId in : graph_.nodes[n].inputs) last_use_[static_cast<std::size_t>(in)] = n;
  }
}

Tensor FloatExecutor::run(const Tensor& input, FloatObserver* observer) const {
  const Shape& expected = graph_.shape(graph_.input);
  require(input.shape == expected && input.values.size() == expected.size(),
          "run graph " + graph_.name, "input has shape ", input.shape, " and ", input.values.size(),
          " values, the graph expects ", expected);
  std::vector<std::optional<Tensor>> values(graph_.values.size());
  values[static_cast<std::size_t>(graph_.input)] = input;
  for (std::size_t n = 0; n < graph_.nodes.size(); ++n) {
    const Node& node = graph_.nodes[n];
    std::vector<const Tensor*> in;
    for (ValueId id : node.inputs) in.push_back(&*values[static_cast<std::size_t>(id)]);
    Tensor out = std::visit(Apply{in}, node.spec);
    if (observer != nullptr) observer->on_node(node, in, out);
    values[static_cast<std::size_t>(node.output)] = std::move(out);
    for (ValueId id : node.inputs) {  // free what no later node reads
      if (last_use_[static_cast<std::size_t>(id)] == n && id != graph_.output) {
        values[static_cast<std::size_t>(id)].reset();
      }
    }
  }
  return std::move(*values[static_cast<std::size_t>(graph_.output)]);
}

}  // namespace fhecnn::nn
