#include "circuits/poly_eval.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>

#include "circuits/slots.hpp"
#include "circuits_test_util.hpp"
#include "common/error.hpp"

namespace fhecnn::circuits {
namespace {

using testing::grid;
using testing::realistic_backend;

ChebyshevPoly random_poly(int degree, Parity parity, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  ChebyshevPoly p{std::vector<double>(static_cast<std::size_t>(degree) + 1, 0.0), parity};
  for (std::size_t k = 0; k < p.coeffs.size(); ++k) {
    const bool keep = parity == Parity::None || (k % 2 == 1) == (parity == Parity::Odd);
    if (keep) p.coeffs[k] = u(rng);
  }
  if (p.coeffs.back() == 0.0) p.coeffs.back() = 0.5;
  return p;
}

// Output level = input level - depth, scale = target (to double rounding), one relinearisation
// per planned multiplication, values = the cleartext Clenshaw sum.
// Constants are encoded at scales near target * q / scale(T_j): with scales far from the primes
// they get coarser, as in CKKS, hence the tolerance parameter.
void check_evaluation(int degree, Parity parity, Scale input_scale, Scale target,
                      std::mt19937_64& rng, double tolerance = 1e-10) {
  SlotBackend b = realistic_backend(65);
  const ChebyshevPoly p = random_poly(degree, parity, rng);
  std::vector<Complex> in = grid(-1.0, 1.0, 64);
  in.push_back(Complex(0.3, 1e-3));
  const auto x = b.encrypt(in, b.top_level(), input_scale);
  const auto y = evaluate_chebyshev(b, x, p, target);
  const PolyPlan plan = plan_chebyshev(degree, parity);
  const std::string where = plan.describe();
  EXPECT_EQ(b.level(y).value, b.top_level().value - chebyshev_depth(degree)) << where;
  EXPECT_NEAR(b.scale(y).value / target.value, 1.0, 1e-12) << where;
  EXPECT_EQ(b.counts().mul, plan.nonscalar_mults()) << where;
  const auto out = b.decrypt(y);
  for (std::size_t i = 0; i < in.size(); ++i) {
    const Complex want = chebyshev_eval(p.coeffs, in[i]);
    EXPECT_LT(std::abs(out[i] - want), tolerance) << where << " at x = " << in[i];
  }
}

TEST(PolyEval, RandomPolynomialsAllParities) {
  std::mt19937_64 rng(5);
  const Scale delta = Scale::from_log2(46);
  for (int d : {1, 2, 3, 5, 7, 8, 12, 15, 16, 27, 31, 32, 44, 59, 63}) {
    check_evaluation(d, Parity::None, delta, delta, rng);
    if (d % 2 == 1) check_evaluation(d, Parity::Odd, delta, delta, rng);
    if (d % 2 == 0) check_evaluation(d, Parity::Even, delta, delta, rng);
  }
}

TEST(PolyEval, LandsOnAnyRequestedScale) {
  std::mt19937_64 rng(6);
  check_evaluation(27, Parity::Odd, Scale{std::exp2(45.3)}, Scale{std::exp2(46.0)}, rng, 1e-8);
  check_evaluation(15, Parity::None, Scale{std::exp2(47.1)}, Scale{std::exp2(44.7)}, rng, 1e-8);
  check_evaluation(59, Parity::None, Scale::from_log2(46), Scale{1.2345e14}, rng, 1e-8);
}

TEST(PolyEval, RejectsTooLowALevel) {
  SlotBackend b = realistic_backend(4);
  const auto x = b.encrypt({0.5}, Level{3}, Scale::from_log2(46));
  std::mt19937_64 rng(7);
  try {
    evaluate_chebyshev(b, x, random_poly(27, Parity::Odd, rng), Scale::from_log2(46));
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("needs 5 levels but the input is at level 3"),
              std::string::npos)
        << e.what();
  }
}

TEST(PolyEval, RejectsInputsOutsideTheDomain) {
  SlotBackend b = realistic_backend(4);
  const auto x = b.encrypt({0.5, -1.01}, Level{10}, Scale::from_log2(46));
  std::mt19937_64 rng(8);
  const ChebyshevPoly p = random_poly(7, Parity::Odd, rng);
  try {
    evaluate_chebyshev(b, x, p, Scale::from_log2(46));
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("cannot evaluate polynomial: input max |x| = 1.01"),
              std::string::npos)
        << e.what();
  }
  EXPECT_DOUBLE_EQ(b.max_input_seen(), 1.01);
  PolyEvalOptions unchecked;
  unchecked.check_domain = false;
  EXPECT_NO_THROW(evaluate_chebyshev(b, x, p, Scale::from_log2(46), unchecked));
}

}  // namespace
}  // namespace fhecnn::circuits
