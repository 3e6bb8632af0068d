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
// max_i |a_i - b_i| over the common length (0 when either is empty).
double max_abs_diff(const std::vector<double>& a, const std::vector<double>& b);

struct ClassCount {
  std::size_t images = 0;
  std::size_t correct = 0;
};

// One image of a float evaluation: what evaluate_float folds into its result and what a
// checkpoint of a long evaluation keeps (tools/fhecnn eval --checkpoint).
struct FloatImage {
  std::size_t index = 0;        // in the batch
  int label = 0;
  std::vector<double> logits;   // the model's output values
  ReluCalibration relu_inputs;  // every ReLU input's range on this image (images = 1)
  double seconds = 0.0;         // share of its chunk's wall time
};

struct FloatEvaluation {
  std::size_t images = 0;
  std::size_t resumed = 0;  // images taken from EvaluationOptions::done
  std::size_t correct = 0;
  std::vector<ClassCount> per_class;        // indexed by label, one entry per model output
  std::vector<std::vector<double>> logits;  // per image, the model's output values
  std::vector<int> predictions;             // per image, argmax of its logits
  ReluCalibration relu_inputs;              // range of every ReLU input over the images
  double seconds = 0.0;                     // wall time of this call

  double accuracy() const { return images ? static_cast<double>(correct) / images : 0.0; }
};

struct EvaluationOptions {
  io::ChannelNormalization normalization = io::cifar10_reference_normalization();
  int threads = 0;         // OpenMP threads; 0 = the OpenMP default
  std::size_t chunk = 64;  // images between two progress calls
  // Images already evaluated (read back from a checkpoint): folded into the result exactly as if
  // computed here, and not run again. Each index must be < the batch size and appear once.
  std::vector<FloatImage> done;
  // Called for every image computed here (from the calling thread, in index order, after its
  // chunk), before `progress`.
  std::function<void(const FloatImage&)> on_image;
  // Called after each chunk (from the calling thread) with images done (those of `done`
  // included) and correct so far.
  std::function<void(std::size_t done, std::size_t correct)> progress;
};

// Runs the float model on every image of the batch but those of options.done; the result does
// not depend on the thread count or on which images came from options.done. Throws
// InvalidArgument when the graph does not take 3x32x32 inputs, has fewer outputs than the
// largest label + 1, or is invalid, or when a done image has an index outside the batch, a
// repeated index, another label than the batch's or other ReLUs than the graph's.
FloatEvaluation evaluate_float(const Graph& graph, const io::CifarBatch& batch,
                               const EvaluationOptions& options = {});

}  // namespace fhecnn::nn
