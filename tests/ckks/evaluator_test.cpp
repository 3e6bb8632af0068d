#include "ckks/evaluator.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "common/error.hpp"
#include "testing/ckks_env.hpp"

namespace fhecnn::ckks {
namespace {

using testing::CkksEnv;
using testing::min_bits;

constexpr std::size_t kSlots = 2048;  // full slots at N = 2^12

std::vector<int> rotation_steps() {
  std::vector<int> s;
  for (int k = 1; k < static_cast<int>(kSlots); k <<= 1) s.push_back(k);
  for (int k : {3, 7, 100, 1000, -1, -5}) s.push_back(k);
  return s;
}

class EvaluatorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    env_ = new CkksEnv(presets::insecure_test(12, 5, 3), rotation_steps());
  }
  static void TearDownTestSuite() { delete env_; }
  static CkksEnv* env_;
  CkksEnv& env() { return *env_; }
  const Evaluator& ev() { return *env_->eval; }
};
CkksEnv* EvaluatorTest::env_ = nullptr;

std::vector<Complex> map2(const std::vector<Complex>& a, const std::vector<Complex>& b,
                          Complex (*f)(Complex, Complex)) {
  std::vector<Complex> r(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) r[i] = f(a[i], b[i]);
  return r;
}

TEST_F(EvaluatorTest, AddSubNegate) {
  const auto a = testing::random_complex(kSlots, 1, 1), b = testing::random_complex(kSlots, 1, 2);
  const auto ca = env().encrypt(a), cb = env().encrypt(b);
  EXPECT_GT(min_bits(map2(a, b, [](Complex x, Complex y) { return x + y; }), env().decrypt(ev().add(ca, cb))), 21.0);
  EXPECT_GT(min_bits(map2(a, b, [](Complex x, Complex y) { return x - y; }), env().decrypt(ev().sub(ca, cb))), 21.0);
  auto n = ca;
  ev().negate_inplace(n);
  EXPECT_GT(min_bits(map2(a, a, [](Complex x, Complex) { return -x; }), env().decrypt(n)), 21.0);
}

TEST_F(EvaluatorTest, PlaintextAndConstantOperations) {
  const auto a = testing::random_complex(kSlots, 1, 3), b = testing::random_complex(kSlots, 1, 4);
  const auto ca = env().encrypt(a);
  const auto pb = env().encoder->encode(b, ca.level(), ca.scale);
  auto c = ca;
  ev().add_plain_inplace(c, pb);
  EXPECT_GT(min_bits(map2(a, b, [](Complex x, Complex y) { return x + y; }), env().decrypt(c)), 21.0);
  c = ca;
  ev().sub_plain_inplace(c, pb);
  EXPECT_GT(min_bits(map2(a, b, [](Complex x, Complex y) { return x - y; }), env().decrypt(c)), 21.0);
  c = ca;
  const Complex k(0.75, -1.5);
  ev().add_const_inplace(c, k);
  EXPECT_GT(min_bits(map2(a, a, [](Complex x, Complex) { return x + Complex(0.75, -1.5); }), env().decrypt(c)), 21.0);

  c = ca;
  const auto pm = env().encoder->encode(b, ca.level(), Scale{env().params->q_prime(ca.level())});
  ev().multiply_plain_inplace(c, pm);
  ev().rescale_inplace(c);
  EXPECT_NEAR(c.scale.value / ca.scale.value, 1.0, 1e-12);
  EXPECT_GT(min_bits(map2(a, b, [](Complex x, Complex y) { return x * y; }), env().decrypt(c)), 22.0);

  c = ca;
  ev().multiply_const_inplace(c, k);
  ev().rescale_inplace(c);
  EXPECT_GT(min_bits(map2(a, a, [](Complex x, Complex) { return x * Complex(0.75, -1.5); }), env().decrypt(c)), 22.0);

  c = ca;
  ev().multiply_integer_inplace(c, -3);
  EXPECT_GT(min_bits(map2(a, a, [](Complex x, Complex) { return -3.0 * x; }), env().decrypt(c)), 22.0);
}

