// `fhecnn eval`: accuracy of an ONNX model on the CIFAR-10 test batch.
//   fhecnn eval --model M.onnx --data DIR --count N --mode float [--json OUT] [--threads T]
// Mode float runs the float64 reference (exact ReLU) on the imported graph after BN folding.
// Mode simulated (slot simulator with AppReLU) is not available yet and is rejected.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "commands.hpp"
#include "common/error.hpp"
#include "io/cifar.hpp"
#include "nn/evaluate.hpp"
#include "nn/onnx_import.hpp"
#include "nn/passes.hpp"

namespace fhecnn::tool {
namespace {

enum class EvalMode { float_reference, simulated };

struct EvalOptions {
  std::string model;
  std::string data;
  std::optional<std::size_t> count;  // all records when absent
  EvalMode mode = EvalMode::float_reference;
  std::string json;  // report path; none when empty
  int threads = 0;
};

std::vector<std::string> class_names(const std::string& data_dir, std::size_t classes) {
  const auto meta = std::filesystem::path(data_dir) / "batches.meta.txt";
  std::vector<std::string> names;
  if (std::filesystem::exists(meta)) names = io::read_cifar_class_names(meta.string());
  for (std::size_t c = names.size(); c < classes; ++c)
    names.push_back("class " + std::to_string(c));
  return names;
}

void print_progress(std::size_t done, std::size_t correct, std::size_t total, double seconds) {
  std::fprintf(stderr, "\reval: %zu/%zu images, %.2f%% correct, %.1f s", done, total,
               100.0 * static_cast<double>(correct) / static_cast<double>(done), seconds);
  std::fflush(stderr);
}

void print_summary(const EvalOptions& o, const nn::FloatEvaluation& r,
                   const std::vector<std::string>& names) {
  std::cout << "model    " << o.model << "\nmode     float (float64, exact ReLU, BN folded)\n"
            << "images   " << r.images << "\ncorrect  " << r.correct << "\naccuracy " << std::fixed
            << std::setprecision(2) << 100.0 * r.accuracy() << "%\nseconds  " << r.seconds
            << "\nmax |ReLU input| " << std::setprecision(4) << r.relu_inputs.max_abs()
            << "\n\nclass            correct/images\n";
  for (std::size_t c = 0; c < r.per_class.size(); ++c) {
    if (r.per_class[c].images == 0) continue;
    std::cout << "  " << std::left << std::setw(14) << names[c] << std::right << std::setw(6)
              << r.per_class[c].correct << "/" << r.per_class[c].images << "\n";
  }
}

nlohmann::ordered_json json_report(const EvalOptions& o, const nn::FloatEvaluation& r,
                                   const std::vector<std::string>& names) {
  nlohmann::ordered_json relus = nlohmann::ordered_json::array();
  for (const nn::ReluRange& range : r.relu_inputs.relus) {
    relus.push_back({{"node", range.node},
                     {"min", range.min},
                     {"max", range.max},
                     {"max_abs", range.max_abs()}});
  }
  nlohmann::ordered_json classes = nlohmann::ordered_json::array();
  for (std::size_t c = 0; c < r.per_class.size(); ++c) {
    classes.push_back({{"label", c},
                       {"name", names[c]},
                       {"images", r.per_class[c].images},
                       {"correct", r.per_class[c].correct}});
  }
  return {{"model", o.model},
          {"mode", "float"},
          {"count", r.images},
          {"correct", r.correct},
          {"accuracy", r.accuracy()},
          {"agreement_with_float", 1.0},
          {"max_logit_diff", 0.0},
          {"max_relu_input", relus},
          {"max_relu_input_overall", r.relu_inputs.max_abs()},
          {"per_class", classes},
          {"seconds", r.seconds}};
}

void write_json(const std::string& path, const nlohmann::ordered_json& report) {
  std::ofstream out(path);
  require(out.good(), "write report " + path, "the file cannot be created");
  out << report.dump(1) << "\n";
  require(out.good(), "write report " + path, "writing failed");
}

void run_eval(const EvalOptions& o) {
  require(o.mode == EvalMode::float_reference, "evaluate", "mode simulated is not available yet");
  nn::Graph graph = nn::load_onnx(o.model);
  nn::fold_batch_norm(graph);
  nn::fuse_downsample_shortcuts(graph);
  const auto batch_path = (std::filesystem::path(o.data) / "test_batch.bin").string();
  io::CifarRange range;
  if (o.count) range.count = *o.count;
  const io::CifarBatch batch = io::read_cifar10(batch_path, range);
  const auto names = class_names(o.data, graph.shape(graph.output).size());
  nn::EvaluationOptions options;
  options.threads = o.threads;
  const auto start = std::chrono::steady_clock::now();
  options.progress = [&](std::size_t done, std::size_t correct) {
    const std::chrono::duration<double> t = std::chrono::steady_clock::now() - start;
    print_progress(done, correct, batch.size(), t.count());
  };
  const nn::FloatEvaluation result = nn::evaluate_float(graph, batch, options);
  std::fprintf(stderr, "\n");
  print_summary(o, result, names);
  if (!o.json.empty()) write_json(o.json, json_report(o, result, names));
}

}  // namespace

void add_eval_command(CLI::App& app) {
  auto options = std::make_shared<EvalOptions>();
  auto* cmd = app.add_subcommand("eval", "accuracy of an ONNX model on the CIFAR-10 test batch");
  cmd->add_option("--model", options->model, "ONNX model (.onnx)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--data", options->data, "directory holding test_batch.bin")
      ->required()
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--count", options->count, "number of test images, from the first (all)")
      ->check(CLI::PositiveNumber);
  cmd->add_option_function<std::string>(
         "--mode",
         [options](const std::string& mode) {
           options->mode = mode == "simulated" ? EvalMode::simulated : EvalMode::float_reference;
         },
         "float (float64 reference) | simulated (not available yet)")
      ->check(CLI::IsMember({"float", "simulated"}))
      ->default_str("float");
  cmd->add_option("--json", options->json, "write a JSON report to this file");
  cmd->add_option("--threads", options->threads, "worker threads (0 = OpenMP default)")
      ->check(CLI::NonNegativeNumber);
  cmd->callback([options] { run_eval(*options); });
}

}  // namespace fhecnn::tool
