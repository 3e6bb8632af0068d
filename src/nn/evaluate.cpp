#include "nn/evaluate.hpp"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>

#include "common/error.hpp"
#include "nn/float_executor.hpp"

namespace fhecnn::nn {
namespace {

void check_model_fits(const Graph& graph, const io::CifarBatch& batch, std::size_t classes) {
  const Shape image{io::CifarBatch::channels, io::CifarBatch::height, io::CifarBatch::width};
  require(graph.shape(graph.input) == image, "evaluate " + graph.name, "the model takes ",
          graph.shape(graph.input), " inputs, the images are ", image);
  const int max_label =
      batch.labels.empty() ? 0 : *std::max_element(batch.labels.begin(), batch.labels.end());
  require(static_cast<std::size_t>(max_label) < classes, "evaluate " + graph.name, "label ",
          max_label, " but the model has ", classes, " outputs");
}

// Evaluates the images of [begin, end) not yet done in parallel, each with its own ReLU ranges.
void run_chunk(const FloatExecutor& executor, const io::CifarBatch& batch, std::size_t begin,
               std::size_t end, const EvaluationOptions& options, const std::vector<bool>& skip,
               std::vector<FloatImage>& out) {
  const auto start = std::chrono::steady_clock::now();
  out.assign(end - begin, FloatImage{});
  const auto count = static_cast<std::ptrdiff_t>(end - begin);
  std::exception_ptr error;  // exceptions must not leave an OpenMP region
#pragma omp parallel for schedule(dynamic, 1) \
    num_threads(options.threads > 0 ? options.threads : omp_get_max_threads())
  for (std::ptrdiff_t k = 0; k < count; ++k) {
    const std::size_t i = begin + static_cast<std::size_t>(k);
    if (skip[i]) continue;
    try {
      ReluRangeRecorder recorder(executor.graph());
      FloatImage& img = out[static_cast<std::size_t>(k)];
      img.index = i;
      img.label = batch.labels[i];
      img.logits =
          executor.run(cifar_image_tensor(batch, i, options.normalization), &recorder).values;
      recorder.finish_image();
      img.relu_inputs = recorder.result();
    } catch (...) {
#pragma omp critical
      error = std::current_exception();
    }
  }
  if (error) std::rethrow_exception(error);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const auto computed = static_cast<double>(
      std::count(skip.begin() + static_cast<std::ptrdiff_t>(begin),
                 skip.begin() + static_cast<std::ptrdiff_t>(end), false));
  for (FloatImage& img : out) img.seconds = seconds / computed;
}

// Adds one image to the result (any order gives the same result).
void fold(FloatEvaluation& result, const FloatImage& img) {
  result.logits[img.index] = img.logits;
  result.predictions[img.index] = argmax(img.logits);
  ClassCount& c = result.per_class[static_cast<std::size_t>(img.label)];
  const bool hit = result.predictions[img.index] == img.label;
  ++c.images;
  c.correct += hit ? 1 : 0;
  result.correct += hit ? 1 : 0;
  result.relu_inputs.merge(img.relu_inputs);
  ++result.images;
}

// Which batch images are already done (validating options.done against the batch).
std::vector<bool> done_mask(const io::CifarBatch& batch, const std::vector<FloatImage>& done) {
  const char* what = "evaluate float model";
  std::vector<bool> mask(batch.size(), false);
  for (const FloatImage& img : done) {
    require(img.index < batch.size(), what, "a done image has index ", img.index,
            " but the batch has ", batch.size(), " images");
    require(!mask[img.index], what, "image ", img.index, " is done twice");
    require(img.label == batch.labels[img.index], what, "done image ", img.index, " has label ",
            img.label, " but the batch says ", batch.labels[img.index]);
    mask[img.index] = true;
  }
  return mask;
}

}  // namespace

Tensor cifar_image_tensor(const io::CifarBatch& batch, std::size_t i,
                          const io::ChannelNormalization& normalization) {
  const Shape shape{io::CifarBatch::channels, io::CifarBatch::height, io::CifarBatch::width};
  return Tensor(shape, io::normalize_image(batch.image(i), normalization));
}

int argmax(const std::vector<double>& logits) {
  return static_cast<int>(std::max_element(logits.begin(), logits.end()) - logits.begin());
}

double max_abs_diff(const std::vector<double>& a, const std::vector<double>& b) {
  double m = 0.0;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) m = std::max(m, std::abs(a[i] - b[i]));
  return m;
}

FloatEvaluation evaluate_float(const Graph& graph, const io::CifarBatch& batch,
                               const EvaluationOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  const FloatExecutor executor(graph);
  const std::size_t classes = graph.shape(graph.output).size();
  check_model_fits(graph, batch, classes);
  const std::vector<bool> skip = done_mask(batch, options.done);
  FloatEvaluation result;
  result.per_class.assign(classes, ClassCount{});
  result.logits.assign(batch.size(), {});
  result.predictions.assign(batch.size(), -1);
  result.relu_inputs = ReluRangeRecorder(graph).result();
  for (const FloatImage& img : options.done) fold(result, img);
  result.resumed = options.done.size();
  const std::size_t chunk = std::max<std::size_t>(options.chunk, 1);
  std::vector<FloatImage> images;
  for (std::size_t begin = 0; begin < batch.size(); begin += chunk) {
    const std::size_t end = std::min(batch.size(), begin + chunk);
    if (std::all_of(skip.begin() + static_cast<std::ptrdiff_t>(begin),
                    skip.begin() + static_cast<std::ptrdiff_t>(end), [](bool b) { return b; })) {
      continue;
    }
    run_chunk(executor, batch, begin, end, options, skip, images);
    for (std::size_t i = begin; i < end; ++i) {
      if (skip[i]) continue;
      fold(result, images[i - begin]);
      if (options.on_image) options.on_image(images[i - begin]);
    }
    if (options.progress) options.progress(result.images, result.correct);
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace fhecnn::nn