TEST_F(EvaluatorTest, MultiplyThenAddAccumulates) {
  const auto a = testing::random_complex(kSlots, 1, 5), b = testing::random_complex(kSlots, 1, 6);
  const auto ca = env().encrypt(a), cb = env().encrypt(b);
  const Scale cs = Scale::from_log2(30);
  Ciphertext acc = ca;
  ev().multiply_const_inplace(acc, 2.0, cs);
  ev().multiply_const_then_add(cb, Complex(0, 1), cs, acc);
  const auto p = env().encoder->encode(a, ca.level(), cs);
  ev().multiply_plain_then_add(ca, p, acc);
  std::vector<Complex> expect(kSlots);
  for (std::size_t i = 0; i < kSlots; ++i) expect[i] = 2.0 * a[i] + Complex(0, 1) * b[i] + a[i] * a[i];
  EXPECT_GT(min_bits(expect, env().decrypt(acc)), 20.0);
  Ciphertext wrong = ca;
  EXPECT_THROW(ev().multiply_const_then_add(cb, 1.0, Scale::from_log2(20), wrong), InvalidArgument);
}

TEST_F(EvaluatorTest, MultiplyRelinearizeRescaleTracksTheExactScale) {
  const auto a = testing::random_complex(kSlots, 0.7, 7), b = testing::random_complex(kSlots, 0.7, 8);
  const auto ca = env().encrypt(a), cb = env().encrypt(b);
  auto c = ev().multiply(ca, cb);
  EXPECT_EQ(c.size(), 2u);
  const double q = env().params->q_prime(c.level());
  ev().rescale_inplace(c);
  EXPECT_EQ(c.scale.value, ca.scale.value * cb.scale.value / q);
  EXPECT_EQ(c.level().value, ca.level().value - 1);
  EXPECT_GT(min_bits(map2(a, b, [](Complex x, Complex y) { return x * y; }), env().decrypt(c)), 20.0);
  // Chain of squarings down to level 0.
  auto s = ca;
  std::vector<Complex> expect = a;
  while (s.level().value > 0) {
    s = ev().square(s);
    ev().rescale_inplace(s);
    for (auto& x : expect) x = x * x;
  }
  EXPECT_GT(min_bits(expect, env().decrypt(s)), 15.0);
  EXPECT_THROW(ev().rescale_inplace(s), InvalidArgument);
}

TEST_F(EvaluatorTest, OperandsAtDifferentLevelsAreAligned) {
  const auto a = testing::random_complex(kSlots, 1, 9), b = testing::random_complex(kSlots, 1, 10);
  auto ca = env().encrypt(a);
  const auto cb = env().encrypt(b);
  ev().drop_to_level_inplace(ca, Level{2});
  const auto sum = ev().add(cb, ca);
  EXPECT_EQ(sum.level().value, 2);
  EXPECT_GT(min_bits(map2(a, b, [](Complex x, Complex y) { return x + y; }), env().decrypt(sum)), 21.0);
  EXPECT_THROW(ev().drop_to_level_inplace(ca, Level{3}), InvalidArgument);
}

TEST_F(EvaluatorTest, RotationsByPowersOfTwoAndOtherSteps) {
  const auto a = testing::random_complex(kSlots, 1, 11);
  const auto ca = env().encrypt(a);
  for (int step : rotation_steps()) {
    std::vector<Complex> expect(kSlots);
    for (std::size_t i = 0; i < kSlots; ++i) {
      expect[i] = a[(i + kSlots + static_cast<std::size_t>(step % static_cast<int>(kSlots))) % kSlots];
    }
    EXPECT_GT(min_bits(expect, env().decrypt(ev().rotate(ca, RotationStep{step}))), 22.0) << "step " << step;
  }
  EXPECT_THROW(ev().rotate(ca, RotationStep{5}), InvalidArgument);  // no key for 5
}

TEST_F(EvaluatorTest, RotationsOfSparseVectorsWrapAtTheSlotCount) {
  const std::size_t slots = 64;
  const auto a = testing::random_complex(slots, 1, 12);
  const auto ca = env().encrypt(a, slots);
  for (int step : {1, 2, 4, 32}) {
    std::vector<Complex> expect(slots);
    for (std::size_t i = 0; i < slots; ++i) expect[i] = a[(i + static_cast<std::size_t>(step)) % slots];
    EXPECT_GT(min_bits(expect, env().decrypt(ev().rotate(ca, RotationStep{step}))), 22.0);
  }
}

