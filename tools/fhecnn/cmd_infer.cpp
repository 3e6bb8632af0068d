// `fhecnn infer` (server): runs the network on an encrypted image.
//   fhecnn infer --model M.onnx [network options] --eval-keys DIR/eval.keys --in CT --out RESULT
//                [--json REPORT] [--quiet]
// The server reads the model, the evaluation bundle and the ciphertext only: there is no option
// that reads a secret key, and the bundle format cannot hold one (io/bundle.hpp). Everything
// that can be checked cheaply is checked before the keys are loaded: the bundle's parameters and
// plan fingerprint (from its header), the ciphertext's parameters, slot count, level and scale.
#include <chrono>
#include <cstdio>
#include <iostream>

#include "commands.hpp"
#include "common/error.hpp"
#include "deploy.hpp"
#include "io/bundle.hpp"
#include "io/serialize.hpp"

namespace fhecnn::tool {
namespace {

struct InferOptions {
  NetworkOptions network;
  std::string eval_keys;
  std::string in;
  std::string out;
  std::string json;
  bool quiet = false;
};

io::EvaluationBundle load_bundle(const std::string& path, const rlwe::Params& params) {
  std::fprintf(stderr, "loading %s (%s)...\n", path.c_str(),
               format_bytes(io::peek_evaluation_bundle(path).file_bytes).c_str());
  int next = 25;
  return io::load_evaluation_bundle(path, params, [&](double f) {
    const int pct = static_cast<int>(f * 100.0);
    if (pct < next) return;
    next = pct / 25 * 25 + 25;
    std::fprintf(stderr, "  %d%%\n", pct);
  });
}

void run_infer(const InferOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  const rlwe::ParamsLiteral lit = preset_literal(o.network);
  LoadedNetwork loaded = load_network(o.network);
  const nn::PackedNetwork& net = *loaded.net;
  const auto params = rlwe::Params::create(lit);
  const std::uint64_t plan = plan_fingerprint(o.network, net, *params);
  // Cheap checks first: a wrong file fails in seconds, not after loading gigabytes of keys.
  check_bundle_header(o.eval_keys, *params, plan);
  const rlwe::Ciphertext input = io::load_ciphertext(o.in, *params);
  check_input_ciphertext(input, net, o.in);

  auto t = std::chrono::steady_clock::now();
  const Bootstrapping boot = build_bootstrapping(params, net);
  const double setup_s = seconds_since(t);
  t = std::chrono::steady_clock::now();
  const io::EvaluationBundle bundle = load_bundle(o.eval_keys, *params);
  const double load_s = seconds_since(t);
  require<FormatError>(bundle.encapsulation.has_value() || boot.boots.empty(),
                       "use evaluation keys " + o.eval_keys,
                       "the network bootstraps but the bundle has no encapsulation keys");
  const ckks::Evaluator eval(params, &bundle.eval);
  nn::CkksNnBackend backend(eval, bundle.encapsulation ? &*bundle.encapsulation : nullptr,
                            boot.boots);

  std::fprintf(stderr, "running %zu layers on %zu slots...\n", net.steps().size(),
               net.options().slots);
  LayerTimer timer(net, backend, !o.quiet);
  t = std::chrono::steady_clock::now();
  const rlwe::Ciphertext out = nn::run_encrypted(net, backend, input, &timer);
  const double run_s = seconds_since(t);
  io::save_ciphertext(o.out, out, *params);

  const double total_s = seconds_since(start);
  const std::size_t key_bytes =
      bundle.eval.bytes() + (bundle.encapsulation ? bundle.encapsulation->to_sparse.bytes() +
                                                        bundle.encapsulation->to_dense.bytes()
                                                  : 0);
  const std::size_t rss = peak_rss_bytes();
  std::cout << "result       " << o.out << " (level " << out.level().value << ")\n";
  std::printf("seconds      %.2f (bootstrappers %.2f, loading keys %.2f, inference %.2f)\n",
              total_s, setup_s, load_s, run_s);
  std::printf("bootstraps   %ld\n", backend.bootstraps());
  std::printf("keys         %s in memory\n", format_bytes(key_bytes).c_str());
  std::printf("peak memory  %s\n", format_bytes(rss).c_str());
  std::cout << "by op       ";
  for (const auto& [op, s] : timer.seconds_by_op()) std::printf(" %s %.2f s", op.c_str(), s);
  std::cout << "\n";
  if (!o.json.empty()) {
    nlohmann::ordered_json layers = nlohmann::ordered_json::array();
    for (const LayerTimer::Layer& l : timer.layers()) {
      layers.push_back({{"node", l.node},
                        {"op", l.op},
                        {"level", l.level},
                        {"seconds", l.seconds},
                        {"bootstraps", l.bootstraps}});
    }
    write_json(o.json, {{"model", o.network.model},
                        {"preset", params->name()},
                        {"seconds", total_s},
                        {"setup_seconds", setup_s},
                        {"load_seconds", load_s},
                        {"inference_seconds", run_s},
                        {"bootstraps", backend.bootstraps()},
                        {"peak_rss_bytes", rss},
                        {"key_bytes", key_bytes},
                        {"latency_by_op", timer.seconds_by_op()},
                        {"layers", layers}});
  }
}

}  // namespace

void add_infer_command(CLI::App& app) {
  auto options = std::make_shared<InferOptions>();
  auto* cmd = app.add_subcommand(
      "infer",
      "server: run the model on an encrypted image. Reads only the evaluation bundle, never a "
      "secret key (no option takes one)");
  add_network_options(*cmd, options->network);
  cmd->add_option("--eval-keys", options->eval_keys, "evaluation bundle (DIR/eval.keys of keygen)")
      ->required();
  cmd->add_option("--in", options->in, "encrypted input (encrypt's output)")->required();
  cmd->add_option("--out", options->out, "encrypted result to write (for decrypt)")->required();
  cmd->add_option("--json", options->json, "write timings as JSON to this file");
  cmd->add_flag("--quiet", options->quiet, "no per-layer progress lines");
  cmd->callback([options] { run_infer(*options); });
}

}  // namespace fhecnn::tool
