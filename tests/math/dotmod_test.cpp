#include "math/dotmod.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "common/error.hpp"
#include "math/cpu.hpp"
#include "math/primes.hpp"

namespace fhecnn::math {
namespace {

bool has_ifma() { return cpu_features().avx512f && cpu_features().avx512ifma; }
bool has_ifma_dq() { return has_ifma() && cpu_features().avx512dq; }

// The smallest NTT prime of `bits` bits for degree 16 (generate_ntt_primes gives the largest).
u64 smallest_prime(int bits) {
  for (u64 q = (u64{1} << (bits - 1)) + 1;; q += 32) {
    if (is_prime(q)) return q;
  }
}

// Moduli on both sides of every kernel bound (2^50 narrow IFMA, 2^61 wide), the sizes of our
// chains (40, 46, 50, 51, 55, 59, 60 bits) and 2^61 - 1, the largest the wide kernels take.
std::vector<u64> dot_test_moduli() {
  std::vector<u64> qs;
  for (int bits : {30, 40, 46, 49, 50, 51, 55, 59, 60, 61}) {
    qs.push_back(generate_ntt_primes(bits, 1, 16)[0]);
  }
  for (int bits : {51, 52, 55, 61}) qs.push_back(smallest_prime(bits));
  qs.push_back((u64{1} << 61) - 1);
  qs.push_back((u64{1} << 61) + 1);  // beyond the wide kernels: reference only
  return qs;
}

// A term's residues: random, all q - 1, all 0, or alternating extremes.
std::vector<u64> values(std::size_t n, u64 bound, std::mt19937_64& rng, int kind) {
  std::vector<u64> v(n);
  for (std::size_t c = 0; c < n; ++c) {
    switch (kind) {
      case 0: v[c] = rng() % bound; break;
      case 1: v[c] = bound - 1; break;
      case 2: v[c] = 0; break;
      default: v[c] = (c & 1) ? bound - 1 : rng() % 4; break;
    }
  }
  return v;
}

// sum_i x_i[c] * y_i[c] mod q with the scalar mul_mod (inputs reduced first).
std::vector<u64> exact_dot(const std::vector<std::vector<u64>>& x,
                           const std::vector<std::vector<u64>>& y, const Modulus& q) {
  std::vector<u64> out(x[0].size(), 0);
  for (std::size_t i = 0; i < x.size(); ++i) {
    for (std::size_t c = 0; c < out.size(); ++c) {
      const u64 p = mul_mod(reduce_64(x[i][c], q), reduce_64(y[i][c], q), q);
      out[c] = add_mod(out[c], p, q.value);
    }
  }
  return out;
}

std::vector<const u64*> pointers(const std::vector<std::vector<u64>>& v) {
  std::vector<const u64*> p;
  for (const auto& x : v) p.push_back(x.data());
  return p;
}

// Sizes and term counts: k = 6, 7 are the digit counts of boot_n16; n = 12 is not a multiple of
// 8 (the vector kernels decline it).
struct Shape {
  std::size_t n, k;
};
constexpr Shape kShapes[] = {{8, 1}, {12, 3}, {64, 16}, {1024, 2}, {1024, 7}, {8192, 6},
                             {65536, 6}};

TEST(DotMod, PairsEveryKernelMatchesReferenceBitForBit) {
  std::mt19937_64 rng(22);
  for (u64 qv : dot_test_moduli()) {
    const Modulus q(qv);
    for (const Shape& sh : kShapes) {
      for (int kind = 0; kind < 4; ++kind) {
        if (sh.n > 8192 && kind != 0) continue;  // extremes at the smaller sizes only
        std::vector<std::vector<u64>> a, b;
        for (std::size_t i = 0; i < sh.k; ++i) {
          a.push_back(values(sh.n, qv, rng, (kind + i) % 4));
          b.push_back(values(sh.n, qv, rng, kind == 3 ? 1 : kind));
        }
        const auto pa = pointers(a), pb = pointers(b);
        const auto want = exact_dot(a, b, q);
        std::vector<u64> ref(sh.n), got(sh.n), v(sh.n);
        detail::dot_mod_pairs_reference(pa.data(), pb.data(), sh.k, ref.data(), sh.n, q);
        ASSERT_EQ(ref, want) << "reference, q=" << qv << " n=" << sh.n << " k=" << sh.k;
        dot_mod_pairs(pa.data(), pb.data(), sh.k, got.data(), sh.n, q);
        ASSERT_EQ(got, want) << "dispatch, q=" << qv << " n=" << sh.n << " k=" << sh.k;
        if (has_ifma() &&
            detail::dot_mod_pairs_ifma(pa.data(), pb.data(), sh.k, v.data(), sh.n, q)) {
          ASSERT_LT(qv, u64{1} << 50);
          ASSERT_EQ(v, want) << "narrow, q=" << qv << " n=" << sh.n << " k=" << sh.k;
        }
        if (!has_ifma_dq()) continue;
        const bool wide =
            detail::dot_mod_pairs_ifma_wide(pa.data(), pb.data(), sh.k, v.data(), sh.n, q);
        ASSERT_EQ(wide, qv < (u64{1} << 61) && sh.n % 8 == 0) << qv;
        if (wide) ASSERT_EQ(v, want) << "wide, q=" << qv << " n=" << sh.n << " k=" << sh.k;
      }
    }
  }
}

TEST(DotMod, ColumnsEveryKernelMatchesReferenceBitForBit) {
  std::mt19937_64 rng(21);
  for (u64 qv : dot_test_moduli()) {
    const Modulus q(qv);
    // Columns are residues of the source primes, which may be larger than q (up to 2^61).
    for (const u64 bound : {qv, u64{1} << 50, (u64{1} << 55) - 27, u64{1} << 61}) {
      if (bound > (u64{1} << 61)) continue;  // beyond what dot_mod_columns accepts
      for (const Shape& sh : kShapes) {
        for (int kind = 0; kind < 4; ++kind) {
          if (sh.n > 1024 && kind != 0) continue;
          std::vector<std::vector<u64>> cols;
          std::vector<std::vector<u64>> w;  // w[i] repeated over the columns, for exact_dot
          std::vector<u64> ws;
          for (std::size_t i = 0; i < sh.k; ++i) {
            cols.push_back(values(sh.n, bound, rng, (kind + i) % 4));
            ws.push_back(i % 3 == 1 ? qv - 1 : i % 3 == 2 && kind > 0 ? 0 : rng() % qv);
            w.emplace_back(sh.n, ws.back());
          }
          const auto pc = pointers(cols);
          const auto want = exact_dot(cols, w, q);
          std::vector<u64> ref(sh.n), got(sh.n), v(sh.n);
          detail::dot_mod_columns_reference(pc.data(), ws.data(), sh.k, ref.data(), sh.n, q);
          ASSERT_EQ(ref, want) << "reference, q=" << qv << " bound=" << bound;
          dot_mod_columns(pc.data(), ws.data(), sh.k, got.data(), sh.n, q, bound);
          ASSERT_EQ(got, want) << "dispatch, q=" << qv << " bound=" << bound << " n=" << sh.n;
          if (!has_ifma_dq()) continue;
          const bool wide =
              detail::dot_mod_columns_ifma_wide(pc.data(), ws.data(), sh.k, v.data(), sh.n, q);
          ASSERT_EQ(wide, qv < (u64{1} << 61) && sh.n % 8 == 0) << qv;
          if (wide) ASSERT_EQ(v, want) << "wide, q=" << qv << " bound=" << bound << " n=" << sh.n;
        }
      }
    }
  }
}

// The exact-conversion steps: the AVX-512 kernels give the reference's bits (the overflow
// estimate rounds each product and sum as the reference does) at every tail length.
TEST(DotMod, OverflowEstimateAndTableSubtractionMatchReference) {
  std::mt19937_64 rng(41);
  const bool avx = cpu_features().avx512f && cpu_features().avx512dq;
  for (std::size_t k : {1u, 2u, 7u, 12u}) {
    std::vector<u64> primes = generate_ntt_primes(50, k, 16);
    std::vector<double> inv(k);
    for (std::size_t i = 0; i < k; ++i) inv[i] = 1.0 / static_cast<double>(primes[i]);
    for (std::size_t n : {1u, 7u, 8u, 13u, 4096u}) {
      std::vector<std::vector<u64>> y(k, std::vector<u64>(n));
      std::vector<const u64*> cols(k);
      for (std::size_t i = 0; i < k; ++i) {
        for (auto& v : y[i]) v = rng() % primes[i];
        if (n > 1) y[i][1] = primes[i] - 1;  // the largest sum
        cols[i] = y[i].data();
      }
      std::vector<std::uint8_t> want(n), got(n, 0xAA);
      detail::overflow_estimate_reference(cols.data(), inv.data(), k, want.data(), n);
      for (std::size_t c = 0; c < n; ++c) ASSERT_LT(want[c], k) << "k=" << k;
      if (n > 1) EXPECT_EQ(want[1], k - 1);  // sum of (a_i - 1) / a_i: just below k
      overflow_estimate(cols.data(), inv.data(), k, got.data(), n);
      ASSERT_EQ(got, want) << "k=" << k << " n=" << n;
      if (avx) {
        std::vector<std::uint8_t> v(n + 1, 0x5A);  // the byte past the end stays untouched
        detail::overflow_estimate_avx512(cols.data(), inv.data(), k, v.data(), n);
        ASSERT_EQ(std::vector<std::uint8_t>(v.begin(), v.begin() + static_cast<long>(n)), want);
        ASSERT_EQ(v[n], 0x5A);
      }
      // out - table[u] mod q for a table of k + 1 multiples.
      const Modulus q(generate_ntt_primes(59, 1, 16)[0]);
      std::vector<u64> table(k + 1);
      for (auto& t : table) t = rng() % q.value;
      std::vector<u64> base(n);
      for (auto& v : base) v = rng() % q.value;
      std::vector<u64> ref = base, out = base;
      detail::sub_table_mod_vec_reference(ref.data(), want.data(), table.data(), n, q);
      for (std::size_t c = 0; c < n; ++c) {
        ASSERT_EQ(ref[c], sub_mod(base[c], table[want[c]], q.value));
      }
      sub_table_mod_vec(out.data(), want.data(), table.data(), table.size(), n, q);
      ASSERT_EQ(out, ref) << "k=" << k << " n=" << n;
      if (avx) {
        std::vector<u64> v = base;
        const bool ran = detail::sub_table_mod_vec_avx512(v.data(), want.data(), table.data(),
                                                          table.size(), n, q);
        EXPECT_EQ(ran, table.size() <= 8);
        if (ran) ASSERT_EQ(v, ref) << "AVX-512 k=" << k << " n=" << n;
      }
    }
  }
}

TEST(DotMod, RejectsBadTermCountsAndBounds) {
  const Modulus q(generate_ntt_primes(55, 1, 16)[0]);
  std::vector<u64> x(8, 1), out(8);
  std::vector<const u64*> p(17, x.data());
  std::vector<u64> w(17, 1);
  EXPECT_THROW(dot_mod_pairs(p.data(), p.data(), 0, out.data(), 8, q), InvalidArgument);
  EXPECT_THROW(dot_mod_pairs(p.data(), p.data(), 17, out.data(), 8, q), InvalidArgument);
  EXPECT_THROW(dot_mod_columns(p.data(), w.data(), 17, out.data(), 8, q, q.value),
               InvalidArgument);
  EXPECT_THROW(dot_mod_columns(p.data(), w.data(), 2, out.data(), 8, q, (u64{1} << 61) + 1),
               InvalidArgument);
}

}  // namespace
}  // namespace fhecnn::math
