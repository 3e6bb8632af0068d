#include <gtest/gtest.h>

#include "ckks/presets.hpp"
#include "common/error.hpp"
#include "testing/ckks_env.hpp"

namespace fhecnn::rlwe {
namespace {

using testing::CkksEnv;

TEST(Params, DigitsGroupedByBitsHoldMoreSmallPrimes) {
  const auto p = Params::create(ckks::presets::insecure_boot_shape(12));  // boot_n16's chain
  using Range = std::pair<std::size_t, std::size_t>;
  EXPECT_EQ(p->digits_at(p->max_level()), 5u);
  EXPECT_EQ(p->digit_range(0, p->max_level()), (Range{0, 8}));    // 46 + 7 x 40 = 326 bits
  EXPECT_EQ(p->digit_range(2, p->max_level()), (Range{16, 23}));  // 4 x 40 + 3 x 55 = 325 bits
  EXPECT_EQ(p->digit_range(4, p->max_level()), (Range{29, 31}));
  EXPECT_EQ(p->digit_size(), 8u);
  EXPECT_EQ(p->digits_at(Level{19}), 3u);
  EXPECT_EQ(p->digit_range(2, Level{19}), (Range{16, 20}));
  EXPECT_EQ(p->digits_at(Level{7}), 1u);
  EXPECT_EQ(p->digits_at(Level{8}), 2u);
  EXPECT_THROW(p->digit_range(1, Level{7}), InvalidArgument);

  auto bad = ckks::presets::boot_n16();
  bad.dnum = 6;  // the grouping gives 5
  EXPECT_THROW(Params::create(bad), InvalidArgument);
  bad = ckks::presets::boot_n16();
  bad.digit_bits = 50;  // smaller than a prime
  EXPECT_THROW(Params::create(bad), InvalidArgument);
}

TEST(Params, ValidatesTheLiteral) {
  auto lit = ckks::presets::insecure_test(10);
  auto p = Params::create(lit);
  EXPECT_EQ(p->n(), 1024u);
  EXPECT_EQ(p->max_level().value, 6);
  EXPECT_EQ(p->digit_size(), 4u);
  EXPECT_FALSE(p->security().secure_128);
  for (std::size_t i = 1; i < p->q_primes().size(); ++i) EXPECT_EQ(p->q_primes()[i] % 2048, 1u);

  auto bad = lit;
  bad.dnum = 0;
  EXPECT_THROW(Params::create(bad), InvalidArgument);
  bad = lit;
  bad.log_p.clear();
  EXPECT_THROW(Params::create(bad), InvalidArgument);
  bad = lit;
  bad.log_q.push_back(70);
  EXPECT_THROW(Params::create(bad), InvalidArgument);
  bad = lit;
  bad.allow_insecure = false;
  try {
    Params::create(bad);
    FAIL() << "insecure parameters were accepted";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("not 128-bit secure"), std::string::npos) << e.what();
  }
}

TEST(Params, SecurityBoundsFollowTheStandard) {
  EXPECT_TRUE(check_security_128(16, SecretDistribution::UniformTernary, 0, 1772).secure_128);
  EXPECT_FALSE(check_security_128(16, SecretDistribution::UniformTernary, 0, 1773).secure_128);
  EXPECT_TRUE(check_security_128(15, SecretDistribution::UniformTernary, 0, 881).secure_128);
  EXPECT_FALSE(check_security_128(16, SecretDistribution::SparseTernary, 192, 1600).secure_128);
  EXPECT_TRUE(check_security_128(16, SecretDistribution::SparseTernary, 192, 1552).secure_128);
  EXPECT_FALSE(check_security_128(16, SecretDistribution::SparseTernary, 64, 1000).secure_128);
}

TEST(Params, FingerprintDependsOnPrimesAndDigits) {
  auto a = Params::create(ckks::presets::insecure_test(10, 4, 1));
  auto b = Params::create(ckks::presets::insecure_test(10, 4, 1));
  auto c = Params::create(ckks::presets::insecure_test(10, 5, 1));
  EXPECT_EQ(a->fingerprint(), b->fingerprint());
  EXPECT_NE(a->fingerprint(), c->fingerprint());
}

TEST(Params, RotationElementsArePowersOfFive) {
  auto p = Params::create(ckks::presets::insecure_test(10));
  EXPECT_EQ(p->rotation_element(RotationStep{1}, 512).value, 5u);
  EXPECT_EQ(p->rotation_element(RotationStep{2}, 512).value, 25u);
  EXPECT_EQ(p->rotation_element(RotationStep{-1}, 512), p->rotation_element(RotationStep{511}, 512));
  EXPECT_EQ(p->rotation_element(RotationStep{8}, 8).value, 1u);
  // A step and its negative map to one element for every slot count (keys are shared).
  EXPECT_EQ(p->rotation_element(RotationStep{-3}, 8), p->rotation_element(RotationStep{-3}, 512));
  EXPECT_EQ(p->rotation_element(RotationStep{5}, 8), p->rotation_element(RotationStep{-3}, 512));
  EXPECT_EQ(p->rotation_element(RotationStep{3}, 8), p->rotation_element(RotationStep{3}, 512));
  EXPECT_THROW(p->rotation_element(RotationStep{1}, 3), InvalidArgument);
}

// Key switching must work for every dnum: s^2 -> s through relinearization.
class KeySwitchDnum : public ::testing::TestWithParam<int> {};

TEST_P(KeySwitchDnum, RelinearizedProductDecrypts) {
  CkksEnv env(ckks::presets::insecure_test(11, 6, GetParam()));
  const auto a = testing::random_real(1024, 1, 1), b = testing::random_real(1024, 1, 2);
  auto ct = env.eval->multiply(env.encrypt(a), env.encrypt(b));
  env.eval->rescale_inplace(ct);
  std::vector<ckks::Complex> expect(1024);
  for (std::size_t i = 0; i < 1024; ++i) expect[i] = a[i] * b[i];
  EXPECT_GT(testing::min_bits(expect, env.decrypt(ct)), 20.0) << "dnum " << GetParam();
}

INSTANTIATE_TEST_SUITE_P(AllDigitCounts, KeySwitchDnum, ::testing::Values(1, 2, 3, 7));

TEST(Keys, KeysLimitedToALevelAreSmallerAndRefuseHigherLevels) {
  CkksEnv env(ckks::presets::insecure_test(11, 8, 3), {}, false);
  KeyGenerator kg(env.params);
  const GaloisElement g = env.params->rotation_element(RotationStep{1}, 1024);
  const auto full = kg.gen_galois_key(env.sk, g);
  const auto low = kg.gen_galois_key(env.sk, g, Level{2});
  EXPECT_LT(low.bytes() * 3, full.bytes());
  EvaluationKeys keys;
  keys.add_galois_key(g, low);
  ckks::Evaluator eval(env.params, &keys);
  const auto v = testing::random_complex(1024, 1, 3);
  auto ct = env.encrypt(v);
  EXPECT_THROW(eval.rotate(ct, RotationStep{1}), InvalidArgument);
  eval.drop_to_level_inplace(ct, Level{2});
  const auto got = env.decrypt(eval.rotate(ct, RotationStep{1}));
  std::vector<ckks::Complex> expect(1024);
  for (std::size_t i = 0; i < 1024; ++i) expect[i] = v[(i + 1) % 1024];
  EXPECT_GT(testing::min_bits(expect, got), 20.0);
}

// With digits grouped by bits, low levels switch keys over only the special primes their digits
// need (boot_n16's chain: 3 of 7 at levels 1-2), so low-level keys are smaller; keys of
// different levels mix in one hoisted rotation and one rotation sum.
TEST(Keys, LowLevelKeysUseFewerSpecialPrimes) {
  const auto params = Params::create(ckks::presets::insecure_boot_shape(12));
  EXPECT_EQ(params->special_primes_at(params->max_level()), 7u);
  EXPECT_EQ(params->special_primes_at(Level{19}), 7u);  // 3 digits of up to 320 bits
  EXPECT_EQ(params->special_primes_at(Level{6}), 7u);   // 1 digit of 286 bits
  EXPECT_EQ(params->special_primes_at(Level{2}), 3u);   // 1 digit of 126 bits
  EXPECT_EQ(params->special_primes_at(Level{0}), 2u);
  EXPECT_EQ(params->key_basis(Level{2}).size(), 6u);
  EXPECT_EQ(params->switching_key_bytes(Level{2}), 2 * 6 * params->n() * sizeof(ring::u64));
  EXPECT_EQ(Params::create(ckks::presets::insecure_test(11, 6, 3))->special_primes_at(Level{0}),
            Params::create(ckks::presets::insecure_test(11, 6, 3))->p_primes().size());

  CkksEnv env(ckks::presets::insecure_boot_shape(12), {}, false);
  KeyGenerator kg(env.params);
  const std::size_t slots = 2048;
  const GaloisElement g1 = env.params->rotation_element(RotationStep{1}, slots);
  const GaloisElement g5 = env.params->rotation_element(RotationStep{5}, slots);
  EvaluationKeys keys;
  keys.add_galois_key(g1, kg.gen_galois_key(env.sk, g1, Level{2}));  // 3 special primes
  keys.add_galois_key(g5, kg.gen_galois_key(env.sk, g5));           // 7
  EXPECT_LT(keys.galois_key(g1).bytes() * 4, keys.galois_key(g5).bytes());
  const ckks::Evaluator eval(env.params, &keys);
  const auto v = testing::random_complex(slots, 1, 7);
  auto ct = env.encrypt(v);
  eval.drop_to_level_inplace(ct, Level{2});
  const auto rotated = [&](int k) {
    std::vector<ckks::Complex> r(slots);
    for (std::size_t i = 0; i < slots; ++i) r[i] = v[(i + static_cast<std::size_t>(k)) % slots];
    return r;
  };
  EXPECT_GT(testing::min_bits(rotated(1), env.decrypt(eval.rotate(ct, RotationStep{1}))), 20.0);
  const auto hoisted = eval.rotate_hoisted(ct, {1, 5, 0});
  EXPECT_GT(testing::min_bits(rotated(1), env.decrypt(hoisted[0])), 20.0);
  EXPECT_GT(testing::min_bits(rotated(5), env.decrypt(hoisted[1])), 20.0);
  const std::vector<ckks::Complex> ones(slots, ckks::Complex(1.0, 0.0));
  const auto sum = eval.rotate_multiply_sums(ct, {1, 5, 0}, {{{0, ones}, {1, ones}, {2, ones}}},
                                             Scale::from_log2(20));
  std::vector<ckks::Complex> expect(slots);
  for (std::size_t i = 0; i < slots; ++i) expect[i] = rotated(1)[i] + rotated(5)[i] + v[i];
  EXPECT_GT(testing::min_bits(expect, env.decrypt(sum[0])), 18.0);
}

TEST(Keys, CompressedKeysHalveMemoryAndSwitchBitExactly) {
  CkksEnv env(ckks::presets::insecure_test(11, 6, 3), {}, false);
  KeyGenerator kg(env.params);
  const GaloisElement g = env.params->rotation_element(RotationStep{3}, 1024);
  const SwitchingKey full = kg.gen_galois_key(env.sk, g);
  SwitchingKey packed = full;
  packed.compress();
  EXPECT_TRUE(packed.compressed());
  EXPECT_FALSE(full.compressed());
  EXPECT_EQ(packed.bytes() * 2, full.bytes());
  for (std::size_t j = 0; j < full.digits(); ++j) {  // the seed re-expands a_j exactly
    EXPECT_TRUE(expand_key_a(*env.params, full.seed, j, full.max_level) == full.a[j]);
  }
  EvaluationKeys kf, kp;
  kf.add_galois_key(g, full);
  kp.add_galois_key(g, packed);
  const ckks::Evaluator ef(env.params, &kf), ep(env.params, &kp);
  const auto ct = env.encrypt(testing::random_complex(1024, 1, 5));
  const auto a = ef.rotate(ct, RotationStep{3}), b = ep.rotate(ct, RotationStep{3});
  EXPECT_TRUE(a.parts == b.parts);
  const auto ha = ef.rotate_hoisted(ct, {3}), hb = ep.rotate_hoisted(ct, {3});
  EXPECT_TRUE(ha[0].parts == hb[0].parts);
}

TEST(Encryption, PublicAndSecretKeyEncryptionDecrypt) {
  CkksEnv env(ckks::presets::insecure_test(12, 3, 1), {}, false);
  const auto v = testing::random_complex(2048, 10, 4);
  const auto pt = env.encoder->encode(v, Level{2}, env.params->default_scale());
  Encryptor sk_enc(env.params, env.sk);
  for (const Encryptor* enc : {env.encryptor.get(), &sk_enc}) {
    const auto ct = enc->encrypt(pt);
    EXPECT_EQ(ct.level().value, 2);
    EXPECT_GT(testing::min_bits(v, env.decrypt(ct)), 22.0);
  }
}

TEST(Encryption, WrongSecretKeyGivesGarbage) {
  CkksEnv env(ckks::presets::insecure_test(10, 2, 1), {}, false);
  KeyGenerator kg(env.params);
  const auto other = kg.gen_secret_key();
  const auto v = testing::random_real(512, 1, 5);
  const auto ct = env.encrypt(v);
  Decryptor wrong(env.params, other);
  EXPECT_LT(testing::min_bits(v, env.encoder->decode(wrong.decrypt(ct))), 0.0);
}

}  // namespace
}  // namespace fhecnn::rlwe
