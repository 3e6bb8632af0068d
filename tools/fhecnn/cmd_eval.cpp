// `fhecnn eval`: accuracy of an ONNX model on the CIFAR-10 test batch.
//   fhecnn eval --model M.onnx --data DIR --count N --mode float|simulated [--json OUT]
//               [--threads T] [--alpha 13] [--relu-bound 40] [--relu-coeffs FILE]
//               [--preset paper_n16] [--noise 0]
// Mode float runs the float64 reference (exact ReLU) on the imported graph after BN folding.
// Mode simulated runs the packed network (multiplexed layouts, MultParConv, AppReLU, simulated
// bootstrapping on the paper's level schedule) on the slot simulator, one simulator per thread,
// and compares every image with the float reference.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "circuits/coeff_file.hpp"
#include "circuits/sign.hpp"
#include "ckks/presets.hpp"
#include "commands.hpp"
#include "common/error.hpp"
#include "io/cifar.hpp"
#include "nn/evaluate.hpp"
#include "nn/onnx_import.hpp"
#include "nn/packed_executor.hpp"
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
  // simulated mode
  int alpha = 13;                    // AppReLU precision: data/minimax/relu_alpha<alpha>.txt
  double relu_bound = 40.0;          // B
  std::string relu_coeffs;           // explicit coefficient file; found from alpha when empty
  std::string preset = "paper_n16";  // CKKS parameter set whose primes form the chain
  double noise = 0.0;                // injected simulator noise per operation (stddev)
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

std::optional<std::filesystem::path> find_relu_coeffs(const EvalOptions& o) {
  if (!o.relu_coeffs.empty()) return std::filesystem::path(o.relu_coeffs);
  const std::string name = "relu_alpha" + std::to_string(o.alpha) + ".txt";
  std::vector<std::filesystem::path> dirs{std::filesystem::current_path()};
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {  // <repo>/<build>/bin/fhecnn
    dirs.push_back(exe.parent_path().parent_path().parent_path());
    dirs.push_back(exe.parent_path().parent_path());
  }
  for (const auto& d : dirs) {
    const auto p = d / "data" / "minimax" / name;
    if (std::filesystem::exists(p)) return p;
  }
  return std::nullopt;
}

// The AppReLU sign chain: the shipped coefficients, or a fresh design when none are found.
circuits::CompositeSign relu_sign(const EvalOptions& o) {
  if (const auto path = find_relu_coeffs(o)) {
    std::fprintf(stderr, "eval: AppReLU coefficients %s\n", path->string().c_str());
    return circuits::composite_sign_from_file(circuits::load_minimax(path->string()));
  }
  std::fprintf(stderr, "eval: no relu_alpha%d.txt found, designing AppReLU (alpha %d)...\n",
               o.alpha, o.alpha);
  const circuits::ReluDesign d = circuits::search_app_relu(o.alpha);
  return circuits::design_app_relu(o.alpha, d.degrees);
}

nn::Graph load_graph(const EvalOptions& o) {
  nn::Graph graph = nn::load_onnx(o.model);
  nn::fold_batch_norm(graph);
  nn::fuse_downsample_shortcuts(graph);
  return graph;
}

io::CifarBatch load_batch(const EvalOptions& o) {
  const auto batch_path = (std::filesystem::path(o.data) / "test_batch.bin").string();
  io::CifarRange range;
  if (o.count) range.count = *o.count;
  return io::read_cifar10(batch_path, range);
}

void run_float(const EvalOptions& o) {
  const nn::Graph graph = load_graph(o);
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
  std::cout << "model    " << o.model
            << "\nmode     simulated (packed slot simulator, AppReLU alpha " << o.alpha
            << ", B = " << o.relu_bound << ", chain " << o.preset << ", noise " << o.noise << ")\n"
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
  return {{"model", o.model},
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
          {"alpha", o.alpha},
          {"relu_bound", o.relu_bound},
          {"preset", o.preset},
          {"noise", o.noise},
          {"threads", o.threads},
          {"seconds", r.seconds},
          {"seconds_per_image", r.seconds / n},
          {"layers", layers},
          {"rotation_steps", r.first.rotation_steps}};
}

void run_simulated(const EvalOptions& o) {
  const nn::Graph graph = load_graph(o);
  const io::CifarBatch batch = load_batch(o);
  nn::PackedOptions packed = nn::packed_options(ckks::presets::by_name(o.preset));
  packed.relu_bound = o.relu_bound;
  packed.relu_chain = relu_sign(o).relu_chain();
  packed.noise.stddev = o.noise;
  const nn::PackedNetwork net(graph, packed);
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
         "float (float64 reference) | simulated (packed network on the slot simulator)")
      ->check(CLI::IsMember({"float", "simulated"}))
      ->default_str("float");
  cmd->add_option("--json", options->json, "write a JSON report to this file");
  cmd->add_option("--threads", options->threads, "worker threads (0 = OpenMP default)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--alpha", options->alpha, "simulated: AppReLU precision (2^-alpha on [-1, 1])")
      ->check(CLI::Range(4, 24))
      ->default_str("13");
  cmd->add_option("--relu-bound", options->relu_bound,
                  "simulated: bound B on |ReLU input|; values are scaled by 1/B")
      ->check(CLI::PositiveNumber)
      ->default_str("40");
  cmd->add_option("--relu-coeffs", options->relu_coeffs,
                  "simulated: AppReLU coefficient file (default: data/minimax/relu_alpha<A>.txt)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--preset", options->preset,
                  "simulated: CKKS parameter set whose primes form the level chain")
      ->default_str("paper_n16");
  cmd->add_option("--noise", options->noise,
                  "simulated: injected noise stddev per operation, in message units (0 = exact)")
      ->check(CLI::NonNegativeNumber)
      ->default_str("0");
  cmd->callback([options] { run_eval(*options); });
}

}  // namespace fhecnn::tool
