#include "nn/evaluate.hpp"

#include <omp.h>

#include <algorithm>
#include <chrono>
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

// Evaluates images [begin, end) in parallel, each thread recording ReLU ranges on its own.
void run_chunk(const FloatExecutor& executor, const io::CifarBatch& batch, std::size_t begin,
               std::size_t end, const EvaluationOptions& options, FloatEvaluation& result) {
  const auto count = static_cast<std::ptrdiff_t>(end - begin);
  std::exception_ptr error;  // exceptions must not leave an OpenMP region
#pragma omp parallel num_threads(options.threads > 0 ? options.threads : omp_get_max_threads())
  {
    ReluRangeRecorder recorder(executor.graph());
#pragma omp for schedule(dynamic, 1)
    for (std::ptrdiff_t k = 0; k < count; ++k) {
      const std::size_t i = begin + static_cast<std::size_t>(k);
      try {
        const Tensor out =
            executor.run(cifar_image_tensor(batch, i, options.normalization), &recorder);
        recorder.finish_image();
        result.logits[i] = out.values;
        result.predictions[i] = argmax(out.values);
      } catch (...) {
#pragma omp critical
        error = std::current_exception();
      }
    }
#pragma omp critical
    result.relu_inputs.merge(recorder.result());
  }
  if (error) std::rethrow_exception(error);
}

void count_correct(const io::CifarBatch& batch, std::size_t begin, std::size_t end,
                   FloatEvaluation& result) {
  for (std::size_t i = begin; i < end; ++i) {
    ClassCount& c = result.per_class[static_cast<std::size_t>(batch.labels[i])];
    const bool hit = result.predictions[i] == batch.labels[i];
    ++c.images;
    c.correct += hit ? 1 : 0;
    result.correct += hit ? 1 : 0;
  }
  result.images = end;
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

FloatEvaluation evaluate_float(const Graph& graph, const io::CifarBatch& batch,
                               const EvaluationOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  const FloatExecutor executor(graph);
  const std::size_t classes = graph.shape(graph.output).size();
  check_model_fits(graph, batch, classes);
  FloatEvaluation result;
  result.per_class.assign(classes, ClassCount{});
  result.logits.assign(batch.size(), {});
  result.predictions.assign(batch.size(), -1);
  result.relu_inputs = ReluRangeRecorder(graph).result();
  const std::size_t chunk = std::max<std::size_t>(options.chunk, 1);
  for (std::size_t begin = 0; begin < batch.size(); begin += chunk) {
    const std::size_t end = std::min(batch.size(), begin + chunk);
    run_chunk(executor, batch, begin, end, options, result);
    count_correct(batch, begin, end, result);
    if (options.progress) options.progress(result.images, result.correct);
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace fhecnn::nn
