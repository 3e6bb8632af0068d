#include "nn/calibration.hpp"

#include <algorithm>
#include <cmath>

#include "common/error.hpp"

namespace fhecnn::nn {

double ReluRange::max_abs() const {
  if (min > max) return 0.0;  // nothing recorded
  return std::max(std::abs(min), std::abs(max));
}

double ReluCalibration::max_abs() const {
  double m = 0.0;
  for (const ReluRange& r : relus) m = std::max(m, r.max_abs());
  return m;
}

void ReluCalibration::merge(const ReluCalibration& other) {
  require(relus.size() == other.relus.size(), "merge ReLU calibrations", relus.size(), " vs ",
          other.relus.size(), " ReLUs");
  for (std::size_t i = 0; i < relus.size(); ++i) {
    require(relus[i].node == other.relus[i].node, "merge ReLU calibrations", "ReLU ", i, " is ",
            relus[i].node, " vs ", other.relus[i].node);
    relus[i].min = std::min(relus[i].min, other.relus[i].min);
    relus[i].max = std::max(relus[i].max, other.relus[i].max);
  }
  images += other.images;
}

ReluRangeRecorder::ReluRangeRecorder(const Graph& graph)
    : slot_of_node_(graph.nodes.size(), 0), graph_(graph) {
  for (std::size_t n = 0; n < graph.nodes.size(); ++n) {
    const Node& node = graph.nodes[n];
    if (!std::holds_alternative<ReluSpec>(node.spec)) continue;
    slot_of_node_[n] = result_.relus.size();
    result_.relus.push_back(ReluRange{node.name, graph.shape(node.inputs[0])});
  }
}

void ReluRangeRecorder::on_node(const Node& node, const std::vector<const Tensor*>& inputs,
                                const Tensor&) {
  if (!std::holds_alternative<ReluSpec>(node.spec)) return;
  const auto n = static_cast<std::size_t>(&node - graph_.nodes.data());
  require(n < graph_.nodes.size() && &graph_.nodes[n] == &node, "record ReLU range", "node ",
          node.name, " is not a node of graph ", graph_.name);
  ReluRange& range = result_.relus[slot_of_node_[n]];
  const auto [lo, hi] = std::minmax_element(inputs[0]->values.begin(), inputs[0]->values.end());
  range.min = std::min(range.min, *lo);
  range.max = std::max(range.max, *hi);
}

ReluCalibration calibrate_relu_inputs(const Graph& graph, std::span<const Tensor> images) {
  const FloatExecutor executor(graph);
  ReluRangeRecorder recorder(graph);
  for (const Tensor& image : images) {
    executor.run(image, &recorder);
    recorder.finish_image();
  }
  return recorder.result();
}

void set_relu_bounds(Graph& graph, const ReluCalibration& calibration, double margin,
                     bool per_layer) {
  require(margin > 0.0, "set ReLU bounds", "margin ", margin, " is not positive");
  std::size_t next = 0;
  for (Node& node : graph.nodes) {
    auto* spec = std::get_if<ReluSpec>(&node.spec);
    if (spec == nullptr) continue;
    require(next < calibration.relus.size() && calibration.relus[next].node == node.name,
            "set ReLU bounds", "calibration does not list ReLU ", node.name, " at position ", next);
    const double bound = per_layer ? calibration.relus[next].max_abs() : calibration.max_abs();
    spec->input_bound = margin * bound;
    ++next;
  }
  require(next == calibration.relus.size(), "set ReLU bounds", "calibration lists ",
          calibration.relus.size(), " ReLUs, the graph has ", next);
}

}  // namespace fhecnn::nn
