#include "math/ntt.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <random>

#include "common/error.hpp"
#include "math/cpu.hpp"
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
    for (int bits : {30, 40, 46, 49, 50, 51, 55, 59, 60}) {
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

// The smallest NTT prime of `bits` bits for degree n (generate_ntt_primes gives the largest).
u64 smallest_ntt_prime(int bits, std::size_t n) {
  const u64 m = 2 * static_cast<u64>(n);
  for (u64 q = (u64{1} << (bits - 1)) + 1;; q += m) {
    if (is_prime(q)) return q;
  }
}

bool avx512_disabled() {
  const char* off = std::getenv("FHECNN_DISABLE_AVX512");
  return off && *off && std::strcmp(off, "0") != 0;
}

// Largest and smallest primes of each size: the lazy-reduction bounds of the optimised kernels
// are tightest for the largest q of a size class (just below 2^46 ... 2^51 for the 52-bit
// kernels; 2^55 ... 2^61 for the 64-bit ones, whose lazy plans change with 2^64 / q; 2^62, where
// they fall back to exact bounds).
std::vector<u64> kernel_test_primes(std::size_t n) {
  std::vector<u64> ps;
  for (int bits : {40, 46, 47, 48, 49, 50, 51, 52, 55, 58, 59, 60, 61}) {
    ps.push_back(generate_ntt_primes(bits, 1, n)[0]);
  }
  const u64 m = 2 * static_cast<u64>(n);
  u64 q = ((u64{1} << 62) - 1) / m * m + 1;  // generate_ntt_primes stops at 61 bits
  while (!is_prime(q)) q -= m;
  ps.push_back(q);
  for (int bits : {46, 50, 51, 52, 55, 61, 62}) ps.push_back(smallest_ntt_prime(bits, n));
  return ps;
}

// Random inputs and the extremes that push the lazy bounds: all q - 1, alternating 0 / q - 1,
// all 0.
std::vector<std::vector<u64>> kernel_test_inputs(std::size_t n, u64 q, std::mt19937_64& rng) {
  std::vector<u64> top(n, q - 1), alt(n), zero(n, 0);
  for (std::size_t i = 0; i < n; ++i) alt[i] = (i & 1) ? q - 1 : 0;
  return {random_poly(n, q, rng), top, alt, zero};
}

TEST(Ntt, EveryKernelMatchesReferenceBitForBit) {
  std::mt19937_64 rng(4);
  for (int log_n = 4; log_n <= 17; ++log_n) {
    const std::size_t n = std::size_t{1} << log_n;
    for (u64 p : kernel_test_primes(n)) {
      const NttTables t(n, Modulus(p));
      const auto kernels = available_kernels(t);
      if (kernels.size() == 1) continue;
      const bool big = log_n >= 14;
      for (const auto& a : kernel_test_inputs(n, p, rng)) {
        auto ref = a;
        ntt_forward(t, ref.data(), NttKernel::Reference);
        auto back = ref;
        ntt_inverse(t, back.data(), NttKernel::Reference);
        ASSERT_EQ(back, a);
        for (NttKernel k : kernels) {
          if (k == NttKernel::Reference) continue;
          auto b = a;
          ntt_forward(t, b.data(), k);
          ASSERT_EQ(b, ref) << "forward " << to_string(k) << " n=" << n << " q=" << p;
          // Inverse of the reference output and of an arbitrary input.
          ntt_inverse(t, b.data(), k);
          ASSERT_EQ(b, a) << "inverse " << to_string(k) << " n=" << n << " q=" << p;
          auto c = a, c_ref = a;
          ntt_inverse(t, c.data(), k);
          ntt_inverse(t, c_ref.data(), NttKernel::Reference);
          ASSERT_EQ(c, c_ref) << "inverse " << to_string(k) << " n=" << n << " q=" << p;
        }
        if (big) break;  // large degrees: random input only, to keep the suite fast
      }
    }
  }
}

// a(X) = b(X^gap): the sparse transform of b's compact coefficients equals the full transform
// of the spread-out ones, for every kernel, gap and prime size (small sizes take the reference).
TEST(Ntt, SparseForwardEqualsFullForwardOfSpreadCoefficients) {
  std::mt19937_64 rng(5);
  for (int log_n : {5, 10, 13}) {
    const std::size_t n = std::size_t{1} << log_n;
    for (u64 p : kernel_test_primes(n)) {
      const NttTables t(n, Modulus(p));
      for (std::size_t gap = 1; gap <= n / 2; gap *= 2) {
        const std::vector<u64> b = random_poly(n / gap, p, rng);
        std::vector<u64> spread(n, 0);
        for (std::size_t i = 0; i < b.size(); ++i) spread[i * gap] = b[i];
        ntt_forward(t, spread.data(), NttKernel::Reference);
        for (NttKernel k : available_kernels(t)) {
          std::vector<u64> a(n, 12345);  // entries past n / gap are ignored
          std::copy(b.begin(), b.end(), a.begin());
          ntt_forward_sparse(t, a.data(), gap, k);
          ASSERT_EQ(a, spread) << to_string(k) << " n=" << n << " gap=" << gap << " q=" << p;
        }
      }
    }
  }
  const NttTables t(64, Modulus(generate_ntt_primes(40, 1, 64)[0]));
  std::vector<u64> a(64, 0);
  EXPECT_THROW(ntt_forward_sparse(t, a.data(), 3), InvalidArgument);
  EXPECT_THROW(ntt_forward_sparse(t, a.data(), 64), InvalidArgument);
}

TEST(Ntt, KernelAvailabilityFollowsCpuAndModulus) {
  const auto& f = cpu_features();
  const bool avx = f.avx512f && f.avx512dq && f.avx512vl, ifma = avx && f.avx512ifma;
  if (avx512_disabled()) EXPECT_FALSE(avx || f.avx512ifma);
  for (int bits : {30, 46, 50, 51, 52, 55, 60, 61}) {
    const std::size_t n = 1024;
    const NttTables t(n, Modulus(generate_ntt_primes(bits, 1, n)[0]));
    const auto ks = available_kernels(t);
    auto has = [&](NttKernel k) { return std::count(ks.begin(), ks.end(), k) == 1; };
    EXPECT_TRUE(has(NttKernel::Reference));
    EXPECT_EQ(has(NttKernel::Avx512), avx) << bits;
    EXPECT_EQ(has(NttKernel::Avx512Ifma), ifma) << bits;
    EXPECT_EQ(t.best_kernel(), ks.back()) << bits;
    EXPECT_EQ(t.fwd_roots_shoup52().empty(), bits > 51);
  }
  // Degrees below 16 always run the reference kernel; forcing another one throws.
  const Modulus q(generate_ntt_primes(40, 1, 8)[0]);
  const NttTables small(8, q);
  EXPECT_EQ(available_kernels(small), std::vector<NttKernel>{NttKernel::Reference});
  std::vector<u64> a(8, 1);
  EXPECT_THROW(ntt_forward(small, a.data(), NttKernel::Avx512Ifma), InvalidArgument);
  EXPECT_THROW(ntt_inverse(small, a.data(), NttKernel::Avx512), InvalidArgument);
  const NttTables wide(64, Modulus(generate_ntt_primes(60, 1, 64)[0]));
  std::vector<u64> b(64, 1);
  if (!ifma) EXPECT_THROW(ntt_forward(wide, b.data(), NttKernel::Avx512Ifma), InvalidArgument);
  if (!avx) EXPECT_THROW(ntt_forward(wide, b.data(), NttKernel::Avx512), InvalidArgument);
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
