// Bootstrapping, slow: precision at the 128-bit preset boot_n16 (N = 2^16) for every slot count
// the ResNet stages use and full slots, and 50 rounds of bootstrap -> AppReLU with and without
// the imaginary removal (at boot_n16 with 2^14 slots, and at its shape on a small ring).
#include <gtest/gtest.h>

#include <cmath>
#include <iostream>

#include "boot_stability.hpp"
#include "ckks/precision.hpp"
#include "ckks/presets.hpp"
#include "testing/ckks_env.hpp"

namespace fhecnn::circuits {
namespace {

// 50 rounds with the removal stay within the AppReLU error bound; without it the imaginary
// part grows until the loop diverges (PAPER.md §3.3).
void check_stability(std::size_t slots, int log_n) {
  const testing_boot::StabilityLoop loop(slots, log_n);
  const auto with = loop.run(true, 50);
  ASSERT_EQ(with.size(), 50u);
  double worst = 0, worst_imag = 0;
  for (const auto& r : with) {
    worst = std::max(worst, r.max_relu_error);
    worst_imag = std::max(worst_imag, r.max_imag);
  }
  EXPECT_LT(worst, std::ldexp(1.0, -12));
  EXPECT_LT(worst_imag, std::ldexp(1.0, -20));
  const auto without = loop.run(false, 50);
  std::cerr << "[stability N=2^" << log_n << ", " << slots << " slots] with removal: worst AppReLU error 2^"
            << std::log2(worst) << ", worst imag 2^" << std::log2(worst_imag) << "; without: "
            << without.size() << " rounds before divergence, last imag " << without.back().max_imag << "\n";
  ASSERT_FALSE(without.empty());
  EXPECT_LT(without.size(), 50u) << "without removal the loop should diverge";
  EXPECT_GT(without.back().max_imag, 1e3 * worst_imag);
}

TEST(BootstrapSlow, FiftyRoundsStayWithinTheAppReluBoundOnlyWithImaginaryRemoval) {
  check_stability(1024, 12);
}

// The same at the 128-bit preset itself, 2^14 slots (ResNet stage 1): about 6 s a round.
TEST(BootstrapSlow, FiftyRoundsAtN16StayWithinTheAppReluBoundOnlyWithImaginaryRemoval) {
  check_stability(16384, 16);
}

// One keyed environment per slot count at N = 2^16 (about 1.5 minutes of keys each).
void check_n16(std::size_t slots) {
  ::fhecnn::testing::CkksEnv env(ckks::presets::boot_n16());
  BootstrapConfig cfg;
  cfg.slots = slots;
  const Bootstrapper boot(env.params, cfg);
  const auto enc = gen_bootstrap_keys(env.params, env.sk, boot.key_plan(), env.keys);
  const auto msg = ::fhecnn::testing::random_real(slots, 1.0, 5);
  auto ct = env.encrypt(msg, slots);
  env.eval->drop_to_level_inplace(ct, Level{0});
  const auto out = boot.bootstrap(*env.eval, enc, ct);
  EXPECT_EQ(out.level().value, 16);
  EXPECT_EQ(out.scale.value, env.params->default_scale().value);
  const auto got = env.decrypt(out);
  const auto stats = ckks::measure_precision(msg, got);
  double max_imag = 0;
  for (const auto& z : got) max_imag = std::max(max_imag, std::abs(z.imag()));
  std::cerr << "[boot n16 slots " << slots << "] mean " << stats.mean_bits << " min " << stats.min_bits
            << " bits, max imag " << max_imag << "\n";
  EXPECT_GE(stats.mean_bits, 20.0);
  EXPECT_GE(stats.min_bits, 16.0);
  EXPECT_LT(max_imag, std::ldexp(1.0, -20));
}

TEST(BootstrapSlow, N16Slots4096) { check_n16(4096); }
TEST(BootstrapSlow, N16Slots8192) { check_n16(8192); }
TEST(BootstrapSlow, N16Slots16384) { check_n16(16384); }
TEST(BootstrapSlow, N16Slots32768) { check_n16(32768); }

}  // namespace
}  // namespace fhecnn::circuits
