#include "math/vecops.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <iterator>

#include <random>
#include <vector>

#include "math/cpu.hpp"
#include "math/primes.hpp"

namespace fhecnn::math {
namespace {

bool avx512_here() {
  const auto& f = cpu_features();
  return f.avx512f && f.avx512dq && f.avx512vl;
}

// Moduli across every kernel's range: NTT primes of many sizes (largest of their size), odd
// moduli next to 2^49, 2^50, 2^51 (the IFMA Barrett bounds), 2^52 (Shoup52) and 2^61 (the wide
// products), one just below 2^62 (the largest Modulus) and small edge cases.
std::vector<u64> vecops_test_moduli() {
  std::vector<u64> qs{3, 5, 97, (u64{1} << 49) + 1, (u64{1} << 50) - 1, (u64{1} << 50) + 1,
                      (u64{1} << 49) - 1, (u64{1} << 51) - 1, (u64{1} << 51) + 1,
                      (u64{1} << 52) - 1, (u64{1} << 52) + 1, (u64{1} << 61) - 1,
                      (u64{1} << 61) + 1, (u64{1} << 62) - 57, 1000000007};
  for (int bits : {20, 30, 40, 46, 49, 50, 51, 55, 59, 60, 61}) {
    qs.push_back(generate_ntt_primes(bits, 1, 16)[0]);
  }
  qs.push_back(u64{1} << 40);  // a power of two: the IFMA Barrett declines it
  return qs;
}

// Lengths: every tail (0..17), odd ones and the sizes of the ring (2^10, 2^16).
const std::vector<std::size_t> kLengths = {0, 1, 3, 7, 8, 9, 15, 16, 17, 31, 1001, 1024, 4099,
                                           65536};

// Whether mul / mul_add have an AVX-512 kernel for q on this CPU.
bool mul_kernel_applies(u64 q) {
  const auto& f = cpu_features();
  const bool narrow = q < (u64{1} << 51) && (q & (q - 1)) != 0;
  const bool wide = q >= (u64{1} << 51) && q < (u64{1} << 61) && f.avx512dq;
  return f.avx512ifma && (narrow || wide);
}

// kind 0: random, 1: all q - 1, 2: i mod q (0, 1, 2, ...), 3: alternating 0 and q - 1.
std::vector<u64> residues(std::size_t n, u64 q, std::mt19937_64& rng, int kind) {
  std::vector<u64> a(n);
  for (std::size_t i = 0; i < n; ++i) {
    a[i] = kind == 0 ? rng() % q : kind == 1 ? q - 1 : kind == 2 ? i % q : (i & 1) * (q - 1);
  }
  return a;
}

TEST(VecOps, MulAndMulAddMatchReferenceAtOddLengths) {
  std::mt19937_64 rng(21);
  for (u64 qv : vecops_test_moduli()) {
    const Modulus q(qv);
    for (std::size_t n : kLengths) {
      for (int kind = 0; kind < 4; ++kind) {
        if (n > 4099 && kind != 0) continue;
        const auto a = residues(n, qv, rng, kind), b = residues(n, qv, rng, kind == 2 ? 0 : kind);
        const auto acc = residues(n, qv, rng, kind);
        std::vector<u64> want(n), got(n), want_acc = acc, got_acc = acc;
        detail::mul_mod_vec_reference(a.data(), b.data(), want.data(), n, q);
        detail::mul_add_mod_vec_reference(a.data(), b.data(), want_acc.data(), n, q);
        for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(want[i], mul_mod(a[i], b[i], q));
        mul_mod_vec(a.data(), b.data(), got.data(), n, q);
        mul_add_mod_vec(a.data(), b.data(), got_acc.data(), n, q);
        ASSERT_EQ(got, want) << "q=" << qv << " n=" << n;
        ASSERT_EQ(got_acc, want_acc) << "q=" << qv << " n=" << n;
        if (!avx512_here()) continue;
        // The AVX-512 kernels themselves, where they apply (IFMA52: q < 2^51, or q < 2^61 with
        // AVX-512DQ).
        std::vector<u64> v(n), v_acc = acc;
        const bool applies = detail::mul_mod_vec_avx512(a.data(), b.data(), v.data(), n, q);
        EXPECT_EQ(applies, mul_kernel_applies(qv)) << qv;
        EXPECT_EQ(detail::mul_add_mod_vec_avx512(a.data(), b.data(), v_acc.data(), n, q), applies);
        if (!applies) continue;
        ASSERT_EQ(v, want) << "q=" << qv << " n=" << n;
        ASSERT_EQ(v_acc, want_acc) << "q=" << qv << " n=" << n;
      }
    }
  }
}

TEST(VecOps, SubMulScalarMatchesReference) {
  std::mt19937_64 rng(22);
  for (u64 qv : vecops_test_moduli()) {
    if (qv < 3) continue;
    const Modulus q(qv);
    for (std::size_t n : {0u, 1u, 7u, 8u, 9u, 17u, 1024u, 4099u}) {
      for (int kind = 0; kind < 4; ++kind) {
        const auto a = residues(n, qv, rng, kind), b = residues(n, qv, rng, kind == 1 ? 0 : kind);
        for (const u64 s : {u64{0}, u64{1}, qv - 1, rng() % qv}) {
          std::vector<u64> want(n), got(n);
          detail::sub_mul_scalar_mod_vec_reference(a.data(), b.data(), s, want.data(), n, q);
          for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(want[i], mul_mod(sub_mod(a[i], b[i], qv), s % qv, q));
          sub_mul_scalar_mod_vec(a.data(), b.data(), s, got.data(), n, q);
          ASSERT_EQ(got, want) << "q=" << qv << " n=" << n;
          if (!avx512_here()) continue;
          std::vector<u64> v(n);
          ASSERT_TRUE(detail::sub_mul_scalar_mod_vec_avx512(a.data(), b.data(), s, v.data(), n, q));
          ASSERT_EQ(v, want) << "AVX-512, q=" << qv << " n=" << n;
        }
      }
    }
  }
}

TEST(VecOps, MulScalarAndMulScalarAddMatchReference) {
  std::mt19937_64 rng(24);
  for (u64 qv : vecops_test_moduli()) {
    const Modulus q(qv);
    for (std::size_t n : kLengths) {
      for (int kind = 0; kind < 4; ++kind) {
        if (n > 4099 && kind != 0) continue;
        const auto a = residues(n, qv, rng, kind), acc = residues(n, qv, rng, kind == 1 ? 1 : 0);
        for (const u64 s : {u64{0}, u64{1}, qv - 1, rng() % qv}) {
          std::vector<u64> want(n), got(n), want_acc = acc, got_acc = acc;
          detail::mul_scalar_mod_vec_reference(a.data(), s, want.data(), n, q);
          detail::mul_scalar_add_mod_vec_reference(a.data(), s, want_acc.data(), n, q);
          for (std::size_t i = 0; i < n; ++i) {
            ASSERT_EQ(want[i], mul_mod(a[i], s, q));
            ASSERT_EQ(want_acc[i], add_mod(acc[i], want[i], qv));
          }
          mul_scalar_mod_vec(a.data(), s, got.data(), n, q);
          mul_scalar_add_mod_vec(a.data(), s, got_acc.data(), n, q);
          ASSERT_EQ(got, want) << "q=" << qv << " n=" << n << " s=" << s;
          ASSERT_EQ(got_acc, want_acc) << "q=" << qv << " n=" << n << " s=" << s;
          if (!avx512_here()) continue;
          std::vector<u64> v(n), v_acc = acc;
          ASSERT_TRUE(detail::mul_scalar_mod_vec_avx512(a.data(), s, v.data(), n, q));
          ASSERT_TRUE(detail::mul_scalar_add_mod_vec_avx512(a.data(), s, v_acc.data(), n, q));
          ASSERT_EQ(v, want) << "AVX-512, q=" << qv << " n=" << n << " s=" << s;
          ASSERT_EQ(v_acc, want_acc) << "AVX-512, q=" << qv << " n=" << n << " s=" << s;
        }
      }
    }
  }
}

TEST(VecOps, AddAndSubMatchReference) {
  std::mt19937_64 rng(25);
  for (u64 qv : vecops_test_moduli()) {
    const Modulus q(qv);
    for (std::size_t n : kLengths) {
      for (int kind = 0; kind < 4; ++kind) {
        const auto a = residues(n, qv, rng, kind), b = residues(n, qv, rng, (kind + 1) % 4);
        std::vector<u64> sum(n), diff(n), got(n);
        detail::add_mod_vec_reference(a.data(), b.data(), sum.data(), n, q);
        detail::sub_mod_vec_reference(a.data(), b.data(), diff.data(), n, q);
        for (std::size_t i = 0; i < n; ++i) {
          ASSERT_EQ(sum[i], add_mod(a[i], b[i], qv));
          ASSERT_EQ(diff[i], sub_mod(a[i], b[i], qv));
        }
        add_mod_vec(a.data(), b.data(), got.data(), n, q);
        ASSERT_EQ(got, sum) << "q=" << qv << " n=" << n;
        sub_mod_vec(a.data(), b.data(), got.data(), n, q);
        ASSERT_EQ(got, diff) << "q=" << qv << " n=" << n;
        if (!avx512_here()) continue;
        std::vector<u64> v(n);
        ASSERT_TRUE(detail::add_mod_vec_avx512(a.data(), b.data(), v.data(), n, q));
        ASSERT_EQ(v, sum) << "AVX-512, q=" << qv << " n=" << n;
        ASSERT_TRUE(detail::sub_mod_vec_avx512(a.data(), b.data(), v.data(), n, q));
        ASSERT_EQ(v, diff) << "AVX-512, q=" << qv << " n=" << n;
      }
    }
  }
}

TEST(VecOps, AddScalarReduceMatchesReference) {
  std::mt19937_64 rng(23);
  for (u64 qv : vecops_test_moduli()) {
    if (qv < 3) continue;
    const Modulus q(qv);
    for (std::size_t n : {0u, 1u, 7u, 8u, 9u, 4099u}) {
      // Inputs up to 2^51 (residues of a larger prime) plus a constant below q.
      std::vector<u64> a(n);
      for (auto& x : a) x = rng() % (u64{1} << 51);
      if (n > 0) a[0] = (u64{1} << 51) - 1;
      const u64 c = rng() % qv;
      std::vector<u64> want(n), got(n);
      detail::add_scalar_reduce_vec_reference(a.data(), c, want.data(), n, q);
      add_scalar_reduce_vec(a.data(), c, got.data(), n, q);
      ASSERT_EQ(got, want) << "q=" << qv << " n=" << n;
      if (!avx512_here()) continue;
      std::vector<u64> v(n);
      if (detail::add_scalar_reduce_vec_avx512(a.data(), c, v.data(), n, q)) {
        ASSERT_EQ(v, want) << "AVX-512, q=" << qv << " n=" << n;
      }
    }
  }
}

TEST(VecOps, ReduceSignedMatchesReferenceOverTheWholeInt64Range) {
  std::mt19937_64 rng(29);
  for (u64 qv : vecops_test_moduli()) {
    if (qv < 2) continue;
    const Modulus q(qv);
    for (std::size_t n : {0u, 1u, 7u, 8u, 9u, 4099u}) {
      std::vector<std::int64_t> v(n);
      for (std::size_t i = 0; i < n; ++i) {
        const int shift = static_cast<int>(rng() % 64);  // every magnitude, both signs
        v[i] = static_cast<std::int64_t>(rng() >> shift) * ((rng() & 1) ? 1 : -1);
      }
      const std::int64_t edges[] = {0, -1, 1, INT64_MIN, INT64_MAX,
                                    static_cast<std::int64_t>(qv), -static_cast<std::int64_t>(qv)};
      for (std::size_t i = 0; i < n && i < std::size(edges); ++i) v[i] = edges[i];
      std::vector<u64> want(n), got(n);
      for (std::size_t i = 0; i < n; ++i) {  // the exact residue, from 128-bit arithmetic
        const __int128 r = static_cast<__int128>(v[i]) % static_cast<__int128>(qv);
        want[i] = static_cast<u64>(r < 0 ? r + qv : r);
      }
      detail::reduce_signed_vec_reference(v.data(), got.data(), n, q);
      ASSERT_EQ(got, want) << "reference, q=" << qv << " n=" << n;
      reduce_signed_vec(v.data(), got.data(), n, q);
      ASSERT_EQ(got, want) << "q=" << qv << " n=" << n;
      if (!avx512_here()) continue;
      std::vector<u64> a(n);
      if (detail::reduce_signed_vec_avx512(v.data(), a.data(), n, q)) {
        ASSERT_EQ(a, want) << "AVX-512, q=" << qv << " n=" << n;
      }
    }
  }
}

TEST(VecOps, AddScalarAndPermuteMatchReference) {
  std::mt19937_64 rng(31);
  for (u64 qv : vecops_test_moduli()) {
    const Modulus q(qv);
    for (std::size_t n : {0u, 1u, 7u, 8u, 9u, 4099u}) {
      std::vector<u64> a(n);
      for (auto& x : a) x = rng() % qv;
      if (n > 0) a[0] = qv - 1;
      const u64 c = n > 1 ? qv - 1 : rng() % qv;
      std::vector<u64> want(n), got(n);
      for (std::size_t i = 0; i < n; ++i) want[i] = add_mod(a[i], c, qv);
      add_scalar_mod_vec(a.data(), c, got.data(), n, q);
      ASSERT_EQ(got, want) << "q=" << qv << " n=" << n;
      std::fill(got.begin(), got.end(), u64{0});  // the kernel must write every entry
      if (avx512_here() && detail::add_scalar_mod_vec_avx512(a.data(), c, got.data(), n, q)) {
        ASSERT_EQ(got, want) << "AVX-512, q=" << qv << " n=" << n;
      }
    }
  }
  for (std::size_t n : {1u, 7u, 8u, 9u, 4099u}) {
    std::vector<u64> src(n);
    for (auto& x : src) x = rng();
    std::vector<std::uint32_t> perm(n);
    for (std::size_t k = 0; k < n; ++k) perm[k] = static_cast<std::uint32_t>(k);
    std::shuffle(perm.begin(), perm.end(), rng);
    std::vector<u64> want(n), got(n);
    for (std::size_t k = 0; k < n; ++k) want[k] = src[perm[k]];
    permute_vec(src.data(), perm.data(), got.data(), n);
    ASSERT_EQ(got, want) << "n=" << n;
    std::fill(got.begin(), got.end(), u64{0});
    detail::permute_vec_reference(src.data(), perm.data(), got.data(), n);
    ASSERT_EQ(got, want) << "reference, n=" << n;
    if (avx512_here()) {
      std::fill(got.begin(), got.end(), u64{0});
      detail::permute_vec_avx512(src.data(), perm.data(), got.data(), n);
      ASSERT_EQ(got, want) << "AVX-512, n=" << n;
    }
  }
}

TEST(VecOps, OutputMayAliasAnInput) {
  std::mt19937_64 rng(22);
  for (int bits : {49, 55}) {
    const Modulus q(generate_ntt_primes(bits, 1, 16)[0]);
    const std::size_t n = 37;
    auto a = residues(n, q.value, rng, 0);
    const auto b = residues(n, q.value, rng, 0);
    std::vector<u64> want(n);
    detail::mul_mod_vec_reference(a.data(), b.data(), want.data(), n, q);
    mul_mod_vec(a.data(), b.data(), a.data(), n, q);
    EXPECT_EQ(a, want) << bits;
    auto acc = want;
    detail::mul_add_mod_vec_reference(want.data(), b.data(), acc.data(), n, q);
    mul_add_mod_vec(a.data(), b.data(), a.data(), n, q);  // a = a + a * b
    EXPECT_EQ(a, acc) << bits;
    detail::mul_scalar_mod_vec_reference(a.data(), b[0], want.data(), n, q);
    mul_scalar_mod_vec(a.data(), b[0], a.data(), n, q);
    EXPECT_EQ(a, want) << bits;
  }
}

}  // namespace
}  // namespace fhecnn::math
