// Accuracy of a model on a labelled image set, with the float reference executor.
#pragma once

#include <cstddef>
#include <functional>
#include <vector>

#include "io/cifar.hpp"
#include "nn/calibration.hpp"
#include "nn/graph.hpp"
#include "nn/tensor.hpp"

namespace fhecnn::nn {

// Image i of the batch, normalised, as a float64 3x32x32 tensor. Precondition: i < batch.size().
Tensor cifar_image_tensor(const io::CifarBatch& batch, std::size_t i,
                          const io::ChannelNormalization& normalization);

// Index of the largest logit (the first one on ties). Precondition: logits not empty.
int argmax(const std::vector<double>& logits);

struct ClassCount {
  std::size_t images = 0;
  std::size_t correct = 0;
};

struct FloatEvaluation {
  std::size_t images = 0;
  std::size_t correct = 0;
  std::vector<ClassCount> per_class;        // indexed by label, one entry per model output
  std::vector<std::vector<double>> logits;  // per image, the model's output values
  std::vector<int> predictions;             // per image, argmax of its logits
  ReluCalibration relu_inputs;              // range of every ReLU input over the images
  double seconds = 0.0;                     // wall time of the evaluation

  double accuracy() const { return images ? static_cast<double>(correct) / images : 0.0; }
};

struct EvaluationOptions {
  io::ChannelNormalization normalization = io::cifar10_reference_normalization();
  int threads = 0;         // OpenMP threads; 0 = the OpenMP default
  std::size_t chunk = 64;  // images between two progress calls
  // Called after each chunk (from the calling thread) with images done and correct so far.
  std::function<void(std::size_t done, std::size_t correct)> progress;
};

// Runs the float model on every image of the batch. Throws InvalidArgument when the graph does
// not take 3x32x32 inputs, has fewer outputs than the largest label + 1, or is invalid.
FloatEvaluation evaluate_float(const Graph& graph, const io::CifarBatch& batch,
                               const EvaluationOptions& options = {});

}  // namespace fhecnn::nn
