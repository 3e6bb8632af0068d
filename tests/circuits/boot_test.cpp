// Bootstrapping at a small insecure ring (N = 2^12): precision of real messages for sparse and
// full slot counts, the output level and exact output scale, the imaginary part removed, and
// the keys limited to their levels.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "boot_stability.hpp"
#include "circuits/boot.hpp"
#include "ckks/presets.hpp"
#include "ckks/precision.hpp"
#include "common/error.hpp"
#include "testing/ckks_env.hpp"

namespace fhecnn::circuits {
namespace {

// boot_n16's shape with 2 network levels at N = 2^12.
rlwe::ParamsLiteral boot_test_literal() {
  rlwe::ParamsLiteral lit = ckks::presets::boot_n16();
  lit.name = "insecure_boot_n12";
  lit.log_n = 12;
  lit.log_q.erase(lit.log_q.begin() + 1, lit.log_q.begin() + 15);  // 16 -> 2 network levels
  lit.dnum = 3;
  lit.allow_insecure = true;
  return lit;
}

struct BootEnv {
  ::fhecnn::testing::CkksEnv env{boot_test_literal()};
  std::map<std::size_t, std::unique_ptr<Bootstrapper>> boots;
  std::map<std::size_t, ckks::EncapsulationKeys> enc;

  const Bootstrapper& boot(std::size_t slots) {
    auto it = boots.find(slots);
    if (it == boots.end()) {
      BootstrapConfig cfg;
      cfg.slots = slots;
      auto b = std::make_unique<Bootstrapper>(env.params, cfg);
      enc[slots] = gen_bootstrap_keys(env.params, env.sk, b->key_plan(), env.keys);
      it = boots.emplace(slots, std::move(b)).first;
    }
    return *it->second;
  }
};

BootEnv& boot_env() {
  static BootEnv e;
  return e;
}

void check_bootstrap(std::size_t slots, double min_bits, double mean_bits) {
  auto& e = boot_env();
  const auto& boot = e.boot(slots);
  const auto msg = ::fhecnn::testing::random_real(slots, 1.0, 11 + static_cast<unsigned>(slots));
  auto ct = e.env.encrypt(msg, slots);
  e.env.eval->drop_to_level_inplace(ct, Level{0});
  const auto out = boot.bootstrap(*e.env.eval, e.enc.at(slots), ct);
  EXPECT_EQ(out.level(), boot.output_level());
  EXPECT_EQ(out.level().value, 2);
  EXPECT_EQ(out.scale.value, e.env.params->default_scale().value);
  EXPECT_EQ(out.slots, slots);
  const auto got = e.env.decrypt(out);
  const auto stats = ckks::measure_precision(msg, got);
  EXPECT_GE(stats.min_bits, min_bits) << "slots " << slots;
  EXPECT_GE(stats.mean_bits, mean_bits) << "slots " << slots;
  double max_imag = 0;
  for (const auto& z : got) max_imag = std::max(max_imag, std::fabs(z.imag()));
  EXPECT_LT(max_imag, std::ldexp(1.0, -20)) << "imaginary part not removed";
  std::cerr << "[boot n=" << slots << "] min " << stats.min_bits << " mean " << stats.mean_bits
            << " bits, max |imag| " << max_imag << "\n";
}

TEST(Bootstrap, SparseSlotsRecoverRealMessages) { check_bootstrap(256, 16.0, 19.0); }

TEST(Bootstrap, FullSlotsRecoverRealMessages) { check_bootstrap(2048, 16.0, 19.0); }

TEST(Bootstrap, KeysAreLimitedToTheirLevels) {
  auto& e = boot_env();
  const auto plan = e.boot(256).key_plan();
  const Level top = e.env.params->max_level();
  bool has_low = false;
  for (const auto& r : plan.rotations) {
    const GaloisElement g = e.env.params->rotation_element(RotationStep{r.step}, r.slots);
    if (g.value == 1) continue;
    ASSERT_TRUE(e.env.keys.has_galois_key(g)) << "step " << r.step;
    const Level key_level = e.env.keys.galois_key(g).max_level;
    EXPECT_GE(key_level, r.level) << "step " << r.step << " is used above its key's level";
    has_low |= key_level < top;
  }
  EXPECT_TRUE(has_low) << "SlotToCoeff-only keys should be generated below the top level";
}

TEST(Bootstrap, RejectsBadConfigurations) {
  auto& e = boot_env();
  BootstrapConfig cfg;
  cfg.slots = 3;
  EXPECT_THROW(Bootstrapper(e.env.params, cfg), InvalidArgument);
  cfg.slots = 4096;
  EXPECT_THROW(Bootstrapper(e.env.params, cfg), InvalidArgument);
  cfg.slots = 256;
  cfg.stc_levels = 5;  // 3 + 8 + 5 = 16 levels: the chain has only 16 above q_0, none left
  EXPECT_THROW(Bootstrapper(e.env.params, cfg), InvalidArgument);
  const auto& boot = e.boot(256);
  auto ct = e.env.encrypt(::fhecnn::testing::random_real(128, 1.0, 3), 128);
  EXPECT_THROW(boot.bootstrap(*e.env.eval, e.enc.at(256), ct), InvalidArgument);
}

}  // namespace
}  // namespace fhecnn::circuits

// Three rounds of bootstrap -> AppReLU: with the imaginary removal every round stays within the
// AppReLU bound and the slots stay real; without it the imaginary error is carried from round
// to round (and amplified by AppReLU's derivative, PAPER.md §4). 50 rounds: boot_slow_test.cpp.
TEST(Bootstrap, ImaginaryRemovalKeepsBootstrapAppReluRoundsStable) {
  const fhecnn::circuits::testing_boot::StabilityLoop loop(256);
  const auto with = loop.run(true, 3);
  ASSERT_EQ(with.size(), 3u);
  for (const auto& r : with) {
    EXPECT_LT(r.max_relu_error, std::ldexp(1.0, -12));
    EXPECT_LT(r.max_imag, std::ldexp(1.0, -20));
  }
  const auto without = loop.run(false, 3);
  ASSERT_FALSE(without.empty());
  EXPECT_GT(without.back().max_imag, 100 * with.back().max_imag);
}