TEST_F(EvaluatorTest, ConjugationAndHoistedRotations) {
  const auto a = testing::random_complex(kSlots, 1, 13);
  const auto ca = env().encrypt(a);
  std::vector<Complex> expect(kSlots);
  for (std::size_t i = 0; i < kSlots; ++i) expect[i] = std::conj(a[i]);
  EXPECT_GT(min_bits(expect, env().decrypt(ev().conjugate(ca))), 22.0);

  const std::vector<int> steps{1, 2, 3, 0, 64, 1000, -1};
  const auto hoisted = ev().rotate_hoisted(ca, steps);
  ASSERT_EQ(hoisted.size(), steps.size());
  for (std::size_t k = 0; k < steps.size(); ++k) {
    const auto one = env().decrypt(ev().rotate(ca, RotationStep{steps[k]}));
    EXPECT_GT(min_bits(one, env().decrypt(hoisted[k])), 22.0) << "step " << steps[k];
  }
}

// Double hoisting: sums of plaintext times rotations with one ModDown each agree with the
// plain rotate, multiply and add, in value and scale; the misuse is refused.
TEST_F(EvaluatorTest, RotationSumsMatchSeparateRotationsAndProducts) {
  const auto a = testing::random_complex(kSlots, 1, 20);
  const auto ca = env().encrypt(a);
  const std::vector<int> steps{0, 1, 7, -5, 1000};
  std::vector<std::vector<Complex>> d;
  for (int k = 0; k < 5; ++k) d.push_back(testing::random_complex(kSlots, 1, 30 + k));
  // sum 0 = d0 * x + d1 * rot(x, 1) + d2 * rot(x, -5); sum 1 = d3 * rot(x, 7) + d4 * rot(x, 1000);
  // sum 2 = (d4 + d0) * rot(x, 1): two terms on one rotation (the second accumulates).
  const std::vector<std::vector<Evaluator::RotationTerm>> sums{
      {{0, d[0]}, {1, d[1]}, {3, d[2]}}, {{2, d[3]}, {4, d[4]}}, {{1, d[4]}, {1, d[0]}}};
  const Scale ps = Scale::from_log2(30);
  const auto out = ev().rotate_multiply_sums(ca, steps, sums, ps);
  ASSERT_EQ(out.size(), 3u);
  for (std::size_t j = 0; j < sums.size(); ++j) {
    std::vector<Complex> expect(kSlots, Complex(0, 0));
    for (const auto& t : sums[j]) {
      const int k = steps[t.rotation];
      for (std::size_t i = 0; i < kSlots; ++i) {
        expect[i] += t.values[i] * a[(i + kSlots + static_cast<std::size_t>(k % static_cast<int>(kSlots))) % kSlots];
      }
    }
    EXPECT_EQ(out[j].level(), ca.level());
    EXPECT_DOUBLE_EQ(out[j].scale.value, ca.scale.value * ps.value);
    EXPECT_GT(min_bits(expect, env().decrypt(out[j])), 18.0) << "sum " << j;
  }
  EXPECT_THROW(ev().rotate_multiply_sums(ca, steps, {{}}, ps), InvalidArgument);  // empty sum
  EXPECT_THROW(ev().rotate_multiply_sums(ca, steps, {{{5, d[0]}}}, ps), InvalidArgument);
  EXPECT_THROW(ev().rotate_multiply_sums(ca, {11}, {{{0, d[0]}}}, ps), InvalidArgument);  // no key
  std::vector<Complex> bad = d[1];
  bad[3] = Complex(std::nan(""), 0.0);  // refused by the encoder, from inside the parallel loop
  EXPECT_THROW(ev().rotate_multiply_sums(ca, steps, {{{0, d[0]}, {1, bad}}}, ps), InvalidArgument);
}

std::vector<Complex> rotated(const std::vector<Complex>& v, int k) {
  std::vector<Complex> r(v.size());
  const auto n = static_cast<long>(v.size());
  for (long i = 0; i < n; ++i) r[static_cast<std::size_t>(i)] = v[static_cast<std::size_t>(((i + k) % n + n) % n)];
  return r;
}

