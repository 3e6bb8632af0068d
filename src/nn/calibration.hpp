// Calibration: the range of every ReLU input over a set of images, from the float model.
// max |input| over all ReLUs is the bound B the polynomial ReLU must cover (PAPER.md §5.5, §9.1);
// shared/models/README.md lists the ranges of the paper's models (25.1 for ResNet-20,
// 43.5 for ResNet-110 over the 10,000 JPEG test images).
#pragma once

#include <cstddef>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "nn/float_executor.hpp"
#include "nn/graph.hpp"
#include "nn/tensor.hpp"

namespace fhecnn::nn {

// Range of one ReLU's input.
struct ReluRange {
  std::string node;  // the ReLU node's name
  Shape shape;       // its input shape
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  double max_abs() const;
};

// Per-ReLU input ranges, in graph order, over `images` images.
struct ReluCalibration {
  std::vector<ReluRange> relus;
  std::size_t images = 0;

  // The largest |input| over all ReLUs (0 when there is none).
  double max_abs() const;
  // Widens this calibration by another over the same graph (e.g. from another thread).
  // Throws InvalidArgument when the two do not list the same ReLUs.
  void merge(const ReluCalibration& other);
};

// Observer that widens the range of each ReLU it sees; count one image per finish_image().
class ReluRangeRecorder : public FloatObserver {
 public:
  explicit ReluRangeRecorder(const Graph& graph);
  void on_node(const Node& node, const std::vector<const Tensor*>& inputs,
               const Tensor& output) override;
  void finish_image() { ++result_.images; }
  const ReluCalibration& result() const { return result_; }

 private:
  std::vector<std::size_t> slot_of_node_;  // node index -> index in result_.relus
  const Graph& graph_;
  ReluCalibration result_;
};

// Runs the float model on the images and returns the range of every ReLU input.
// Throws InvalidArgument for an invalid graph or an image of the wrong shape.
ReluCalibration calibrate_relu_inputs(const Graph& graph, std::span<const Tensor> images);

// Sets each ReluSpec::input_bound to margin * (that ReLU's max |input|), or, with per_layer
// false, to margin * (the maximum over all ReLUs), the paper's single B.
// Throws InvalidArgument when the calibration does not list the graph's ReLUs in order or the
// margin is not positive.
void set_relu_bounds(Graph& graph, const ReluCalibration& calibration, double margin,
                     bool per_layer);

}  // namespace fhecnn::nn
