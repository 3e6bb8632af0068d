// Shared by boot_test.cpp and boot_slow_test.cpp: rounds of bootstrap -> AppReLU (alpha 13)
// -> x <- 0.95 (4 AppReLU(x) - 2 x - 1) = 0.95 (2 |x| - 1) (a tent map: keeps the values spread
// over [-1, 1] with mean ~0, one level) on random inputs in [-1, 1], with or without the
// imaginary removal, at boot_n16 itself (log_n 16) or at its shape on a small insecure ring
// (log_n 12, the default suite's).
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "circuits/boot.hpp"
#include "circuits/coeff_file.hpp"
#include "circuits/relu.hpp"
#include "circuits/sign.hpp"
#include "circuits_test_util.hpp"
#include "ckks/presets.hpp"
#include "testing/ckks_env.hpp"

namespace fhecnn::circuits::testing_boot {

struct RoundStats {
  double max_relu_error = 0.0;  // max |AppReLU_enc(x) - ReLU(x_decrypted)| in this round
  double max_imag = 0.0;        // max |Im| of the slots after the round
};

class StabilityLoop {
 public:
  explicit StabilityLoop(std::size_t slots, int log_n = 12) : slots_(slots) {
    auto lit = ckks::presets::boot_n16();
    if (log_n != lit.log_n) {
      lit.name = "insecure_boot_shape_n" + std::to_string(log_n);
      lit.log_n = log_n;
      lit.allow_insecure = true;
    }
    env_ = std::make_unique<::fhecnn::testing::CkksEnv>(lit);
    chain_ = composite_sign_from_file(load_minimax(circuits::testing::data_path("relu_alpha13.txt"))).relu_chain();
    for (bool remove : {true, false}) {
      BootstrapConfig cfg;
      cfg.slots = slots;
      cfg.remove_imaginary = remove;
      boots_.push_back(std::make_unique<Bootstrapper>(env_->params, cfg));
      enc_.push_back(gen_bootstrap_keys(env_->params, env_->sk, boots_.back()->key_plan(), env_->keys));
    }
  }

  // Runs `rounds` rounds; stops early (returning fewer stats) once the values explode.
  std::vector<RoundStats> run(bool remove_imaginary, int rounds) const {
    const auto& boot = *boots_[remove_imaginary ? 0 : 1];
    const auto& enc = enc_[remove_imaginary ? 0 : 1];
    const auto& eval = *env_->eval;
    CkksBackend b(eval);
    auto x = env_->encrypt(::fhecnn::testing::random_real(slots_, 1.0, 21), slots_);
    std::vector<RoundStats> out;
    for (int r = 0; r < rounds; ++r) {
      x = boot.bootstrap(eval, enc, x);
      const auto in = env_->decrypt(x);
      double max_in = 0;
      for (const auto& z : in) max_in = std::max(max_in, std::abs(z));
      if (!(max_in < 2.0)) break;  // diverged (or NaN)
      auto y = app_relu(b, x, chain_, env_->params->default_scale());
      const auto got = env_->decrypt(y);
      RoundStats s;
      for (std::size_t i = 0; i < slots_; ++i) {
        s.max_relu_error = std::max(s.max_relu_error, std::abs(got[i].real() - std::max(0.0, in[i].real())));
        s.max_imag = std::max(s.max_imag, std::abs(got[i].imag()));
      }
      out.push_back(s);
      if (!(s.max_relu_error < 1.0)) break;
      const auto x_low = b.drop_to_level(x, b.level(y));
      auto t = b.sub(eval.add(eval.add(y, y), eval.add(y, y)), eval.add(x_low, x_low));
      t = b.add_const(t, Complex(-1.0, 0.0));
      x = b.rescale(b.mul_const(t, Complex(0.95, 0.0), Scale{b.prime(b.level(t))}));
    }
    return out;
  }

 private:
  std::size_t slots_;
  std::unique_ptr<::fhecnn::testing::CkksEnv> env_;
  std::vector<ChebyshevPoly> chain_;
  std::vector<std::unique_ptr<Bootstrapper>> boots_;
  std::vector<ckks::EncapsulationKeys> enc_;
};

}  // namespace fhecnn::circuits::testing_boot
