#include "circuits/lintrans.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>
#include <string>

#include "circuits/slots.hpp"
#include "circuits_test_util.hpp"
#include "common/error.hpp"

namespace fhecnn::circuits {
namespace {

using testing::realistic_backend;
using Dense = std::vector<std::vector<Complex>>;

using testing::expect_error;

std::vector<Complex> random_vector(std::size_t n, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  std::vector<Complex> v(n);
  for (auto& z : v) z = Complex(u(rng), u(rng));
  return v;
}

DiagonalMatrix random_matrix(std::size_t period, DiagonalForm form, const std::vector<int>& offsets,
                             std::mt19937_64& rng) {
  DiagonalMatrix::Diagonals d;
  for (int k : offsets) d[k] = random_vector(period, rng);
  return DiagonalMatrix(period, form, std::move(d));
}

std::vector<Complex> dense_apply(const Dense& m, const std::vector<Complex>& x) {
  std::vector<Complex> y(m.size(), Complex(0.0, 0.0));
  for (std::size_t i = 0; i < m.size(); ++i) {
    for (std::size_t j = 0; j < m.size(); ++j) y[i] += m[i][j] * x[j];
  }
  return y;
}

Dense dense_multiply(const Dense& a, const Dense& b) {
  const std::size_t n = a.size();
  Dense c(n, std::vector<Complex>(n, Complex(0.0, 0.0)));
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t k = 0; k < n; ++k) {
      for (std::size_t j = 0; j < n; ++j) c[i][j] += a[i][k] * b[k][j];
    }
  }
  return c;
}

double max_diff(const std::vector<Complex>& a, const std::vector<Complex>& b) {
  EXPECT_EQ(a.size(), b.size());
  double m = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) m = std::max(m, std::abs(a[i] - b[i]));
  return m;
}

double max_diff(const Dense& a, const Dense& b) {
  double m = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) m = std::max(m, max_diff(a[i], b[i]));
  return m;
}

std::vector<Complex> run(SlotBackend& b, const LinearTransform& t, const std::vector<Complex>& x,
                         Level level = Level{10}) {
  return b.decrypt(linear_transform(b, b.encrypt(x, level, Scale::from_log2(46)), t));
}

// SlotBackend that records every rotation and hoisted call.
class RecordingBackend {
 public:
  using Value = SlotBackend::Value;
  explicit RecordingBackend(std::size_t slots) : b_(realistic_backend(slots)) {}

  Value add(const Value& x, const Value& y) { return b_.add(x, y); }
  Value sub(const Value& x, const Value& y) { return b_.sub(x, y); }
  Value add_const(const Value& x, Complex c) { return b_.add_const(x, c); }
  Value mul_const(const Value& x, Complex c, Scale s) { return b_.mul_const(x, c, s); }
  Value mul_plain(const Value& x, const std::vector<Complex>& v, Scale s) { return b_.mul_plain(x, v, s); }
  Value mul(const Value& x, const Value& y) { return b_.mul(x, y); }
  Value rescale(const Value& x) { return b_.rescale(x); }
  Value drop_to_level(const Value& x, Level l) { return b_.drop_to_level(x, l); }
  Value rotate(const Value& x, RotationStep k) {
    steps.insert(k.value);
    return b_.rotate(x, k);
  }
  std::vector<Value> rotate_hoisted(const Value& x, const std::vector<RotationStep>& ks) {
    hoisted_sizes.push_back(ks.size());
    std::vector<Value> out;
    for (RotationStep k : ks) out.push_back(rotate(x, k));
    return out;
  }
  Value conjugate(const Value& x) { return b_.conjugate(x); }
  Level level(const Value& x) const { return b_.level(x); }
  Scale scale(const Value& x) const { return b_.scale(x); }
  double prime(Level l) const { return b_.prime(l); }

  SlotBackend& inner() { return b_; }
  std::set<int> steps;
  std::vector<std::size_t> hoisted_sizes;

 private:
  SlotBackend b_;
};
static_assert(HoistingBackend<RecordingBackend>);

