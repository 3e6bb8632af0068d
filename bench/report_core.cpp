// Prints the core CKKS benchmark as a JSON array, one object per thread count (scripts/bench.sh
// core). Medians of repeated runs; logs go to stderr.
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "ckks/evaluator.hpp"
#include "common/memory.hpp"
#include "ckks/presets.hpp"
#include "math/ntt.hpp"
#include "rlwe/encryptor.hpp"
#include "rlwe/keygen.hpp"

using namespace fhecnn;

namespace {

double median_ms(int reps, const std::function<void()>& f) {
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    t.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

std::string run(const rlwe::ParamsPtr& params, int threads, int reps) {
  omp_set_num_threads(threads);
  std::cerr << "[core] threads " << threads << ": keys\n";
  rlwe::KeyGenerator kg(params);
  const auto sk = kg.gen_secret_key();
  const auto pk = kg.gen_public_key(sk);
  rlwe::EvaluationKeys keys;
  keys.set_relin_key(kg.gen_relin_key(sk));
  const std::vector<int> steps{1, 2, 3, 4, 5, 6, 7, 8};
  const std::size_t slots = params->max_slots();
  kg.add_rotation_keys(keys, sk, steps, slots);
  const GaloisElement g1 = params->rotation_element(RotationStep{1}, slots);
  const double keygen_ms = median_ms(3, [&] { kg.gen_galois_key(sk, g1); });
  const auto low_key = kg.gen_galois_key(sk, g1, Level{2});

  ckks::Encoder enc(params);
  rlwe::Encryptor encryptor(params, pk);
  ckks::Evaluator eval(params, &keys);
  std::vector<double> x(slots, 0.5);
  const auto top = encryptor.encrypt(enc.encode(x, params->max_level(), params->default_scale()));
  auto low = top;
  eval.drop_to_level_inplace(low, Level{2});

  std::cerr << "[core] threads " << threads << ": ntt\n";
  const auto& tables = params->ring().ntt(0);
  std::vector<math::u64> limb(params->n(), 12345);
  const double ntt_us = 1000.0 * median_ms(reps * 20, [&] { math::ntt_forward(tables, limb.data()); });
  auto mrr = [&](const rlwe::Ciphertext& c) {
    auto r = eval.multiply(c, c);
    eval.rescale_inplace(r);
  };
  std::cerr << "[core] threads " << threads << ": multiply, rotate\n";
  const double mul_ms = median_ms(reps, [&] { mrr(top); });
  const double rot_ms = median_ms(reps, [&] { eval.rotate(top, RotationStep{1}); });
  const double hoist_ms = median_ms(reps, [&] { eval.rotate_hoisted(top, steps); });
  const double mul_low_ms = median_ms(reps, [&] { mrr(low); });
  const double rot_low_ms = median_ms(reps, [&] { eval.rotate(low, RotationStep{1}); });

  char buf[1024];
  std::snprintf(buf, sizeof buf,
                "{\"threads\": %d, \"params\": \"%s\", \"log_n\": %d, \"limbs\": %zu, \"special_primes\": %zu, "
                "\"dnum\": %d, \"log_qp\": %.1f, \"secure_128\": %s, \"kernel\": \"%s\", \"ntt_us\": %.1f, "
                "\"mul_relin_rescale_ms\": %.1f, \"rotate_ms\": %.1f, \"hoisted8_ms\": %.1f, "
                "\"mul_relin_rescale_low_ms\": %.2f, \"rotate_low_ms\": %.2f, \"galois_keygen_ms\": %.1f, "
                "\"galois_key_bytes\": %zu, \"galois_key_low_bytes\": %zu}",
                threads, params->name().c_str(), params->log_n().value, params->q_primes().size(),
                params->p_primes().size(), params->dnum(), params->security().log_qp,
                params->security().secure_128 ? "true" : "false",
                math::to_string(tables.best_kernel()).c_str(), ntt_us, mul_ms, rot_ms, hoist_ms,
                mul_low_ms, rot_low_ms, keygen_ms, keys.galois_key(g1).bytes(), low_key.bytes());
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  tune_allocator_for_large_buffers();
  const std::string preset = argc > 1 ? argv[1] : "n16_l27_dnum3";
  const int reps = argc > 2 ? std::stoi(argv[2]) : 5;
  try {
    const auto params = rlwe::Params::create(ckks::presets::by_name(preset));
    std::cout << "[\n  " << run(params, 1, reps) << ",\n  " << run(params, 2, reps) << "\n]\n";
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}
