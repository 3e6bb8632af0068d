// `fhecnn run`: keygen, encrypt, infer and decrypt of one image in one process (keys in memory,
// no files), compared with the float reference and the slot simulator on the same image.
//   fhecnn run --model M.onnx [network options] (--image FILE [--resize] | --cifar DIR --index I)
//              [--mode encrypted|simulated|float] [--data DIR] [--top 5] [--json OUT] [--quiet]
// --mode float / simulated classify the same input without keys (seconds): the float model with
// exact ReLU, or the packed plan on the slot simulator.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>

#include "commands.hpp"
#include "common/error.hpp"
#include "deploy.hpp"
#include "nn/evaluate.hpp"
#include "nn/float_executor.hpp"

namespace fhecnn::tool {
namespace {

struct RunOptions {
  std::string mode = "encrypted";
  NetworkOptions network;
  InputOptions input;
  std::string data;
  std::size_t top = 5;
  std::string json;
  bool quiet = false;
};

void print_logits(const char* label, const std::vector<double>& v) {
  std::printf("%-11s", label);
  for (double x : v) std::printf(" %8.4f", x);
  std::printf("  (argmax %d)\n", nn::argmax(v));
}

void run_run(const RunOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  const rlwe::ParamsLiteral lit = preset_literal(o.network);
  check_input_options(o.input);
  LoadedNetwork loaded = load_network(o.network);
  const nn::PackedNetwork& net = *loaded.net;
  const auto params = rlwe::Params::create(lit);
  const Input input = load_input(o.input, net);
  const std::vector<double> reference = nn::FloatExecutor(loaded.graph).run(input.tensor).values;
  const std::vector<double> simulated = nn::simulate_packed(net, input.tensor).logits;

  const auto names = class_names(o.data.empty() ? o.input.cifar : o.data, reference.size());
  if (o.mode != "encrypted") {
    const std::vector<double>& logits = o.mode == "float" ? reference : simulated;
    std::cout << "input        " << input.description;
    if (input.label) std::cout << ", label " << *input.label << " (" << names[*input.label] << ")";
    std::cout << "\nmode         " << o.mode << " (no encryption)\n";
    print_top(std::cout, logits, names, o.top);
    print_logits("simulated", simulated);
    print_logits("float", reference);
    std::printf("seconds      %.2f\n", seconds_since(start));
    return;
  }

  LocalDeployment d(params, net);
  std::fprintf(stderr, "running %zu layers on %zu slots...\n", net.steps().size(),
               net.options().slots);
  const LocalDeployment::Result r = d.infer(input.tensor, !o.quiet);
  const double total_s = seconds_since(start);
  const std::size_t rss = peak_rss_bytes();

  std::cout << "input        " << input.description;
  if (input.label) std::cout << ", label " << *input.label << " (" << names[*input.label] << ")";
  std::cout << "\nparameters   " << params->name() << ": N = 2^" << params->log_n().value
            << (params->security().secure_128 ? " (128-bit secure)" : " (NOT secure)") << "\n";
  print_top(std::cout, r.logits, names, o.top);
  print_logits("encrypted", r.logits);
  print_logits("simulated", simulated);
  print_logits("float", reference);
  std::printf("max |encrypted - float| %.6f, |encrypted - simulated| %.3g\n",
              nn::max_abs_diff(r.logits, reference), nn::max_abs_diff(r.logits, simulated));
  std::printf(
      "seconds      %.2f: bootstrappers %.2f, keygen %.2f, encrypt %.2f, inference %.2f, "
      "decrypt %.3f\n",
      total_s, d.setup_seconds(), d.keygen_seconds(), r.encrypt_seconds, r.run_seconds,
      r.decrypt_seconds);
  std::printf("bootstraps   %ld\nkeys         %zu Galois + relinearisation, %s\npeak memory  %s\n",
              r.bootstraps, d.keys().galois_keys(), format_bytes(d.keys().bytes()).c_str(),
              format_bytes(rss).c_str());
  if (o.json.empty()) return;
  nlohmann::ordered_json layers = nlohmann::ordered_json::array();
  for (const LayerTimer::Layer& l : r.layers) {
    layers.push_back({{"node", l.node},
                      {"op", l.op},
                      {"level", l.level},
                      {"seconds", l.seconds},
                      {"bootstraps", l.bootstraps}});
  }
  nlohmann::ordered_json report = {{"model", o.network.model},
                                   {"preset", params->name()},
                                   {"input", input.description},
                                   {"prediction", nn::argmax(r.logits)},
                                   {"float_prediction", nn::argmax(reference)},
                                   {"logits", r.logits},
                                   {"float_logits", reference},
                                   {"simulated_logits", simulated},
                                   {"max_logit_diff", nn::max_abs_diff(r.logits, reference)},
                                   {"max_logit_diff_simulated", nn::max_abs_diff(r.logits, simulated)},
                                   {"seconds", total_s},
                                   {"seconds_by_phase",
                                    {{"bootstrappers", d.setup_seconds()},
                                     {"keygen", d.keygen_seconds()},
                                     {"encrypt", r.encrypt_seconds},
                                     {"inference", r.run_seconds},
                                     {"decrypt", r.decrypt_seconds}}},
                                   {"bootstraps", r.bootstraps},
                                   {"peak_rss_bytes", rss},
                                   {"key_bytes", d.keys().bytes()},
                                   {"latency_by_op", r.seconds_by_op},
                                   {"layers", layers}};
  if (input.label) report["label"] = *input.label;
  write_json(o.json, report);
}

}  // namespace

void add_run_command(CLI::App& app) {
  auto options = std::make_shared<RunOptions>();
  auto* cmd = app.add_subcommand(
      "run", "keygen, encrypt, infer and decrypt one image in one process (keys in memory)");
  add_network_options(*cmd, options->network);
  add_input_options(*cmd, options->input);
  cmd->add_option("--data", options->data, "CIFAR directory with batches.meta.txt (class names)");
  cmd->add_option("--top", options->top, "classes to print")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--json", options->json, "write a JSON report to this file");
  cmd->add_flag("--quiet", options->quiet, "no per-layer progress lines");
  cmd->add_option("--mode", options->mode,
                  "encrypted (keys, encryption, inference on ciphertexts), or simulated / float "
                  "(the same input without encryption, for comparison)")
      ->check(CLI::IsMember({"encrypted", "simulated", "float"}))
      ->capture_default_str();
  cmd->callback([options] { run_run(*options); });
}

}  // namespace fhecnn::tool
