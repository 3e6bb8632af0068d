// Prints the polynomial-circuit benchmark as a JSON array, one object per thread count
// (scripts/bench.sh poly): AppReLU (alpha = 13, degrees 15, 15, 27) on one full-slot ciphertext
// at N = 2^16, entering 16 levels above the bottom (the paper's level), inputs uniform in [-1, 1].
// Medians of repeated runs; logs go to stderr. Only the relinearisation key is generated.
//
// Usage: report_poly [PRESET] [REPS] [COEFF_FILE]
//   (defaults n16_l27_dnum3, 3, data/minimax/relu_alpha13.txt relative to the working directory)
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "circuits/ckks_backend.hpp"
#include "circuits/coeff_file.hpp"
#include "circuits/relu.hpp"
#include "circuits/sign.hpp"
#include "circuits/slots.hpp"
#include "ckks/evaluator.hpp"
#include "ckks/presets.hpp"
#include "common/error.hpp"
#include "common/memory.hpp"
#include "rlwe/encryptor.hpp"
#include "rlwe/keygen.hpp"

using namespace fhecnn;
namespace fc = fhecnn::circuits;
using fc::Complex;

namespace {

constexpr int kEntryLevel = 16;

double median_s(int reps, const std::function<void()>& f) {
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

std::vector<double> uniform_inputs(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> d(-1.0, 1.0);
  std::vector<double> v(n);
  for (double& x : v) x = d(rng);
  return v;
}

// log2 max |got_i - ReLU(x_i)|.
double max_err_bits(const std::vector<double>& x, const std::vector<Complex>& got) {
  double m = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) m = std::max(m, std::abs(got[i] - std::max(x[i], 0.0)));
  return std::log2(m);
}

struct Setup {
  rlwe::ParamsPtr params;
  rlwe::SecretKey sk;
  rlwe::EvaluationKeys keys;
  std::vector<fc::ChebyshevPoly> chain;
  std::vector<double> x;
  rlwe::Ciphertext ct;  // x at kEntryLevel, default scale
  int nonscalar_mults = 0;
};

Setup make_setup(const std::string& preset, const std::string& coeff_file) {
  Setup s;
  s.params = rlwe::Params::create(ckks::presets::by_name(preset));
  require(s.params->max_level().value >= kEntryLevel, "run the AppReLU benchmark", "preset ",
          preset, " has only ", s.params->max_level().value, " levels");
  s.chain = fc::composite_sign_from_file(fc::load_minimax(coeff_file)).relu_chain();
  std::cerr << "[poly] keys\n";
  rlwe::KeyGenerator kg(s.params);
  s.sk = kg.gen_secret_key();
  const auto pk = kg.gen_public_key(s.sk);
  s.keys.set_relin_key(kg.gen_relin_key(s.sk));
  const std::size_t slots = s.params->max_slots();
  s.x = uniform_inputs(slots, 1);
  const ckks::Encoder enc(s.params);
  s.ct = rlwe::Encryptor(s.params, pk).encrypt(
      enc.encode(s.x, Level{kEntryLevel}, s.params->default_scale()));
  // The same circuit on the simulator counts its relinearisations.
  fc::SlotBackend sim(s.params->q_primes(), slots);
  const auto sx = sim.encrypt(std::vector<Complex>(s.x.begin(), s.x.end()), Level{kEntryLevel},
                              s.params->default_scale());
  fc::app_relu(sim, sx, s.chain, s.params->default_scale());
  s.nonscalar_mults = sim.counts().mul;
  return s;
}

std::string run(const Setup& s, int threads, int reps) {
  omp_set_num_threads(threads);
  std::cerr << "[poly] threads " << threads << ": AppReLU x " << reps << "\n";
  const ckks::Evaluator eval(s.params, &s.keys);
  fc::CkksBackend b(eval);
  const Scale target = s.params->default_scale();
  rlwe::Ciphertext y;
  const double secs = median_s(reps, [&] { y = fc::app_relu(b, s.ct, s.chain, target); });
  const rlwe::Decryptor dec(s.params, s.sk);
  const std::vector<Complex> got = eval.encoder().decode(dec.decrypt(y));
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "{\"threads\": %d, \"params\": \"%s\", \"log_n\": %d, \"slots\": %zu, "
                "\"entry_level\": %d, \"apprelu_s\": %.3f, \"apprelu_levels\": %d, "
                "\"apprelu_nonscalar_mults\": %d, \"apprelu_max_err_bits\": %.2f}",
                threads, s.params->name().c_str(), s.params->log_n().value, s.ct.slots,
                kEntryLevel, secs, kEntryLevel - y.level().value, s.nonscalar_mults,
                max_err_bits(s.x, got));
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  tune_allocator_for_large_buffers();
  const std::string preset = argc > 1 ? argv[1] : "n16_l27_dnum3";
  const int reps = argc > 2 ? std::stoi(argv[2]) : 3;
  const std::string coeffs = argc > 3 ? argv[3] : "data/minimax/relu_alpha13.txt";
  try {
    require(reps >= 1, "run the AppReLU benchmark", "REPS = ", reps, " must be positive");
    const Setup s = make_setup(preset, coeffs);
    std::cout << "[\n  " << run(s, 1, reps) << ",\n  " << run(s, 2, reps) << "\n]\n";
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}
