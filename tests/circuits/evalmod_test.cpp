#include "circuits/evalmod.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "circuits/coeff_file.hpp"
#include "circuits/slots.hpp"
#include "circuits_test_util.hpp"

namespace fhecnn::circuits {
namespace {

using testing::data_path;
using testing::realistic_backend;

TEST(EvalMod, StoredPaperPolynomialIsAccurate) {
  const MinimaxFile f = load_minimax(data_path("evalmod_k25_w10_r2_d59.txt"));
  const EvalModPoly p = evalmod_from_file(f);
  EXPECT_EQ(p.spec.K, 25);
  EXPECT_EQ(p.poly.degree(), 59);
  EXPECT_LT(p.max_error, std::exp2(-32.0));       // cos(2 pi (x - 1/4) / 4) on 49 intervals
  EXPECT_LT(evalmod_error(p), std::exp2(-28.0));  // sin(2 pi x) after 2 double angles
  EXPECT_EQ(plan_chebyshev(59, Parity::None).nonscalar_mults(), 16);
}

TEST(EvalMod, SlotBackendLevelsScaleAndValues) {
  const EvalModPoly p = evalmod_from_file(load_minimax(data_path("evalmod_k25_w10_r2_d59.txt")));
  std::mt19937_64 rng(9);
  std::uniform_int_distribution<int> integer(-24, 24);
  std::uniform_real_distribution<double> frac(-std::ldexp(1.0, -10), std::ldexp(1.0, -10));
  std::vector<double> xs(256);
  std::vector<Complex> t(256);
  for (std::size_t i = 0; i < xs.size(); ++i) {
    xs[i] = integer(rng) + frac(rng);
    t[i] = xs[i] / 25.0;
  }
  SlotBackend b = realistic_backend(256);
  const Scale delta = Scale::from_log2(46);
  const auto y = eval_mod(b, b.encrypt(t, Level{20}, delta), p, delta);
  EXPECT_EQ(b.level(y), Level{12});  // 6 levels for degree 59 + 2 double angles
  EXPECT_NEAR(b.scale(y).value / delta.value, 1.0, 1e-12);
  EXPECT_EQ(b.counts().mul, 16 + 2);
  const auto out = b.decrypt(y);
  for (std::size_t i = 0; i < xs.size(); ++i) {
    EXPECT_NEAR(out[i].real(), std::sin(2 * M_PI * xs[i]), 1e-8) << "x = " << xs[i];
  }
}

TEST(EvalMod, RegeneratedSmallCaseMatchesTheStoredFile) {
  const MinimaxFile f = load_minimax(data_path("evalmod_k4_w6_r1_d15.txt"));
  const EvalModPoly stored = evalmod_from_file(f);
  RemezOptions o;
  o.precision_bits = f.param_int("precision_bits");
  const EvalModPoly fresh = evalmod_poly(stored.spec, o);
  ASSERT_EQ(fresh.poly.coeffs.size(), stored.poly.coeffs.size());
  for (std::size_t k = 0; k < fresh.poly.coeffs.size(); ++k) {
    EXPECT_NEAR(fresh.poly.coeffs[k], stored.poly.coeffs[k], 1e-13) << "k = " << k;
  }
  EXPECT_NEAR(fresh.max_error, stored.max_error, 1e-6 * stored.max_error);
  EXPECT_NEAR(evalmod_error(fresh), f.param_double("max_error_after_double_angles"), 1e-12);
}

}  // namespace
}  // namespace fhecnn::circuits
