#include "math/ntt.hpp"

#include <gtest/gtest.h>

#include <random>

#include "common/error.hpp"
#include "math/primes.hpp"

namespace fhecnn::math {
namespace {

// Schoolbook negacyclic product for checking the NTT.
std::vector<u64> negacyclic_mul(const std::vector<u64>& a, const std::vector<u64>& b,
                                const Modulus& q) {
  const std::size_t n = a.size();
  std::vector<u64> c(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      const u64 p = mul_mod(a[i], b[j], q);
      const std::size_t k = i + j;
      if (k < n) c[k] = add_mod(c[k], p, q.value);
      else c[k - n] = sub_mod(c[k - n], p, q.value);
    }
  }
  return c;
}

std::vector<u64> random_poly(std::size_t n, u64 q, std::mt19937_64& rng) {
  std::vector<u64> a(n);
  for (auto& x : a) x = rng() % q;
  return a;
}

TEST(Ntt, RoundTripAllSizesAndKernels) {
  std::mt19937_64 rng(1);
  for (int log_n = 1; log_n <= 17; ++log_n) {
    const std::size_t n = std::size_t{1} << log_n;
    for (int bits : {30, 46, 49, 50, 51, 60}) {
      if (bits < 20 + 0 && log_n > 10) continue;
      const Modulus q(generate_ntt_primes(bits, 1, n)[0]);
      const NttTables t(n, q);
      const auto a = random_poly(n, q.value, rng);
      auto ref = a;
      ntt_forward(t, ref.data(), NttKernel::Reference);
      for (NttKernel k : available_kernels(t)) {
        auto b = a;
        ntt_forward(t, b.data(), k);
        ASSERT_EQ(b, ref) << "forward kernel " << to_string(k) << " n=" << n << " bits=" << bits;
        ntt_inverse(t, b.data(), k);
        ASSERT_EQ(b, a) << "inverse kernel " << to_string(k) << " n=" << n << " bits=" << bits;
      }
    }
  }
}

TEST(Ntt, MultipliesNegacyclically) {
  std::mt19937_64 rng(2);
  const std::size_t n = 64;
  const Modulus q(generate_ntt_primes(50, 1, n)[0]);
  const NttTables t(n, q);
  auto a = random_poly(n, q.value, rng), b = random_poly(n, q.value, rng);
  const auto expect = negacyclic_mul(a, b, q);
  ntt_forward(t, a.data());
  ntt_forward(t, b.data());
  for (std::size_t i = 0; i < n; ++i) a[i] = mul_mod(a[i], b[i], q);
  ntt_inverse(t, a.data());
  EXPECT_EQ(a, expect);
}

TEST(Ntt, SlotKHoldsEvaluationAtOddPowerOfPsi) {
  std::mt19937_64 rng(3);
  const std::size_t n = 32;
  const Modulus q(generate_ntt_primes(40, 1, n)[0]);
  const NttTables t(n, q);
  const auto a = random_poly(n, q.value, rng);
  auto f = a;
  ntt_forward(t, f.data());
  for (std::size_t k = 0; k < n; ++k) {
    const u64 x = pow_mod(t.psi(), 2 * bit_reverse(k, t.log_n()) + 1, q);
    u64 v = 0, p = 1;
    for (std::size_t i = 0; i < n; ++i) {
      v = add_mod(v, mul_mod(a[i], p, q), q.value);
      p = mul_mod(p, x, q);
    }
    EXPECT_EQ(f[k], v) << "slot " << k;
  }
}

TEST(Ntt, RejectsBadSizesAndModuli) {
  const Modulus q(generate_ntt_primes(40, 1, 1024)[0]);
  EXPECT_THROW(NttTables(1000, q), InvalidArgument);
  EXPECT_THROW(NttTables(1 << 18, q), InvalidArgument);
  EXPECT_THROW(NttTables(1024, Modulus(65537 * 2 + 1)), InvalidArgument);
}

}  // namespace
}  // namespace fhecnn::math