TEST(DiagonalMatrix, RandomSignedDiagonalsMatchTheDenseProduct) {
  std::mt19937_64 rng(1);
  const std::size_t p = 32;
  const std::vector<int> offsets = {-31, -17, -5, -1, 0, 2, 3, 16, 31};
  const DiagonalMatrix m = random_matrix(p, DiagonalForm::block, offsets, rng);
  const Dense dense = m.to_dense();
  // No wrap-around: entry (j, j + k) exists only inside the block.
  EXPECT_EQ(dense[0][31], m.diagonals().at(31)[0]);
  EXPECT_EQ(m.diagonals().at(31)[1], Complex(0.0, 0.0));
  EXPECT_EQ(m.diagonals().at(-31)[30], Complex(0.0, 0.0));
  EXPECT_EQ(DiagonalMatrix::from_dense(dense, DiagonalForm::block).offsets(), offsets);

  SlotBackend b = realistic_backend(p);
  const LinearTransform t(m, p);
  const auto x = random_vector(p, rng);
  const auto expected = dense_apply(dense, x);
  EXPECT_LT(max_diff(run(b, t, x), expected), 1e-12);
  EXPECT_LT(max_diff(apply_clear(m, x), expected), 1e-12);
  EXPECT_EQ(b.counts().mul_plain, 9);
  EXPECT_EQ(b.counts().rotate, t.rotations());
}

TEST(DiagonalMatrix, CyclicFormMatchesTheDenseProductOnPeriodicInputs) {
  std::mt19937_64 rng(2);
  const std::size_t p = 16;
  const DiagonalMatrix m = random_matrix(p, DiagonalForm::cyclic, {0, 1, 5, 8, 15}, rng);
  const Dense dense = m.to_dense();
  EXPECT_EQ(dense[15][4], m.diagonals().at(5)[15]);  // wraps: (15 + 5) mod 16
  const auto x = random_vector(p, rng);
  const auto expected = dense_apply(dense, x);
  for (std::size_t slots : {p, 4 * p}) {
    SlotBackend b = realistic_backend(slots);
    const auto y = run(b, LinearTransform(m, slots), tile(x, slots));
    EXPECT_LT(max_diff(y, tile(expected, slots)), 1e-12) << slots << " slots";
  }
  // The block form of the same matrix has more diagonals and gives the same product.
  const DiagonalMatrix block = DiagonalMatrix::from_dense(dense, DiagonalForm::block);
  EXPECT_EQ(block.count(), 9u);
  EXPECT_EQ(to_cyclic(block).offsets(), m.offsets());
  EXPECT_LT(max_diff(to_cyclic(block).to_dense(), dense), 1e-15);
}

TEST(DiagonalMatrix, BlockFormActsOnEachBlockOfALongerVector) {
  std::mt19937_64 rng(3);
  const std::size_t p = 16, slots = 4 * p;
  const DiagonalMatrix m = random_matrix(p, DiagonalForm::block, {-15, -4, 0, 1, 7, 15}, rng);
  const Dense dense = m.to_dense();
  const auto x = random_vector(slots, rng);  // not periodic
  std::vector<Complex> expected;
  for (std::size_t blk = 0; blk < 4; ++blk) {
    const std::vector<Complex> part(x.begin() + static_cast<long>(blk * p),
                                    x.begin() + static_cast<long>((blk + 1) * p));
    const auto y = dense_apply(dense, part);
    expected.insert(expected.end(), y.begin(), y.end());
  }
  SlotBackend b = realistic_backend(slots);
  EXPECT_LT(max_diff(run(b, LinearTransform(m, slots), x), expected), 1e-12);
  EXPECT_LT(max_diff(apply_clear(m, x), expected), 1e-12);
}

// (min(n1, M) - 1) + (ceil(M / n1) - 1) minimised over n1: a band of M offsets 0..M-1.
int band_rotations(int m) {
  int best = m;
  for (int n1 = 1; n1 <= m; ++n1) best = std::min(best, std::min(n1, m) - 1 + (m + n1 - 1) / n1 - 1);
  return best;
}

