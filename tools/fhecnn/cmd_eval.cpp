// `fhecnn eval`: accuracy of an ONNX model on the CIFAR-10 test batch.
//   fhecnn eval --model M.onnx --data DIR --count N --mode float|simulated [--json OUT]
//               [--threads T] [--alpha 13] [--relu-bound 40] [--relu-coeffs FILE]
//               [--preset boot_n16] [--noise 0]
// Mode float runs the float64 reference (exact ReLU) on the imported graph after BN folding.
// Mode simulated runs the packed network (multiplexed layouts, MultParConv, AppReLU, simulated
// bootstrapping on the paper's level schedule) on the slot simulator, one simulator per thread,
// and compares every image with the float reference.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "ckks/presets.hpp"
#include "commands.hpp"
#include "setup.hpp"
#include "common/error.hpp"
#include "io/cifar.hpp"
#include "nn/evaluate.hpp"
#include "nn/packed_executor.hpp"

namespace fhecnn::tool {
namespace {

enum class EvalMode { float_reference, simulated };

struct EvalOptions {
  NetworkOptions network;  // model, preset, alpha, B (simulated mode compiles with them)
  std::string data;
  std::optional<std::size_t> count;  // all records when absent
  EvalMode mode = EvalMode::float_reference;
  std::string json;  // report path; none when empty
  int threads = 0;
  double noise = 0.0;  // simulated: injected simulator noise per operation (stddev)
};

void print_progress(std::size_t done, std::size_t correct, std::size_t total, double seconds) {
  std::fprintf(stderr, "\reval: %zu/%zu images, %.2f%% correct, %.1f s", done, total,
               100.0 * static_cast<double>(correct) / static_cast<double>(done), seconds);
  std::fflush(stderr);
}

void print_summary(const EvalOptions& o, const nn::FloatEvaluation& r,
                   const std::vector<std::string>& names) {
  std::cout << "model    " << o.network.model << "\nmode     float (float64, exact ReLU, BN folded)\n"
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
  return {{"model", o.network.model},
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

io::CifarBatch load_batch(const EvalOptions& o) {
  const auto batch_path = (std::filesystem::path(o.data) / "test_batch.bin").string();
  io::CifarRange range;
  if (o.count) range.count = *o.count;
  return io::read_cifar10(batch_path, range);
}

void run_float(const EvalOptions& o) {
  const nn::Graph graph = load_graph(o.network.model);
  const io::CifarBatch batch = load_batch(o);
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

void print_simulated(const EvalOptions& o, const nn::SimulatedEvaluation& r) {
  const double n = static_cast<double>(std::max<std::size_t>(r.images, 1));
  std::cout << "model    " << o.network.model
            << "\nmode     simulated (packed slot simulator, AppReLU alpha " << o.network.alpha
            << ", B = " << o.network.relu_bound << ", chain " << o.network.preset << ", noise " << o.noise << ")\n"
            << "images   " << r.images << "\ncorrect  " << r.correct << std::fixed
            << std::setprecision(2) << "\naccuracy " << 100.0 * r.accuracy()
            << "%  (float: " << 100.0 * static_cast<double>(r.float_correct) / n
            << "%)\nagreement with float " << 100.0 * r.agreement() << "%\n"
            << std::setprecision(4) << "max |logit - float logit| " << r.max_logit_diff
            << "\nfailures " << r.failures
            << (r.failures ? "  (first: " + r.first_failure + ")" : "") << "\nseconds  "
            << std::setprecision(1) << r.seconds << "  (" << std::setprecision(2) << r.seconds / n
            << " s/image)\n";
  if (r.first.layers.empty()) return;
  std::cout << "\nper layer (image 0): rotations, plaintext products, products, rescales, "
               "bootstraps, level after, max |ReLU input|/B\n";
  for (const nn::LayerReport& l : r.first.layers) {
    std::cout << "  " << std::left << std::setw(40) << l.node << std::setw(9) << l.op << std::right
              << std::setw(5) << l.counts.rotations << std::setw(5) << l.counts.mul_plain
              << std::setw(4) << l.counts.mul << std::setw(4) << l.counts.rescale << std::setw(3)
              << l.counts.bootstraps << std::setw(4) << l.level.value;
    if (l.op == "relu") std::cout << std::setw(9) << std::setprecision(4) << l.relu_input;
    std::cout << "\n";
  }
  std::cout << "total: " << r.first.total << "; " << r.first.rotation_steps.size()
            << " distinct rotation steps\n";
}

nlohmann::ordered_json layer_json(const nn::LayerReport& l) {
  nlohmann::ordered_json j = {{"node", l.node},
                              {"op", l.op},
                              {"level", l.level.value},
                              {"rotations", l.counts.rotations},
                              {"hoisted_rotations", l.counts.hoisted_rotations},
                              {"mul_plain", l.counts.mul_plain},
                              {"mul", l.counts.mul},
                              {"mul_const", l.counts.mul_const},
                              {"rescale", l.counts.rescale},
                              {"bootstraps", l.counts.bootstraps}};
  if (l.op == "relu") j["relu_input"] = l.relu_input;
  return j;
}

nlohmann::ordered_json simulated_json(const EvalOptions& o, const nn::SimulatedEvaluation& r) {
  nlohmann::ordered_json relus = nlohmann::ordered_json::array();
  for (const auto& [node, m] : r.relu_inputs) relus.push_back({{"node", node}, {"max_abs", m}});
  nlohmann::ordered_json layers = nlohmann::ordered_json::array();
  for (const nn::LayerReport& l : r.first.layers) layers.push_back(layer_json(l));
  const double n = static_cast<double>(std::max<std::size_t>(r.images, 1));
  return {{"model", o.network.model},
          {"mode", "simulated"},
          {"count", r.images},
          {"correct", r.correct},
          {"accuracy", r.accuracy()},
          {"float_accuracy", static_cast<double>(r.float_correct) / n},
          {"agreement_with_float", r.agreement()},
          {"max_logit_diff", r.max_logit_diff},
          {"max_relu_input", relus},
          {"failures", r.failures},
          {"first_failure", r.first_failure},
          {"alpha", o.network.alpha},
          {"relu_bound", o.network.relu_bound},
          {"preset", o.network.preset},
          {"noise", o.noise},
          {"threads", o.threads},
          {"seconds", r.seconds},
          {"seconds_per_image", r.seconds / n},
          {"layers", layers},
          {"rotation_steps", r.first.rotation_steps}};
}

void run_simulated(const EvalOptions& o) {
  const io::CifarBatch batch = load_batch(o);
  LoadedNetwork loaded = load_network(o.network);
  nn::PackedOptions packed = loaded.net->options();
  packed.noise.stddev = o.noise;
  const nn::PackedNetwork net(loaded.graph, packed);
  nn::SimulatedEvaluationOptions options;
  options.threads = o.threads;
  const auto start = std::chrono::steady_clock::now();
  options.progress = [&](std::size_t done, std::size_t correct) {
    const std::chrono::duration<double> t = std::chrono::steady_clock::now() - start;
    print_progress(done, correct, batch.size(), t.count());
  };
  const nn::SimulatedEvaluation result = nn::evaluate_simulated(net, batch, options);
  std::fprintf(stderr, "\n");
  print_simulated(o, result);
  if (!o.json.empty()) write_json(o.json, simulated_json(o, result));
}

void run_eval(const EvalOptions& o) {
  if (o.mode == EvalMode::simulated) {
    run_simulated(o);
  } else {
    run_float(o);
  }
}

}  // namespace

void add_eval_command(CLI::App& app) {
  auto options = std::make_shared<EvalOptions>();
  auto* cmd = app.add_subcommand("eval", "accuracy of an ONNX model on the CIFAR-10 test batch");
  add_network_options(*cmd, options->network);
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
         "float (float64 reference) | simulated (packed network on the slot simulator)")
      ->check(CLI::IsMember({"float", "simulated"}))
      ->default_str("float");
  cmd->add_option("--json", options->json, "write a JSON report to this file");
  cmd->add_option("--threads", options->threads, "worker threads (0 = OpenMP default)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--noise", options->noise,
                  "simulated: injected noise stddev per operation, in message units (0 = exact)")
      ->check(CLI::NonNegativeNumber)
      ->default_str("0");
  cmd->callback([options] { run_eval(*options); });
}

}  // namespace fhecnn::tool
