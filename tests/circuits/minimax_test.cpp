#include "circuits/minimax.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "circuits/evalmod.hpp"
#include "common/error.hpp"

namespace fhecnn::circuits {
namespace {

double error_at(const RemezSpec& spec, const RemezResult& r, double x) {
  return spec.target(x) - evaluate(r.poly, x / r.basis_scale);
}

// The defining property of the minimax polynomial: the error equioscillates on the reference
// (alternating signs, equal magnitude) and nowhere exceeds that magnitude. By de la Vallee
// Poussin the levelled error is then a lower bound of the best error, so r is optimal.
void expect_minimax(const RemezSpec& spec, const RemezResult& r, double rel_tol) {
  std::size_t basis = 0;
  for (int k = 0; k <= spec.degree; ++k) {
    basis += spec.parity == Parity::None || (k % 2 == 1) == (spec.parity == Parity::Odd);
  }
  ASSERT_EQ(r.reference.size(), basis + 1);
  for (std::size_t i = 0; i < r.reference.size(); ++i) {
    const double e = error_at(spec, r, r.reference[i]);
    EXPECT_NEAR(std::abs(e), r.max_error, rel_tol * r.max_error) << "point " << i;
    if (i > 0) EXPECT_LT(e * error_at(spec, r, r.reference[i - 1]), 0.0) << "point " << i;
  }
  double worst = 0.0;
  for (const Interval& iv : spec.domain) {
    for (int j = 0; j <= 4000; ++j) {
      const double x = iv.lo + (iv.hi - iv.lo) * j / 4000.0;
      worst = std::max(worst, std::abs(error_at(spec, r, x)));
    }
  }
  EXPECT_LE(worst, r.max_error * (1 + rel_tol));
  EXPECT_GE(worst, r.levelled_error * (1 - rel_tol));
}

TEST(Remez, SignOnOneIntervalEquioscillates) {
  const RemezSpec spec{{{std::ldexp(1.0, -9), 1.0}}, TargetFunction::sign(), 15, Parity::Odd, 1.0};
  const RemezResult r = remez(spec);
  EXPECT_NEAR(r.max_error, 0.952038, 1e-6);  // p1 of the paper's alpha = 13 chain: range 1.952
  expect_minimax(spec, r, 1e-9);
  for (std::size_t k = 0; k < r.poly.coeffs.size(); k += 2) EXPECT_EQ(r.poly.coeffs[k], 0.0);
}

TEST(Remez, DoubleAndMpfrAgreeOnAWellConditionedCase) {
  const RemezSpec spec{{{0.3, 1.7}}, TargetFunction::sign(), 15, Parity::Odd, 2.0};
  RemezOptions fast;
  fast.precision_bits = 53;
  fast.tolerance = 1e-10;
  const RemezResult a = remez(spec, fast), b = remez(spec);
  EXPECT_NEAR(a.max_error, b.max_error, 1e-9 * b.max_error);
  for (std::size_t k = 0; k < b.poly.coeffs.size(); ++k) {
    EXPECT_NEAR(a.poly.coeffs[k], b.poly.coeffs[k], 1e-8);
  }
}

TEST(Remez, CosineOnManySmallIntervals) {
  EvalModSpec em;
  em.K = 6;
  em.log2_half_width = -7;
  em.double_angles = 1;
  em.degree = 23;
  RemezSpec spec{evalmod_domain(em), TargetFunction::cos_2pi(0.25, 2.0), 23, Parity::None, 6.0};
  const RemezResult r = remez(spec);
  EXPECT_LT(r.max_error, 1e-5);
  expect_minimax(spec, r, 1e-7);
}

TEST(Remez, EvenParityAndArcsin) {
  const RemezSpec even{{{0.0, 1.0}}, TargetFunction::cos_2pi(0.0, 4.0), 8, Parity::Even, 1.0};
  const RemezResult r = remez(even);
  for (std::size_t k = 1; k < r.poly.coeffs.size(); k += 2) EXPECT_EQ(r.poly.coeffs[k], 0.0);
  expect_minimax(even, r, 1e-8);
  const double a1 = arcsin_slope(-10);
  EXPECT_GT(a1, 1.0 / (2.0 * M_PI));
  EXPECT_LT(a1, 1.0 / (2.0 * M_PI) * (1 + 1e-4));
}

TEST(Remez, RejectsMalformedSpecs) {
  RemezSpec s{{{0.5, 0.25}}, TargetFunction::sign(), 3, Parity::Odd, 1.0};
  EXPECT_THROW(remez(s), InvalidArgument);  // empty interval
  s.domain = {{0.1, 0.6}, {0.5, 0.9}};
  EXPECT_THROW(remez(s), InvalidArgument);  // overlap
  s.domain = {{-0.5, 0.9}};
  EXPECT_THROW(remez(s), InvalidArgument);  // odd parity needs x >= 0
  s.domain = {{0.5, 2.0}};
  EXPECT_THROW(remez(s), InvalidArgument);  // outside the basis range
}

}  // namespace
}  // namespace fhecnn::circuits
