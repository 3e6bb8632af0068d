// Encrypted ResNet benchmark (scripts/bench.sh resnet): one JSON object for K CIFAR-10 test images
// through a pretrained ResNet at the 128-bit preset boot_n16, one key set for all images.
// Usage: report_resnet MODEL.onnx DATA_DIR [IMAGES] [THREADS] [RELU_COEFFS]. Logs on stderr.
// Per image: encrypt -> run_encrypted (server side: evaluation keys only) -> decrypt, compared
// with the float model and the slot simulator on the same plan.
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "circuits/coeff_file.hpp"
#include "circuits/sign.hpp"
#include "ckks/presets.hpp"
#include "common/memory.hpp"
#include "deploy.hpp"  // tools/fhecnn: LayerTimer, peak_rss_bytes, seconds_since
#include "io/cifar.hpp"
#include "nn/ckks_nn_backend.hpp"
#include "nn/evaluate.hpp"
#include "nn/float_executor.hpp"
#include "nn/onnx_import.hpp"
#include "nn/passes.hpp"
#include "rlwe/keygen.hpp"

using namespace fhecnn;
using tool::peak_rss_bytes;
using tool::seconds_since;
using Clock = std::chrono::steady_clock;

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n == 0 ? 0.0 : n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

std::filesystem::path relu_coeffs_path(const char* argv0, const std::string& given) {
  if (!given.empty()) return given;
  // <repo>/build/release/bench/report_resnet -> <repo>/data/minimax
  return std::filesystem::weakly_canonical(std::filesystem::path(argv0)).parent_path() / ".." /
         ".." / ".." / "data" / "minimax" / "relu_alpha13.txt";
}

}  // namespace

