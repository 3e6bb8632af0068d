#include "math/modarith.hpp"

#include <gtest/gtest.h>

#include <random>

#include "common/error.hpp"
#include "math/crt.hpp"
#include "math/primes.hpp"
#include "math/vecops.hpp"

namespace fhecnn::math {
namespace {

TEST(ModArith, BarrettAndShoupMatchDivision) {
  std::mt19937_64 rng(7);
  for (int bits : {20, 31, 46, 50, 51, 60, 61}) {
    const Modulus q(generate_ntt_primes(bits, 1, 16)[0]);
    for (int i = 0; i < 20000; ++i) {
      const u64 a = rng() % q.value, b = rng() % q.value;
      const u64 expect = static_cast<u64>(static_cast<u128>(a) * b % q.value);
      ASSERT_EQ(mul_mod(a, b, q), expect);
      ASSERT_EQ(mul_shoup(a, b, shoup_precompute(b, q.value), q.value), expect);
      const u128 x = (static_cast<u128>(rng()) << 64) | rng();
      ASSERT_EQ(reduce_128(x, q), static_cast<u64>(x % q.value));
    }
    EXPECT_EQ(mul_mod(inv_mod(12345, q), 12345, q), 1u);
  }
  EXPECT_THROW(inv_mod(0, Modulus(97)), InvalidArgument);
  EXPECT_EQ(from_signed(-1, Modulus(97)), 96u);
  EXPECT_EQ(from_signed(-97 * 3, Modulus(97)), 0u);
}

TEST(Primes, AreNttFriendlyDistinctAndOfTheRequestedSize) {
  EXPECT_TRUE(is_prime(2305843009213693951ull));  // 2^61 - 1
  EXPECT_FALSE(is_prime(3215031751ull));          // strong pseudoprime to bases 2, 3, 5, 7
  const std::size_t n = 1 << 16;
  const auto ps = generate_ntt_primes(46, 16, n);
  ASSERT_EQ(ps.size(), 16u);
  for (std::size_t i = 0; i < ps.size(); ++i) {
    EXPECT_TRUE(is_prime(ps[i]));
    EXPECT_EQ(ps[i] % (2 * n), 1u);
    EXPECT_EQ(64 - __builtin_clzll(ps[i]), 46);
    if (i) EXPECT_LT(ps[i], ps[i - 1]);
  }
  const auto more = generate_ntt_primes(46, 2, n, ps);
  for (u64 p : more) EXPECT_EQ(std::count(ps.begin(), ps.end(), p), 0);
  EXPECT_THROW(generate_ntt_primes(19, 1, n), InvalidArgument);
  EXPECT_THROW(generate_ntt_primes(20, 100, n), InvalidArgument);
}

TEST(VecOps, MatchScalarArithmetic) {
  std::mt19937_64 rng(9);
  for (int bits : {30, 50, 51, 60}) {
    const Modulus q(generate_ntt_primes(bits, 1, 16)[0]);
    for (std::size_t n : {1u, 7u, 8u, 64u, 1000u}) {
      std::vector<u64> a(n), b(n), acc(n), out(n);
      for (std::size_t i = 0; i < n; ++i) {
        a[i] = rng() % q.value;
        b[i] = rng() % q.value;
        acc[i] = rng() % q.value;
      }
      mul_mod_vec(a.data(), b.data(), out.data(), n, q);
      auto acc2 = acc;
      mul_add_mod_vec(a.data(), b.data(), acc2.data(), n, q);
      for (std::size_t i = 0; i < n; ++i) {
        ASSERT_EQ(out[i], mul_mod(a[i], b[i], q));
        ASSERT_EQ(acc2[i], add_mod(acc[i], out[i], q.value));
      }
      add_mod_vec(a.data(), b.data(), out.data(), n, q);
      for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(out[i], add_mod(a[i], b[i], q.value));
      sub_mod_vec(a.data(), b.data(), out.data(), n, q);
      for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(out[i], sub_mod(a[i], b[i], q.value));
      mul_scalar_mod_vec(a.data(), b[0], out.data(), n, q);
      for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(out[i], mul_mod(a[i], b[0], q));
    }
  }
}

TEST(Crt, ComposesCentredValues) {
  const auto ps = generate_ntt_primes(50, 5, 1024);
  std::vector<Modulus> ms(ps.begin(), ps.end());
  const CrtComposer crt(ms);
  std::mt19937_64 rng(11);
  for (int i = 0; i < 1000; ++i) {
    const std::int64_t v = static_cast<std::int64_t>(rng() >> 2) * ((i & 1) ? 1 : -1);
    std::vector<u64> r;
    for (const auto& m : ms) r.push_back(from_signed(v, m));
    EXPECT_EQ(crt.compose_centered(r.data(), 1), static_cast<long double>(v));
  }
  // A value near Q/2 in magnitude (2^200): (2^100)^2 built from residues.
  std::vector<u64> r;
  for (const auto& m : ms) {
    const u64 t = pow_mod(2, 100, m);
    r.push_back(neg_mod(mul_mod(t, t, m), m.value));
  }
  EXPECT_EQ(crt.compose_centered(r.data(), 1), -std::ldexp(1.0L, 200));
}

}  // namespace
}  // namespace fhecnn::math
