#include "nn/passes.hpp"

#include <cmath>
#include <optional>

namespace fhecnn::nn {
namespace {

// Index of the node producing value `id`, if any.
std::optional<std::size_t> producer(const Graph& graph, ValueId id) {
  for (std::size_t n = 0; n < graph.nodes.size(); ++n) {
    if (graph.nodes[n].output == id) return n;
  }
  return std::nullopt;
}

// True when `id` is read by exactly one node and is not the graph output.
bool single_use(const Graph& graph, ValueId id) {
  return id != graph.output && graph.consumers(id).size() == 1;
}

void fold_into(Conv2dSpec& conv, const BatchNormSpec& bn) {
  const std::size_t per_channel = conv.weights.size() / static_cast<std::size_t>(conv.out_channels);
  if (conv.bias.empty()) conv.bias.assign(static_cast<std::size_t>(conv.out_channels), 0.0);
  for (std::size_t o = 0; o < static_cast<std::size_t>(conv.out_channels); ++o) {
    const double a = bn.scale[o] / std::sqrt(bn.variance[o] + bn.epsilon);
    for (std::size_t k = 0; k < per_channel; ++k) conv.weights[o * per_channel + k] *= a;
    conv.bias[o] = (conv.bias[o] - bn.mean[o]) * a + bn.shift[o];
  }
}

// The DownsampleShortcut equivalent to slice + pad, if they have the option-A form.
std::optional<DownsampleShortcutSpec> as_shortcut(const SliceSpec& s, const PadSpec& p,
                                                  const Shape& in) {
  const AxisSlice& c = s.axes[0];
  const AxisSlice& r = s.axes[1];
  const AxisSlice& w = s.axes[2];
  const bool all_channels = c.start == 0 && c.step == 1 && c.end >= in.channels;
  const bool strided =
      r.start == 0 && w.start == 0 && r.step == w.step && r.end >= in.height && w.end >= in.width;
  const bool channel_pad =
      p.before[1] == 0 && p.before[2] == 0 && p.after[1] == 0 && p.after[2] == 0 && p.value == 0.0;
  if (!all_channels || !strided || !channel_pad) return std::nullopt;
  return DownsampleShortcutSpec{r.step, p.before[0], p.after[0]};
}

}  // namespace

std::size_t fold_batch_norm(Graph& graph) {
  validate(graph);
  std::size_t folded = 0;
  for (std::size_t n = 0; n < graph.nodes.size();) {
    const auto* bn = std::get_if<BatchNormSpec>(&graph.nodes[n].spec);
    const ValueId in = graph.nodes[n].inputs[0];
    const auto p = bn ? producer(graph, in) : std::nullopt;
    auto* conv = p ? std::get_if<Conv2dSpec>(&graph.nodes[*p].spec) : nullptr;
    if (conv == nullptr || !single_use(graph, in)) {
      ++n;
      continue;
    }
    fold_into(*conv, *bn);
    graph.nodes[*p].output = graph.nodes[n].output;
    graph.nodes.erase(graph.nodes.begin() + static_cast<std::ptrdiff_t>(n));
    ++folded;
  }
  remove_unused_values(graph);
  return folded;
}

std::size_t fuse_downsample_shortcuts(Graph& graph) {
  validate(graph);
  std::size_t fused = 0;
  for (std::size_t n = 0; n < graph.nodes.size(); ++n) {
    const auto* s = std::get_if<SliceSpec>(&graph.nodes[n].spec);
    const ValueId sliced = graph.nodes[n].output;
    if (s == nullptr || !single_use(graph, sliced)) continue;
    const std::size_t p = graph.consumers(sliced).front();
    const auto* pad = std::get_if<PadSpec>(&graph.nodes[p].spec);
    if (pad == nullptr) continue;
    const auto shortcut = as_shortcut(*s, *pad, graph.shape(graph.nodes[n].inputs[0]));
    if (!shortcut) continue;
    graph.nodes[n].spec = *shortcut;
    graph.nodes[n].output = graph.nodes[p].output;
    graph.nodes.erase(graph.nodes.begin() + static_cast<std::ptrdiff_t>(p));
    ++fused;
  }
  remove_unused_values(graph);
  return fused;
}

void remove_unused_values(Graph& graph) {
  std::vector<bool> used(graph.values.size(), false);
  used[static_cast<std::size_t>(graph.input)] = true;
  used[static_cast<std::size_t>(graph.output)] = true;
  for (const Node& node : graph.nodes) {
    used[static_cast<std::size_t>(node.output)] = true;
    for (ValueId in : node.inputs) used[static_cast<std::size_t>(in)] = true;
  }
  std::vector<ValueId> renumber(graph.values.size(), -1);
  std::vector<Value> kept;
  for (std::size_t v = 0; v < graph.values.size(); ++v) {
    if (!used[v]) continue;
    renumber[v] = static_cast<ValueId>(kept.size());
    kept.push_back(std::move(graph.values[v]));
  }
  graph.values = std::move(kept);
  auto remap = [&renumber](ValueId& id) { id = renumber[static_cast<std::size_t>(id)]; };
  remap(graph.input);
  remap(graph.output);
  for (Node& node : graph.nodes) {
    remap(node.output);
    for (ValueId& in : node.inputs) remap(in);
  }
}

}  // namespace fhecnn::nn
