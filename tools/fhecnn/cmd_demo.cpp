// `fhecnn demo`: encrypts a vector, multiplies it by itself, rotates it, decrypts, and reports
// the precision in bits against the same computation in double precision.
#include <chrono>
#include <cmath>
#include <iostream>
#include <random>

#include "ckks/evaluator.hpp"
#include "ckks/precision.hpp"
#include "ckks/presets.hpp"
#include "commands.hpp"
#include "common/error.hpp"
#include "math/cpu.hpp"
#include "rlwe/encryptor.hpp"
#include "rlwe/keygen.hpp"

namespace fhecnn::tool {
namespace {

struct DemoOptions {
  std::string preset = "n16_l27_dnum3";
  bool allow_insecure = false;
  int rotation = 3;
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void run_demo(const DemoOptions& opt) {
  using Clock = std::chrono::steady_clock;
  auto lit = ckks::presets::by_name(opt.preset);
  require(!lit.allow_insecure || opt.allow_insecure, "run demo",
          "preset '", opt.preset, "' is NOT secure (test parameters); pass --allow-insecure to use it");
  auto t0 = Clock::now();
  const auto params = rlwe::Params::create(lit);
  std::cout << "parameters  " << params->name() << ": N = 2^" << params->log_n().value << ", "
            << params->q_primes().size() << " ciphertext primes + " << params->p_primes().size()
            << " special, dnum " << params->dnum() << ", log QP = " << params->security().log_qp
            << (params->security().secure_128 ? " (128-bit secure)" : " (NOT 128-bit secure)") << "\n";
  std::cout << "cpu kernels " << math::describe_cpu_features() << "\n";

  rlwe::KeyGenerator kg(params);
  const auto sk = kg.gen_secret_key();
  const auto pk = kg.gen_public_key(sk);
  rlwe::EvaluationKeys keys;
  keys.set_relin_key(kg.gen_relin_key(sk));
  kg.add_rotation_keys(keys, sk, {opt.rotation}, params->max_slots());
  std::cout << "keygen      " << seconds_since(t0) << " s (evaluation keys " << keys.bytes() / (1 << 20) << " MiB)\n";

  const std::size_t slots = params->max_slots();
  std::mt19937_64 rng(2026);
  std::uniform_real_distribution<double> dist(-1, 1);
  std::vector<ckks::Complex> x(slots);
  for (auto& v : x) v = {dist(rng), dist(rng)};

  ckks::Encoder encoder(params);
  rlwe::Encryptor encryptor(params, pk);
  rlwe::Decryptor decryptor(params, sk);
  ckks::Evaluator eval(params, &keys);

  t0 = Clock::now();
  auto ct = encryptor.encrypt(encoder.encode(x, params->max_level(), params->default_scale()));
  std::cout << "encrypt     " << slots << " complex slots at level " << ct.level().value << ": "
            << seconds_since(t0) << " s\n";
  t0 = Clock::now();
  auto sq = eval.square(ct);
  eval.rescale_inplace(sq);
  const auto rot = eval.rotate(sq, RotationStep{opt.rotation});
  std::cout << "evaluate    x^2 then rotate by " << opt.rotation << ": " << seconds_since(t0) << " s (level "
            << rot.level().value << ", scale 2^" << rot.scale.log2() << ")\n";
  t0 = Clock::now();
  const auto got = encoder.decode(decryptor.decrypt(rot));
  std::cout << "decrypt     " << seconds_since(t0) << " s\n";

  std::vector<ckks::Complex> expect(slots);
  for (std::size_t i = 0; i < slots; ++i) {
    const auto v = x[(i + static_cast<std::size_t>(opt.rotation)) % slots];
    expect[i] = v * v;
  }
  const auto p = ckks::measure_precision(expect, got);
  std::cout << "result      slot 0: " << got[0] << " (expected " << expect[0] << ")\n";
  std::cout << "precision   " << p.str() << "\n";
  require(p.min_bits > 10, "run demo", "precision ", p.min_bits, " bits is far too low: something is wrong");
}

}  // namespace

void add_demo_command(CLI::App& app) {
  auto opt = std::make_shared<DemoOptions>();
  auto* cmd = app.add_subcommand("demo", "CKKS demo: encrypt a vector, square it, rotate it, decrypt, report precision in bits");
  cmd->add_option("--params", opt->preset, "parameter preset (" + [] {
    std::string s;
    for (const auto& n : ckks::presets::names()) s += (s.empty() ? "" : ", ") + n;
    return s;
  }() + ")")->capture_default_str();
  cmd->add_flag("--allow-insecure", opt->allow_insecure, "accept insecure_* test parameters");
  cmd->add_option("--rotate", opt->rotation, "rotation step")->capture_default_str();
  cmd->callback([opt] { run_demo(*opt); });
}

}  // namespace fhecnn::tool