TEST(LinearTransform, BsgsUsesTheFewestRotationsForABand) {
  std::mt19937_64 rng(4);
  const std::size_t p = 128;
  for (int m : {1, 2, 7, 15, 31, 63, 64}) {
    std::vector<int> offsets(static_cast<std::size_t>(m));
    for (int k = 0; k < m; ++k) offsets[static_cast<std::size_t>(k)] = k;
    const DiagonalMatrix mat = random_matrix(p, DiagonalForm::cyclic, offsets, rng);
    const LinearTransform t(mat, p);
    EXPECT_EQ(t.rotations(), band_rotations(m)) << m;
    EXPECT_EQ(t.split().rotations(), t.rotations()) << m;
    EXPECT_EQ(t.diagonals(), static_cast<std::size_t>(m));
    SlotBackend b = realistic_backend(p);
    const auto x = random_vector(p, rng);
    EXPECT_LT(max_diff(run(b, t, x), apply_clear(mat, x)), 1e-12);
    EXPECT_EQ(b.counts().rotate, t.rotations()) << m;
    EXPECT_EQ(b.counts().mul_plain, m);
    EXPECT_EQ(b.counts().rescale, 1);
  }
  // A signed band of stride 4 (a merged butterfly group): 31 diagonals, 10 rotations.
  std::vector<int> band;
  for (int t = -15; t <= 15; ++t) band.push_back(4 * t);
  const BsgsSplit s = choose_bsgs(band);
  EXPECT_EQ(s.unit, 4);
  EXPECT_EQ(s.rotations(), 10);
}

// Brute force over every baby count up to twice the range and every window (Horner giant cost:
// max giant + |min giant|).
int brute_force_rotations(const std::vector<int>& u) {
  const int lo = *std::min_element(u.begin(), u.end()), hi = *std::max_element(u.begin(), u.end());
  int best = 1 << 20;
  for (int n1 = 1; n1 <= 2 * (std::max(hi - lo, std::max(std::abs(lo), std::abs(hi))) + 1); ++n1) {
    for (int w = 0; w > -n1; --w) {
      std::set<int> babies;
      int g_lo = 0, g_hi = 0;  // giant sums are accumulated by two Horner chains from 0
      for (int k : u) {
        const int g = static_cast<int>(std::floor(static_cast<double>(k - w) / n1));
        g_lo = std::min(g_lo, g);
        g_hi = std::max(g_hi, g);
        if (k - g * n1 != 0) babies.insert(k - g * n1);
      }
      best = std::min(best, static_cast<int>(babies.size()) + g_hi - g_lo);
    }
  }
  return best;
}

TEST(LinearTransform, ChooseBsgsIsOptimalOnSmallSparseSets) {
  std::mt19937_64 rng(5);
  std::uniform_int_distribution<int> offset(-20, 20);
  for (int trial = 0; trial < 40; ++trial) {
    std::set<int> set;
    const int size = 1 + trial % 12;
    while (static_cast<int>(set.size()) < size) set.insert(offset(rng));
    const std::vector<int> u(set.begin(), set.end());
    std::vector<int> scaled;
    for (int k : u) scaled.push_back(3 * k);  // the unit must be found
    const BsgsSplit s = choose_bsgs(scaled);
    EXPECT_EQ(s.rotations(), brute_force_rotations(u)) << "trial " << trial;
  }
}

TEST(LinearTransform, ConsumesOneLevelAndKeepsTheScaleExactly) {
  std::mt19937_64 rng(6);
  const std::size_t p = 16;
  const DiagonalMatrix m = random_matrix(p, DiagonalForm::block, {-3, 0, 5}, rng);
  const Complex factor(0.3, -0.7);
  const LinearTransform t(m, p, factor);
  SlotBackend b = realistic_backend(p);
  const auto x = random_vector(p, rng);
  for (Scale s : {Scale::from_log2(46), Scale{1.2345 * std::exp2(40.0)}}) {
    const auto in = b.encrypt(x, Level{7}, s);
    const auto out = linear_transform(b, in, t);
    EXPECT_EQ(b.level(out), Level{6});
    EXPECT_NEAR(b.scale(out).value / s.value, 1.0, 1e-15);
    auto expected = apply_clear(m, x);
    for (auto& z : expected) z *= factor;
    EXPECT_LT(max_diff(b.decrypt(out), expected), 1e-12);
  }
  EXPECT_EQ(b.scale(linear_transform(b, b.encrypt(x, Level{3}, Scale::from_log2(46)), t)),
            Scale::from_log2(46));  // exact for a power-of-two scale
  expect_error([&] { linear_transform(b, b.encrypt(x, Level{0}, Scale::from_log2(30)), t); },
               "cannot apply linear transform: the input is at level 0");
}

