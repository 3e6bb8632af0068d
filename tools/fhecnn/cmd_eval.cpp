// `fhecnn eval`: accuracy of an ONNX model on the CIFAR-10 test batch.
//   fhecnn eval --model M.onnx --data DIR --count N --mode float|simulated|encrypted [--json OUT]
//               [--threads T] [--alpha 13] [--relu-bound 40] [--relu-coeffs FILE]
//               [--preset boot_n16] [--noise 0]
// Mode float runs the float64 reference (exact ReLU) on the imported graph after BN folding.
// Mode simulated runs the packed network (multiplexed layouts, MultParConv, AppReLU, simulated
// bootstrapping on the paper's level schedule) on the slot simulator, one simulator per thread,
// and compares every image with the float reference.
// Mode encrypted generates one key set in memory and runs every image encrypted (CKKS), one after
// the other, comparing each with the float reference and the slot simulator (--count required).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "ckks/presets.hpp"
#include "commands.hpp"
#include "deploy.hpp"
#include "setup.hpp"
#include "common/error.hpp"
#include "io/cifar.hpp"
#include "nn/evaluate.hpp"
#include "nn/float_executor.hpp"
#include "nn/packed_executor.hpp"

namespace fhecnn::tool {
namespace {

enum class EvalMode { float_reference, simulated, encrypted };

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

// ---------------------------------------------------------------- encrypted

struct EncryptedEvaluation {
  std::size_t images = 0, correct = 0, float_correct = 0, agree_float = 0, agree_simulated = 0;
  std::size_t failures = 0;
  std::string first_failure;
  double max_logit_diff = 0.0, max_logit_diff_simulated = 0.0;
  std::vector<double> latency;                    // seconds per image (encrypt + run + decrypt)
  std::map<std::string, double> seconds_by_op;    // summed over images
  std::vector<int> predictions;
  long bootstraps = 0;
};

double max_diff(const std::vector<double>& a, const std::vector<double>& b) {
  double m = 0.0;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) m = std::max(m, std::abs(a[i] - b[i]));
  return m;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

void record_encrypted(EncryptedEvaluation& e, int label, const std::vector<double>& ref,
                      const std::vector<double>& sim, const LocalDeployment::Result& r) {
  const int p = nn::argmax(r.logits);
  e.predictions.push_back(p);
  e.correct += p == label ? 1 : 0;
  e.agree_float += p == nn::argmax(ref) ? 1 : 0;
  e.agree_simulated += !sim.empty() && p == nn::argmax(sim) ? 1 : 0;
  e.max_logit_diff = std::max(e.max_logit_diff, max_diff(r.logits, ref));
  if (!sim.empty()) e.max_logit_diff_simulated = std::max(e.max_logit_diff_simulated, max_diff(r.logits, sim));
  e.latency.push_back(r.encrypt_seconds + r.run_seconds + r.decrypt_seconds);
  for (const auto& [op, s] : r.seconds_by_op) e.seconds_by_op[op] += s;
  e.bootstraps += r.bootstraps;
}

void run_encrypted_eval(const EvalOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  const rlwe::ParamsLiteral lit = preset_literal(o.network);
  require(o.count.has_value(), "evaluate encrypted",
          "--mode encrypted needs --count N (every image is a full encrypted inference)");
  const io::CifarBatch batch = load_batch(o);
  LoadedNetwork loaded = load_network(o.network);
  const nn::PackedNetwork& net = *loaded.net;
  const auto params = rlwe::Params::create(lit);
  const nn::FloatExecutor reference(loaded.graph);
  const auto names = class_names(o.data, loaded.graph.shape(loaded.graph.output).size());
  LocalDeployment d(params, net);
  EncryptedEvaluation e;
  const auto images_start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const nn::Tensor x = nn::cifar_image_tensor(batch, i, io::cifar10_reference_normalization());
    const std::vector<double> ref = reference.run(x).values;
    e.float_correct += nn::argmax(ref) == batch.labels[i] ? 1 : 0;
    ++e.images;
    std::vector<double> sim;
    try {
      sim = nn::simulate_packed(net, x).logits;
      const LocalDeployment::Result r = d.infer(x, false);
      record_encrypted(e, batch.labels[i], ref, sim, r);
      const double done_s = seconds_since(images_start);
      const double eta = done_s / static_cast<double>(i + 1) * static_cast<double>(batch.size() - i - 1);
      std::fprintf(stderr, "image %zu/%zu: label %s, encrypted %s, float %s, %.1f s, %.2f%% correct, ETA %.0f s\n",
                   i + 1, batch.size(), names[static_cast<std::size_t>(batch.labels[i])].c_str(),
                   names[static_cast<std::size_t>(e.predictions.back())].c_str(),
                   names[static_cast<std::size_t>(nn::argmax(ref))].c_str(), e.latency.back(),
                   100.0 * static_cast<double>(e.correct) / static_cast<double>(e.images), eta);
    } catch (const InvalidArgument& err) {
      ++e.failures;
      if (e.first_failure.empty()) e.first_failure = "image " + std::to_string(i) + ": " + err.what();
      e.predictions.push_back(-1);
      std::fprintf(stderr, "image %zu/%zu: failed: %s\n", i + 1, batch.size(), err.what());
    }
  }
  const double total_s = seconds_since(start);
  const std::size_t rss = peak_rss_bytes();
  const double n = static_cast<double>(std::max<std::size_t>(e.images, 1));
  std::map<std::string, double> by_op;  // per image
  for (const auto& [op, s] : e.seconds_by_op) by_op[op] = s / n;
  std::cout << "model    " << o.network.model << "\nmode     encrypted (CKKS " << params->name()
            << (params->security().secure_128 ? ", 128-bit secure" : ", NOT secure") << ", AppReLU alpha "
            << o.network.alpha << ", B = " << o.network.relu_bound << ")\nimages   " << e.images
            << "\ncorrect  " << e.correct << std::fixed << std::setprecision(2) << "\naccuracy "
            << 100.0 * static_cast<double>(e.correct) / n << "%  (float: "
            << 100.0 * static_cast<double>(e.float_correct) / n << "%)\nagreement with float "
            << 100.0 * static_cast<double>(e.agree_float) / n << "%, with the simulator "
            << 100.0 * static_cast<double>(e.agree_simulated) / n << "%\n"
            << std::setprecision(4) << "max |logit - float logit| " << e.max_logit_diff
            << ", max |logit - simulated logit| " << std::scientific << e.max_logit_diff_simulated
            << std::fixed << "\nfailures " << e.failures
            << (e.failures ? "  (first: " + e.first_failure + ")" : "") << std::setprecision(2)
            << "\nlatency  median " << median(e.latency) << " s per image\nbootstraps "
            << e.bootstraps << "\nkeys     " << format_bytes(d.keys().bytes()) << "\npeak memory "
            << format_bytes(rss) << "\nseconds  " << total_s << " (keygen " << d.keygen_seconds()
            << ")\n";
  if (o.json.empty()) return;
  write_json(o.json, {{"model", o.network.model},
                      {"mode", "encrypted"},
                      {"preset", params->name()},
                      {"alpha", o.network.alpha},
                      {"relu_bound", o.network.relu_bound},
                      {"count", e.images},
                      {"correct", e.correct},
                      {"accuracy", static_cast<double>(e.correct) / n},
                      {"float_accuracy", static_cast<double>(e.float_correct) / n},
                      {"agreement_with_float", static_cast<double>(e.agree_float) / n},
                      {"agreement_with_simulated", static_cast<double>(e.agree_simulated) / n},
                      {"max_logit_diff", e.max_logit_diff},
                      {"max_logit_diff_simulated", e.max_logit_diff_simulated},
                      {"failures", e.failures},
                      {"first_failure", e.first_failure},
                      {"predictions", e.predictions},
                      {"latency_s", {{"per_image", e.latency}, {"median", median(e.latency)}}},
                      {"latency_by_op", by_op},
                      {"bootstraps", e.bootstraps},
                      {"peak_rss_bytes", rss},
                      {"key_bytes", d.keys().bytes()},
                      {"keygen_seconds", d.keygen_seconds()},
                      {"seconds", total_s}});
}

void run_eval(const EvalOptions& o) {
  switch (o.mode) {
    case EvalMode::simulated: return run_simulated(o);
    case EvalMode::encrypted: return run_encrypted_eval(o);
    case EvalMode::float_reference: return run_float(o);
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
           options->mode = mode == "simulated"   ? EvalMode::simulated
                           : mode == "encrypted" ? EvalMode::encrypted
                                                 : EvalMode::float_reference;
         },
         "float (float64 reference) | simulated (packed network on the slot simulator) | "
         "encrypted (CKKS, one key set for all images; needs --count)")
      ->check(CLI::IsMember({"float", "simulated", "encrypted"}))
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
