#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "common/error.hpp"
#include "math/crt.hpp"
#include "math/primes.hpp"
#include "ring/basis_ext.hpp"
#include "ring/poly_ops.hpp"
#include "ring/rns_tools.hpp"
#include "ring/sampler.hpp"

namespace fhecnn::ring {
namespace {

struct Fixture {
  std::unique_ptr<RingContext> ctx;
  std::unique_ptr<RnsTools> tools;
  Fixture(int log_n, std::size_t nq, std::size_t np) {
    const std::size_t n = std::size_t{1} << log_n;
    auto q = math::generate_ntt_primes(45, nq, n);
    auto p = math::generate_ntt_primes(50, np, n);
    ctx = std::make_unique<RingContext>(LogN{log_n}, q, p);
    tools = std::make_unique<RnsTools>(*ctx);
  }
};

std::vector<std::int64_t> small_poly(std::size_t n, std::int64_t bound, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::int64_t> v(n);
  for (auto& x : v) x = static_cast<std::int64_t>(rng() % (2 * bound + 1)) - bound;
  return v;
}

long double value_at(const RingContext& ctx, const RnsPoly& p, std::size_t k) {
  std::vector<math::Modulus> ms;
  for (auto i : p.basis()) ms.push_back(ctx.modulus(i));
  math::CrtComposer crt(ms);
  return crt.compose_centered(p.data().data() + k, p.n());
}

TEST(Ring, RescaleRoundsToNearest) {
  Fixture f(10, 4, 2);
  const auto& ctx = *f.ctx;
  // x = q_3 * y + r with small y and |r| < q_3 / 2: rescale must give y + round(r / q_3) = y.
  const auto y = small_poly(ctx.n(), 1000, 1);
  RnsPoly x = from_signed(ctx, y, ctx.q_basis(Level{3}));
  const auto q3 = ctx.modulus(3).value;
  std::vector<u64> s(4);
  for (std::size_t i = 0; i < 4; ++i) s[i] = math::reduce_64(q3, ctx.modulus(static_cast<PrimeIndex>(i)));
  to_ntt(ctx, x);
  mul_scalar_inplace(ctx, x, s);
  RnsPoly r = from_signed(ctx, small_poly(ctx.n(), static_cast<std::int64_t>(q3 / 2 - 1), 2), ctx.q_basis(Level{3}));
  to_ntt(ctx, r);
  add_inplace(ctx, x, r);
  f.tools->rescale_inplace(x);
  ASSERT_EQ(x.limbs(), 3u);
  from_ntt(ctx, x);
  for (std::size_t k = 0; k < ctx.n(); ++k) ASSERT_EQ(value_at(ctx, x, k), y[k]) << k;
  RnsPoly one(ctx.n(), ctx.q_basis(Level{0}), true);
  EXPECT_THROW(f.tools->rescale_inplace(one), InvalidArgument);
}

TEST(Ring, BasisConversionIsExactUpToMultiplesOfTheSourceModulus) {
  Fixture f(10, 3, 2);
  const auto& ctx = *f.ctx;
  const auto v = small_poly(ctx.n(), 1 << 20, 3);
  RnsPoly src = from_signed(ctx, v, ctx.q_basis(Level{2}));
  const Basis to = ctx.p_basis();
  BasisConverter conv(ctx, src.basis(), to);
  RnsPoly out(ctx.n(), to, false);
  const u64* in[3] = {src.limb(0), src.limb(1), src.limb(2)};
  u64* dst[2] = {out.limb(0), out.limb(1)};
  conv.convert(in, dst, 2);
  // out = x + u Q mod p_0 with 0 <= u < 3, x the representative of v in [0, Q).
  const auto& p0 = ctx.modulus(to[0]);
  u64 q_mod = 1;
  for (int i = 0; i < 3; ++i) q_mod = math::mul_mod(q_mod, math::reduce_64(ctx.modulus(static_cast<PrimeIndex>(i)).value, p0), p0);
  for (std::size_t k = 0; k < ctx.n(); ++k) {
    // v < 0 means x = Q + v.
    const u64 x = math::add_mod(math::from_signed(v[k], p0), v[k] < 0 ? q_mod : 0, p0.value);
    bool ok = false;
    for (u64 u = 0; u < 3 && !ok; ++u) {
      ok = math::add_mod(x, math::mul_mod(u, q_mod, p0), p0.value) == out.limb(0)[k];
    }
    ASSERT_TRUE(ok) << "coefficient " << k;
  }
}

// Exact conversion between primes on both sides of the IFMA kernels' 2^50 bound (55-bit
// sources split into two columns for 45-bit targets; 55-bit targets take the portable kernel).
// Inputs x = (Q - 1) / 2 + v with small v: centred, as ModDown makes them, where the
// floating-point overflow estimate is exact (convert_exact's documented condition).
TEST(Ring, ExactBasisConversionAcrossPrimeSizes) {
  const std::size_t n = 1 << 10;
  for (const auto& [src_bits, dst_bits] : {std::pair{45, 45}, std::pair{45, 55}, std::pair{55, 55}, std::pair{55, 45}}) {
    auto q = math::generate_ntt_primes(src_bits, 3, n);
    auto p = math::generate_ntt_primes(dst_bits, 2, n, q);
    RingContext ctx(LogN{10}, q, p);
    const auto v = small_poly(n, std::int64_t{1} << 40, 8);
    const auto half_q_mod = [&](const math::Modulus& m) {  // (Q - 1) / 2 mod m
      u64 qm = 1;
      for (auto qi : q) qm = math::mul_mod(qm, math::reduce_64(qi, m), m);
      return math::mul_mod(math::sub_mod(qm, 1, m.value), (m.value + 1) / 2, m);
    };
    RnsPoly src = from_signed(ctx, v, ctx.q_basis(Level{2}));
    for (std::size_t i = 0; i < 3; ++i) {
      const auto& qi = ctx.modulus(static_cast<PrimeIndex>(i));
      const u64 h = half_q_mod(qi);
      for (std::size_t k = 0; k < n; ++k) src.limb(i)[k] = math::add_mod(src.limb(i)[k], h, qi.value);
    }
    BasisConverter conv(ctx, src.basis(), ctx.p_basis());
    RnsPoly out(n, ctx.p_basis(), false);
    const u64* in[3] = {src.limb(0), src.limb(1), src.limb(2)};
    u64* dst[2] = {out.limb(0), out.limb(1)};
    conv.convert_exact(in, dst, 2);
    for (std::size_t j = 0; j < 2; ++j) {
      const auto& pj = ctx.modulus(ctx.p_index(j));
      const u64 h = half_q_mod(pj);
      for (std::size_t k = 0; k < n; ++k) {
        const u64 x = math::add_mod(math::from_signed(v[k], pj), h, pj.value);
        ASSERT_EQ(out.limb(j)[k], x) << src_bits << " -> " << dst_bits << " bits, coefficient " << k;
      }
    }
  }
}

TEST(Ring, ModUpThenModDownRecoversTheInput) {
  Fixture f(11, 4, 2);
  const auto& ctx = *f.ctx;
  const Level l{3};
  const auto v = small_poly(ctx.n(), 1 << 30, 4);
  RnsPoly coeff = from_signed(ctx, v, ctx.q_basis(l));
  RnsPoly ntt = coeff;
  to_ntt(ctx, ntt);
  // Extend the whole Q_l as one digit, multiply by P (in the P-free limbs), divide by P.
  RnsPoly up = f.tools->mod_up(coeff, ntt, 0, 4);
  std::vector<u64> p_mod(up.limbs(), 0);
  for (std::size_t i = 0; i < 4; ++i) {
    const auto& qi = ctx.modulus(static_cast<PrimeIndex>(i));
    p_mod[i] = math::mul_mod(math::reduce_64(ctx.modulus(ctx.p_index(0)).value, qi),
                             math::reduce_64(ctx.modulus(ctx.p_index(1)).value, qi), qi);
  }
  mul_scalar_inplace(ctx, up, p_mod);  // P limbs become 0 = P mod p_j
  f.tools->mod_down_inplace(up);
  from_ntt(ctx, up);
  for (std::size_t k = 0; k < ctx.n(); ++k) ASSERT_NEAR(static_cast<double>(value_at(ctx, up, k)), v[k], 2.0);
}

// x = y P + r with small r of either sign: ModDown must return round(x / P) = y exactly
// (a floor, or the fast conversion's overflow u, would bias the result by -1 .. -K).
TEST(Ring, ModDownRoundsToTheNearestInteger) {
  Fixture f(10, 3, 4);
  const auto& ctx = *f.ctx;
  const Level l{2};
  const auto y = small_poly(ctx.n(), 1000, 6);
  const auto r = small_poly(ctx.n(), std::int64_t{1} << 40, 7);
  RnsPoly x = from_signed(ctx, r, ctx.qp_basis(l));  // r on every limb
  RnsPoly yq = from_signed(ctx, y, ctx.q_basis(l));
  for (std::size_t i = 0; i < yq.limbs(); ++i) {
    const auto& qi = ctx.modulus(static_cast<PrimeIndex>(i));
    u64 p = 1;
    for (std::size_t j = 0; j < ctx.p_count(); ++j) {
      p = math::mul_mod(p, math::reduce_64(ctx.modulus(ctx.p_index(j)).value, qi), qi);
    }
    for (std::size_t c = 0; c < ctx.n(); ++c) {
      x.limb(i)[c] = math::add_mod(x.limb(i)[c], math::mul_mod(yq.limb(i)[c], p, qi), qi.value);
    }
  }
  to_ntt(ctx, x);
  f.tools->mod_down_inplace(x);
  from_ntt(ctx, x);
  int off = 0;
  for (std::size_t k = 0; k < ctx.n(); ++k) off += value_at(ctx, x, k) != static_cast<long double>(y[k]);
  EXPECT_EQ(off, 0) << "coefficients not rounded to y";
}

TEST(Ring, AutomorphismInNttFormMatchesCoefficientForm) {
  Fixture f(10, 2, 1);
  const auto& ctx = *f.ctx;
  const std::size_t n = ctx.n();
  const auto v = small_poly(n, 100, 5);
  for (u64 g : {u64{5}, u64{25}, u64{2 * n - 1}, u64{3}}) {
    // a(X^g): coefficient i moves to i*g mod 2n, negated when it wraps past n.
    std::vector<std::int64_t> w(n, 0);
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t e = (i * g) % (2 * n);
      if (e < n) w[e] += v[i];
      else w[e - n] -= v[i];
    }
    RnsPoly a = from_signed(ctx, v, ctx.q_basis(Level{1}));
    to_ntt(ctx, a);
    RnsPoly out(n, a.basis(), true);
    automorphism_ntt(ctx, a, GaloisElement{g}, out);
    RnsPoly expect = from_signed(ctx, w, ctx.q_basis(Level{1}));
    to_ntt(ctx, expect);
    EXPECT_EQ(out, expect) << "g = " << g;
  }
  EXPECT_THROW(ctx.automorphism_permutation(GaloisElement{4}), InvalidArgument);
}

TEST(Sampler, DistributionsHaveTheRightShape) {
  RandomSource rng;
  const std::size_t n = 1 << 14;
  const auto t = sample_ternary(n, rng);
  std::size_t zeros = 0;
  for (auto x : t) {
    ASSERT_TRUE(x >= -1 && x <= 1);
    zeros += x == 0;
  }
  EXPECT_NEAR(static_cast<double>(zeros) / n, 1.0 / 3, 0.03);
  const auto s = sample_sparse_ternary(n, 192, rng);
  EXPECT_EQ(std::count_if(s.begin(), s.end(), [](auto x) { return x != 0; }), 192);
  const auto e = sample_gaussian(n, 3.2, rng);
  double var = 0;
  for (auto x : e) {
    ASSERT_LE(std::abs(x), 20);
    var += static_cast<double>(x * x);
  }
  EXPECT_NEAR(std::sqrt(var / n), 3.2, 0.15);
  EXPECT_THROW(sample_sparse_ternary(8, 9, rng), InvalidArgument);
}

TEST(Sampler, BulkUniformExpansionEqualsTheSequentialDraws) {
  Seed seed{};
  seed[0] = 7;
  for (u64 q : {u64{3}, u64{5}, (u64{1} << 54) + 1, u64{0xffffffffffffffc5ull}}) {
    std::vector<u64> bulk(3000);
    expand_uniform(seed, q, bulk.data(), bulk.size());
    RandomSource rng(seed);
    for (std::size_t k = 0; k < bulk.size(); ++k) {
      const u64 v = rng.uniform(q);
      ASSERT_EQ(bulk[k], v) << "q " << q << " k " << k;
      ASSERT_LT(bulk[k], q);
    }
  }
}

TEST(Sampler, SeededExpansionIsDeterministicAndSystemRandomnessIsNot) {
  Fixture f(10, 2, 1);
  Seed seed{};
  seed[0] = 42;
  RandomSource a(seed), b(seed);
  EXPECT_EQ(sample_uniform(*f.ctx, f.ctx->q_basis(Level{1}), a),
            sample_uniform(*f.ctx, f.ctx->q_basis(Level{1}), b));
  RandomSource c, d;
  EXPECT_NE(c.next_u64(), d.next_u64());
  EXPECT_NE(random_seed(), random_seed());
}

}  // namespace
}  // namespace fhecnn::ring