// Extended ciphertexts (P c over Q_l P): extending is exact, rotations and sums of them agree
// with the ordinary ones once reduced, also when their special primes differ from the keys'.
TEST_F(EvaluatorTest, ExtendedCiphertextsDeferTheirModDown) {
  const auto a = testing::random_complex(kSlots, 1, 40), b = testing::random_complex(kSlots, 1, 41);
  const auto ca = env().encrypt(a), cb = env().encrypt(b);
  const std::size_t k = env().params->p_primes().size();
  ASSERT_GE(k, 2u);
  const ExtendedCiphertext ea = ev().extend(ca, k);
  EXPECT_EQ(ea.specials, k);
  EXPECT_EQ(ea.level(), ca.level());
  const Ciphertext back = ev().mod_down(ea);  // round(P c / P) = c exactly
  for (std::size_t part = 0; part < 2; ++part) {
    for (std::size_t i = 0; i < back.parts[part].limbs(); ++i) {
      ASSERT_TRUE(std::equal(back.parts[part].limb(i), back.parts[part].limb(i) + env().params->n(),
                             ca.parts[part].limb(i)))
          << "part " << part << " limb " << i;
    }
  }
  // Two rotations and a sum, reduced once: rot(rot(a, 1), 7) + b.
  ExtendedCiphertext r = ev().rotate(ev().rotate(ea, RotationStep{1}), RotationStep{7});
  ev().add_inplace(r, ev().extend(cb, k));
  std::vector<Complex> expect = rotated(a, 8);
  for (std::size_t i = 0; i < kSlots; ++i) expect[i] += b[i];
  const Ciphertext out = ev().mod_down(r);
  EXPECT_EQ(out.level(), ca.level());
  EXPECT_DOUBLE_EQ(out.scale.value, ca.scale.value);
  EXPECT_GT(min_bits(expect, env().decrypt(out)), 20.0);
  // Fewer special primes than the key's: reduced and rotated with the key's; a sum of two
  // different counts is extended to the larger.
  ExtendedCiphertext few = ev().rotate(ev().extend(ca, 1), RotationStep{-5});
  EXPECT_EQ(few.specials, k);
  EXPECT_GT(min_bits(rotated(a, -5), env().decrypt(ev().mod_down(few))), 20.0);
  ExtendedCiphertext mixed = ev().extend(ca, 1);
  ev().add_inplace(mixed, ea);
  EXPECT_EQ(mixed.specials, k);
  std::vector<Complex> twice(a);
  for (auto& v : twice) v *= 2.0;
  EXPECT_GT(min_bits(twice, env().decrypt(ev().mod_down(mixed))), 20.0);
  // The extended rotation sums, reduced, are the ordinary ones.
  const std::vector<Evaluator::RotationTerm> terms{{0, b}, {1, a}};
  const auto ext = ev().rotate_multiply_sums_extended(ca, {0, 3}, {terms}, Scale::from_log2(30));
  const auto plain = ev().rotate_multiply_sums(ca, {0, 3}, {terms}, Scale::from_log2(30));
  ASSERT_EQ(ext.size(), 1u);
  EXPECT_GT(min_bits(env().decrypt(plain[0]), env().decrypt(ev().mod_down(ext[0]))), 24.0);
  // Misuse: different slot counts, levels or scales.
  ExtendedCiphertext lower = ev().extend(ev().rescale(ca), k);
  EXPECT_THROW(ev().add_inplace(r, lower), InvalidArgument);
  ExtendedCiphertext small = ev().extend(env().encrypt(testing::random_complex(64, 1, 42), 64), k);
  EXPECT_THROW(ev().add_inplace(r, small), InvalidArgument);
  EXPECT_THROW(ev().extend(ca, k + 1), InvalidArgument);
}

TEST_F(EvaluatorTest, MisuseIsReportedClearly) {
  const auto a = env().encrypt(testing::random_complex(kSlots, 1, 14));
  const auto small = env().encrypt(testing::random_complex(64, 1, 15), 64);
  EXPECT_THROW(ev().add(a, small), InvalidArgument);
  auto scaled = a;
  ev().multiply_const_inplace(scaled, 1.0, Scale::from_log2(10));
  try {
    ev().add(a, scaled);
    FAIL() << "scale mismatch accepted";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("cannot add: scales differ"), std::string::npos) << e.what();
  }
  Evaluator keyless(env().params);
  EXPECT_THROW(keyless.multiply(a, a), InvalidArgument);
  EXPECT_THROW(keyless.rotate(a, RotationStep{1}), InvalidArgument);
}

}  // namespace
}  // namespace fhecnn::ckks
