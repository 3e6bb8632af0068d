// Bootstrapping benchmark (scripts/bench.sh boot): one JSON object for one slot count at the
// 128-bit preset boot_n16. Usage: report_boot SLOTS [THREADS] [REPS]. Logs on stderr.
#include <omp.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "circuits/boot.hpp"
#include "ckks/encoder.hpp"
#include "ckks/precision.hpp"
#include "ckks/presets.hpp"
#include "common/memory.hpp"
#include "rlwe/encryptor.hpp"
#include "rlwe/keygen.hpp"

using namespace fhecnn;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::size_t peak_rss_bytes() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<std::size_t>(u.ru_maxrss) * 1024;
}

}  // namespace

int main(int argc, char** argv) try {
  tune_allocator_for_large_buffers();
  const std::size_t slots = argc > 1 ? std::stoul(argv[1]) : 16384;
  const int threads = argc > 2 ? std::stoi(argv[2]) : 2;
  const int reps = argc > 3 ? std::stoi(argv[3]) : 3;
  omp_set_num_threads(threads);
  const auto params = rlwe::Params::create(ckks::presets::boot_n16());
  std::cerr << "[boot " << slots << "] plans and EvalMod polynomial\n";
  circuits::BootstrapConfig cfg;
  cfg.slots = slots;
  const circuits::Bootstrapper boot(params, cfg);
  for (const auto* plan : {&boot.cts_plan(), &boot.stc_plan()}) {
    std::cerr << "[boot " << slots << "] " << (plan == &boot.cts_plan() ? "CoeffToSlot" : "SlotToCoeff")
              << " factors (diagonals/babies/giant rotations):";
    for (const auto& f : plan->factors) {
      std::cerr << " " << f.diagonals() << "/" << f.baby_rotations() << "/" << f.giant_rotations();
    }
    std::cerr << "\n";
  }

  std::cerr << "[boot " << slots << "] keys\n";
  rlwe::KeyGenerator kg(params);
  const auto sk = kg.gen_secret_key();
  const auto pk = kg.gen_public_key(sk);
  rlwe::EvaluationKeys keys;
  keys.set_relin_key(kg.gen_relin_key(sk, Level{params->max_level().value - cfg.cts_levels}));
  auto t0 = std::chrono::steady_clock::now();
  const auto enc_keys = circuits::gen_bootstrap_keys(params, sk, boot.key_plan(), keys);
  const double keygen_s = seconds_since(t0);
  const std::size_t boot_keys = keys.galois_keys().size() + 2;  // + the two encapsulation keys
  const std::size_t boot_key_bytes =
      keys.bytes() - keys.relin_key().bytes() + enc_keys.to_sparse.bytes() + enc_keys.to_dense.bytes();

  ckks::Encoder encoder(params);
  rlwe::Encryptor encryptor(params, pk);
  rlwe::Decryptor decryptor(params, sk);
  ckks::Evaluator eval(params, &keys);
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<double> d(-1.0, 1.0);
  std::vector<double> msg(slots);
  for (auto& v : msg) v = d(rng);
  auto ct = encryptor.encrypt(encoder.encode(msg, Level{0}, params->default_scale(), slots));

  std::vector<double> times;
  rlwe::Ciphertext out;
  circuits::BootstrapTimings stages;
  for (int r = 0; r < reps; ++r) {
    std::cerr << "[boot " << slots << "] bootstrap " << r + 1 << "/" << reps << "\n";
    t0 = std::chrono::steady_clock::now();
    out = boot.bootstrap(eval, enc_keys, ct, &stages);
    times.push_back(seconds_since(t0));
  }
  std::sort(times.begin(), times.end());
  const auto got = encoder.decode(decryptor.decrypt(out));
  std::vector<ckks::Complex> expect(msg.begin(), msg.end());
  const auto stats = ckks::measure_precision(expect, got);

  std::printf(
      "{\"slots\": %zu, \"threads\": %d, \"params\": \"%s\", \"boot_s\": %.3f, \"precision_mean_bits\": %.2f, "
      "\"precision_min_bits\": %.2f, \"levels_left\": %d, \"key_switches\": %d, \"boot_keys\": %zu, "
      "\"boot_key_bytes\": %zu, \"keygen_s\": %.2f, \"peak_rss_bytes\": %zu, \"log_qp\": %.1f, "
      "\"secure_128\": %s, \"stages_s\": {\"raise\": %.3f, \"sub_sum\": %.3f, \"coeff_to_slot\": %.3f, "
      "\"eval_mod\": %.3f, \"slot_to_coeff\": %.3f, \"finish\": %.3f}}\n",
      slots, threads, params->name().c_str(), times[times.size() / 2], stats.mean_bits, stats.min_bits,
      out.level().value, boot.key_switches(), boot_keys, boot_key_bytes, keygen_s, peak_rss_bytes(),
      params->security().log_qp, params->security().secure_128 ? "true" : "false", stages.raise,
      stages.sub_sum, stages.coeff_to_slot, stages.eval_mod, stages.slot_to_coeff, stages.finish);
  return 0;
} catch (const std::exception& e) {
  std::cerr << "report_boot: " << e.what() << "\n";
  return 1;
}