int main(int argc, char** argv) try {
  tune_allocator_for_large_buffers();
  if (argc < 3) {
    std::cerr << "usage: report_resnet MODEL.onnx DATA_DIR [IMAGES] [THREADS] [RELU_COEFFS]\n";
    return 2;
  }
  const std::string model = argv[1], data = argv[2];
  const std::size_t images = argc > 3 ? std::stoul(argv[3]) : 1;
  const int threads = argc > 4 ? std::stoi(argv[4]) : 2;
  const std::string coeffs = relu_coeffs_path(argv[0], argc > 5 ? argv[5] : "").string();
  omp_set_num_threads(threads);
  const auto t_setup = Clock::now();

  nn::Graph graph = nn::load_onnx(model);
  nn::fold_batch_norm(graph);
  nn::fuse_downsample_shortcuts(graph);
  const rlwe::ParamsLiteral lit = ckks::presets::boot_n16();
  nn::PackedOptions options = nn::packed_options(lit);
  options.relu_chain =
      circuits::composite_sign_from_file(circuits::load_minimax(coeffs)).relu_chain();
  const nn::PackedNetwork net(graph, options);
  io::CifarRange range;
  range.count = images;
  const io::CifarBatch batch =
      io::read_cifar10((std::filesystem::path(data) / "test_batch.bin").string(), range);
  const nn::FloatExecutor fexec(graph);

  // Client: keys.
  const auto params = rlwe::Params::create(lit);
  std::cerr << "[resnet] plan and bootstrappers\n";
  const nn::NetworkKeyRequirements reqs = nn::network_key_requirements(net);
  const nn::Bootstrappers boots = nn::make_bootstrappers(params, reqs.bootstrap_slots);
  std::cerr << "[resnet] keys (" << nn::plan_network_keys(*params, reqs, boots).bytes(*params) / 1e9
            << " GB planned)\n";
  const auto t_keys = Clock::now();
  rlwe::KeyGenerator kg(params);
  const rlwe::SecretKey sk = kg.gen_secret_key();
  const rlwe::PublicKey pk = kg.gen_public_key(sk);
  const nn::NetworkKeys keys = nn::gen_network_keys(params, sk, reqs, boots);
  const double keygen_s = seconds_since(t_keys);
  std::cerr << "[resnet] " << keys.galois_keys() << " Galois keys, " << keys.bytes() / 1e9
            << " GB, " << keygen_s << " s\n";
  const ckks::Encoder encoder(params);
  const rlwe::Encryptor encryptor(params, pk);
  const rlwe::Decryptor decryptor(params, sk);

  // Server: evaluation keys only.
  const ckks::Evaluator eval(params, &keys.eval);
  nn::CkksNnBackend backend(eval, keys.encapsulation ? &*keys.encapsulation : nullptr, boots);
  const double setup_s = seconds_since(t_setup);

  std::vector<double> latency;
  std::size_t agree_float = 0, agree_sim = 0, correct = 0;
  double max_diff_float = 0.0, max_diff_sim = 0.0;
  nlohmann::ordered_json per_image = nlohmann::ordered_json::array();
  std::map<std::string, double> by_op_total;
  nlohmann::ordered_json layers;  // of the last image
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const nn::Tensor image =
        nn::cifar_image_tensor(batch, i, io::cifar10_reference_normalization());
    const std::vector<double> flt = fexec.run(image).values;
    const nn::SimulationResult sim = nn::simulate_packed(net, image);
    std::cerr << "[resnet] image " << i + 1 << "/" << batch.size() << "\n";
    const long boots0 = backend.bootstraps();
    tool::LayerTimer timer(net, backend, true);
    const auto t0 = Clock::now();
    const rlwe::Ciphertext in = nn::encrypt_input(net, image, encoder, encryptor);
    const rlwe::Ciphertext out = nn::run_encrypted(net, backend, in, &timer);
    const std::vector<double> got = nn::decrypt_logits(net, out, encoder, decryptor);
    latency.push_back(seconds_since(t0));
    for (const auto& [op, sec] : timer.seconds_by_op()) by_op_total[op] += sec;
    layers = nlohmann::ordered_json::array();
    for (const auto& l : timer.layers()) {
      layers.push_back({{"node", l.node}, {"op", l.op}, {"seconds", l.seconds},
                        {"bootstraps", l.bootstraps}, {"level", l.level}});
    }
    const double df = nn::max_abs_diff(got, flt), ds = nn::max_abs_diff(got, sim.logits);
    max_diff_float = std::max(max_diff_float, df);
    max_diff_sim = std::max(max_diff_sim, ds);
    const int pred = nn::argmax(got);
    agree_float += pred == nn::argmax(flt);
    agree_sim += pred == nn::argmax(sim.logits);
    correct += pred == batch.labels[i];
    std::fprintf(stderr,
                 "[resnet] image %zu: %.1f s, %ld bootstraps, class %d (float %d, label %d), "
                 "max |logit - float| %.4f, max |logit - simulated| %.4f\n",
                 i, latency.back(), backend.bootstraps() - boots0, pred, nn::argmax(flt),
                 batch.labels[i], df, ds);
    per_image.push_back({{"index", i},
                         {"latency_s", latency.back()},
                         {"prediction", pred},
                         {"float_prediction", nn::argmax(flt)},
                         {"label", batch.labels[i]},
                         {"max_logit_diff", df},
                         {"max_logit_diff_simulated", ds}});
  }
  nlohmann::ordered_json by_op;
  for (const auto& [op, s] : by_op_total) by_op[op] = s / static_cast<double>(batch.size());
  const double n = static_cast<double>(batch.size());
  const nlohmann::ordered_json report = {
      {"model", model},
      {"depth", static_cast<int>(std::count_if(graph.nodes.begin(), graph.nodes.end(),
                                               [](const nn::Node& x) {
                                                 return std::holds_alternative<nn::Conv2dSpec>(x.spec) ||
                                                        std::holds_alternative<nn::LinearSpec>(x.spec);
                                               }))},
      {"images", batch.size()},
      {"threads", threads},
      {"params", params->name()},
      {"log_qp", params->security().log_qp},
      {"secure_128", params->security().secure_128},
      {"latency_s", median(latency)},
      {"latency_per_image_s", latency},
      {"latency_by_op_s", by_op},
      {"bootstraps", static_cast<double>(backend.bootstraps()) / n},
      {"peak_rss_bytes", peak_rss_bytes()},
      {"key_bytes", keys.bytes()},
      {"galois_keys", keys.galois_keys()},
      {"keygen_s", keygen_s},
      {"setup_s", setup_s},
      {"agreement", static_cast<double>(agree_float) / n},
      {"agreement_with_simulated", static_cast<double>(agree_sim) / n},
      {"accuracy", static_cast<double>(correct) / n},
      {"max_logit_diff", max_diff_float},
      {"max_logit_diff_simulated", max_diff_sim},
      {"per_image", per_image},
      {"layers", layers}};
  std::cout << report.dump() << std::endl;
  return 0;
} catch (const std::exception& e) {
  std::cerr << "report_resnet: error: " << e.what() << "\n";
  return 1;
}
