// The float reference executor: runs a Graph on one cleartext image in float64 with exact ReLU.
// It is the oracle the simulated and encrypted runs are compared with (ARCHITECTURE.md §3).
#pragma once

#include <vector>

#include "nn/graph.hpp"
#include "nn/tensor.hpp"

namespace fhecnn::nn {

// Sees every node's inputs and output as the executor computes them (calibration, debugging).
class FloatObserver {
 public:
  virtual ~FloatObserver() = default;
  virtual void on_node(const Node& node, const std::vector<const Tensor*>& inputs,
                       const Tensor& output) = 0;
};

class FloatExecutor {
 public:
  // Validates the graph (see validate) and keeps a reference to it: the graph must outlive the
  // executor and stay unchanged. Throws InvalidArgument for an invalid graph.
  explicit FloatExecutor(const Graph& graph);

  // Runs the graph on one image; returns the output value. Safe to call from several threads
  // at once (with one observer per thread). Throws InvalidArgument when the input's shape or
  // value count differs from the graph input's.
  Tensor run(const Tensor& input, FloatObserver* observer = nullptr) const;

  const Graph& graph() const { return graph_; }

 private:
  const Graph& graph_;
  std::vector<std::size_t> last_use_;  // per value: index of the last node reading it
};

}  // namespace fhecnn::nn