TEST(LinearTransform, BabyRotationsAreHoistedAndEveryStepIsListed) {
  std::mt19937_64 rng(7);
  const std::size_t p = 64;
  std::vector<int> offsets;
  for (int t = -7; t <= 7; ++t) offsets.push_back(2 * t);
  const DiagonalMatrix m = random_matrix(p, DiagonalForm::block, offsets, rng);
  const LinearTransform t(m, p);
  RecordingBackend b(p);
  const auto x = random_vector(p, rng);
  const auto y = linear_transform(b, b.inner().encrypt(x, Level{5}, Scale::from_log2(46)), t);
  EXPECT_LT(max_diff(b.inner().decrypt(y), apply_clear(m, x)), 1e-12);
  ASSERT_EQ(b.hoisted_sizes.size(), 1u);
  EXPECT_EQ(static_cast<int>(b.hoisted_sizes[0]), t.baby_rotations());
  std::set<int> listed;
  for (RotationStep s : rotation_steps(t)) {
    EXPECT_GE(s.value, 1);
    EXPECT_LT(s.value, static_cast<int>(p));
    listed.insert(s.value);
  }
  EXPECT_EQ(listed, b.steps);
  EXPECT_EQ(rotation_steps(m, p), rotation_steps(t));
  EXPECT_EQ(static_cast<int>(listed.size()), t.rotations());
}

TEST(DiagonalMatrix, ProductsAndRowScalingMatchDenseAlgebra) {
  std::mt19937_64 rng(8);
  const std::size_t p = 16;
  const DiagonalMatrix a = random_matrix(p, DiagonalForm::block, {-2, 0, 2}, rng);
  const DiagonalMatrix c = random_matrix(p, DiagonalForm::block, {-8, -1, 1, 8}, rng);
  const DiagonalMatrix z = random_matrix(p, DiagonalForm::cyclic, {0, 3}, rng);
  EXPECT_LT(max_diff(multiply(a, c).to_dense(), dense_multiply(a.to_dense(), c.to_dense())), 1e-14);
  EXPECT_EQ(multiply(a, c).form(), DiagonalForm::block);
  EXPECT_LT(max_diff(multiply(z, c).to_dense(), dense_multiply(z.to_dense(), c.to_dense())), 1e-14);
  EXPECT_EQ(multiply(z, c).form(), DiagonalForm::cyclic);

  std::vector<Complex> rows(2 * p, Complex(1.0, 0.0));
  std::fill(rows.begin() + static_cast<long>(p), rows.end(), Complex(0.0, -1.0));
  const DiagonalMatrix s = scale_rows(c, rows);
  EXPECT_EQ(s.period(), 2 * p);
  EXPECT_EQ(s.offsets(), c.offsets());
  const auto x = random_vector(2 * p, rng);
  const auto y = apply_clear(s, x);
  const auto lo = dense_apply(c.to_dense(), {x.begin(), x.begin() + static_cast<long>(p)});
  const auto hi = dense_apply(c.to_dense(), {x.begin() + static_cast<long>(p), x.end()});
  for (std::size_t j = 0; j < p; ++j) {
    EXPECT_LT(std::abs(y[j] - lo[j]), 1e-14);
    EXPECT_LT(std::abs(y[p + j] - Complex(0.0, -1.0) * hi[j]), 1e-14);
  }
  expect_error([&] { scale_rows(z, rows); }, "cannot scale matrix rows: a cyclic matrix");
}

TEST(DiagonalMatrix, RejectsMalformedInput) {
  const std::vector<Complex> d8(8, Complex(1.0, 0.0));
  expect_error([&] { DiagonalMatrix(12, DiagonalForm::block, {{0, std::vector<Complex>(12)}}); },
               "cannot create diagonal matrix: period 12 is not a power of two");
  expect_error([&] { DiagonalMatrix(8, DiagonalForm::block, {{8, d8}}); },
               "block offset 8 is outside (-8, 8)");
  expect_error([&] { DiagonalMatrix(8, DiagonalForm::cyclic, {{-1, d8}}); },
               "cyclic offset -1 is outside [0, 8)");
  expect_error([&] { DiagonalMatrix(8, DiagonalForm::block, {{0, std::vector<Complex>(4)}}); },
               "diagonal 0 has 4 entries, not 8");
  expect_error([&] { DiagonalMatrix(8, DiagonalForm::block, {}); }, "no diagonal given");
  const DiagonalMatrix m(8, DiagonalForm::block, {{0, d8}});
  expect_error([&] { LinearTransform(m, 12); },
               "cannot compile linear transform: 12 slots are not a multiple of the matrix period 8");
  expect_error([&] { LinearTransform(m, 8, Complex(0.0, 0.0)); }, "the factor is zero");
  expect_error([&] { choose_bsgs({}); }, "no offsets");
}

}  // namespace
}  // namespace fhecnn::circuits
