// ModRaise and sparse-secret encapsulation: the raised ciphertext decrypts to t + q_0 * I with
// the original level-0 plaintext t and a small integer polynomial I, bounded by the secret's
// weight (dense ternary vs the ephemeral weight-32 secret).
#include <gtest/gtest.h>

#include <cmath>

#include "ckks/modraise.hpp"
#include "common/error.hpp"
#include "ckks/presets.hpp"
#include "math/modarith.hpp"
#include "ring/poly_ops.hpp"
#include "testing/ckks_env.hpp"

namespace fhecnn::ckks {
namespace {

using testing::CkksEnv;

CkksEnv& env() {
  static CkksEnv e(presets::insecure_test(12, 4, 2, 40));
  return e;
}

std::vector<std::int64_t> centred(const rlwe::Params& p, ring::RnsPoly poly, std::size_t limb) {
  ring::from_ntt(p.ring(), poly);
  const std::uint64_t q = p.ring().modulus(poly.basis()[limb]).value;
  std::vector<std::int64_t> out(p.n());
  for (std::size_t i = 0; i < p.n(); ++i) {
    const std::uint64_t v = poly.limb(limb)[i];
    out[i] = v > q / 2 ? -static_cast<std::int64_t>(q - v) : static_cast<std::int64_t>(v);
  }
  return out;
}

// max |I| where raised = base + q_0 * I on every limb (fails the test if I differs across limbs
// or is not an integer multiple).
std::int64_t overflow_bound(const rlwe::Params& p, const ring::RnsPoly& base, const ring::RnsPoly& raised) {
  const auto t0 = centred(p, base, 0);
  const std::uint64_t q0 = p.q_primes()[0];
  std::int64_t worst = 0;
  ring::RnsPoly coeff = raised;
  ring::from_ntt(p.ring(), coeff);
  for (std::size_t limb = 1; limb < coeff.limbs(); ++limb) {
    const auto& qi = p.ring().modulus(coeff.basis()[limb]);
    const std::uint64_t q0_inv = math::inv_mod(q0 % qi.value, qi);
    for (std::size_t k = 0; k < p.n(); ++k) {
      const std::uint64_t diff = math::sub_mod(coeff.limb(limb)[k], math::from_signed(t0[k], qi), qi.value);
      const std::uint64_t i_mod = math::mul_mod(diff, q0_inv, qi);
      const std::int64_t I = i_mod > qi.value / 2 ? -static_cast<std::int64_t>(qi.value - i_mod)
                                                   : static_cast<std::int64_t>(i_mod);
      EXPECT_LT(std::llabs(I), 1 << 20) << "limb " << limb << " coefficient " << k;
      worst = std::max(worst, static_cast<std::int64_t>(std::llabs(I)));
    }
  }
  return worst;
}

rlwe::Ciphertext level0_ciphertext() {
  auto ct = env().encrypt(testing::random_complex(env().params->max_slots(), 1.0, 7));
  env().eval->drop_to_level_inplace(ct, Level{0});
  return ct;
}

TEST(ModRaise, DecryptsToThePlaintextPlusSmallMultiplesOfQ0) {
  const auto ct = level0_ciphertext();
  const auto raised = mod_raise(*env().params, ct, env().params->max_level());
  EXPECT_EQ(raised.level(), env().params->max_level());
  EXPECT_EQ(raised.scale.value, ct.scale.value);
  const auto base = env().decryptor->decrypt(ct).poly;
  const auto top = env().decryptor->decrypt(raised).poly;
  const std::int64_t bound = overflow_bound(*env().params, base, top);
  // Dense ternary secret at N = 2^12: I ~ sqrt(h / 12) * 6 with h ~ 2730 -> about 90.
  EXPECT_GT(bound, 4);
  EXPECT_LT(bound, 200);
}

TEST(ModRaise, RejectsCiphertextsAboveLevelZero) {
  auto ct = env().encrypt(testing::random_complex(8, 1.0, 8));
  EXPECT_THROW(mod_raise(*env().params, ct, env().params->max_level()), InvalidArgument);
  env().eval->drop_to_level_inplace(ct, Level{0});
  EXPECT_THROW(mod_raise(*env().params, ct, Level{env().params->max_level().value + 1}), InvalidArgument);
}

TEST(Encapsulation, SparseSecretKeepsTheOverflowSmall) {
  const auto keys = gen_encapsulation_keys(env().params, env().sk, 32);
  EXPECT_EQ(keys.level0->q_primes()[0], env().params->q_primes()[0]);
  EXPECT_EQ(keys.level0->p_primes().size(), 2u);
  const auto ct = level0_ciphertext();
  const auto raised = encapsulated_mod_raise(env().params, keys, ct);
  EXPECT_EQ(raised.level(), env().params->max_level());
  const auto base = env().decryptor->decrypt(ct).poly;
  const auto top = env().decryptor->decrypt(raised).poly;
  // The level-0 switch adds a small error to t; compare through the decoded slots instead of
  // exact residues: t' = t + e with |e| << q_0, so I is read with the nearest integer.
  const auto t0 = centred(*env().params, base, 0);
  ring::RnsPoly coeff = top;
  ring::from_ntt(env().params->ring(), coeff);
  const auto& p = *env().params;
  const std::uint64_t q0 = p.q_primes()[0];
  // Reconstruct t' mod q_0 * q_1 by CRT on the two lowest limbs (q_0 q_1 < 2^100).
  const auto& q1 = p.ring().modulus(1);
  const std::uint64_t q0_inv = math::inv_mod(q0 % q1.value, q1);
  std::int64_t worst = 0;
  double worst_err = 0;
  for (std::size_t k = 0; k < p.n(); ++k) {
    const std::uint64_t r0 = coeff.limb(0)[k], r1 = coeff.limb(1)[k];
    const std::uint64_t h = math::mul_mod(math::sub_mod(r1, r0 % q1.value, q1.value), q0_inv, q1);
    const long double hc = h > q1.value / 2 ? -static_cast<long double>(q1.value - h) : static_cast<long double>(h);
    const long double t = static_cast<long double>(r0) + hc * static_cast<long double>(q0);
    const long double i_real = (t - static_cast<long double>(t0[k])) / static_cast<long double>(q0);
    const std::int64_t I = std::llround(i_real);
    worst = std::max(worst, static_cast<std::int64_t>(std::llabs(I)));
    worst_err = std::max(worst_err, static_cast<double>(std::fabs(i_real - I) * q0));
  }
  EXPECT_LE(worst, 14);  // h = 32: sqrt(32 / 12) ~ 1.6 per unit, tails below 9 sigma
  EXPECT_LT(worst_err, std::ldexp(1.0, 30)) << "key-switch error too large";
  // Decryption at the top level matches the original slots (the q_0 I part aside) in the
  // lowest limb: t' = t + small error mod q_0.
  const auto t_top0 = centred(p, top, 0);
  double max_e = 0;
  for (std::size_t k = 0; k < p.n(); ++k) {
    std::int64_t e = t_top0[k] - t0[k];
    const std::int64_t q0s = static_cast<std::int64_t>(q0);
    e = ((e % q0s) + q0s + q0s / 2) % q0s - q0s / 2;
    max_e = std::max(max_e, std::fabs(static_cast<double>(e)));
  }
  EXPECT_LT(max_e, std::ldexp(1.0, 30));
}

TEST(Encapsulation, NeedsTwoSpecialPrimes) {
  auto lit = presets::insecure_test(11, 2, 3, 40);
  lit.log_p = {50};
  const auto params = rlwe::Params::create(lit);
  EXPECT_THROW(encapsulation_params(*params, 32), InvalidArgument);
}

}  // namespace
}  // namespace fhecnn::ckks
