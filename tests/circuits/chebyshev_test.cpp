#include "circuits/chebyshev.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "common/error.hpp"

namespace fhecnn::circuits {
namespace {

double direct(const std::vector<double>& c, double t) {
  double s = 0.0;
  for (std::size_t k = 0; k < c.size(); ++k) s += c[k] * std::cos(k * std::acos(t));
  return s;
}

std::vector<double> random_coeffs(std::size_t n, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  std::vector<double> c(n);
  for (double& x : c) x = u(rng);
  return c;
}

TEST(Chebyshev, ClenshawMatchesCosineDefinition) {
  std::mt19937_64 rng(1);
  for (std::size_t n : {1, 2, 3, 16, 60}) {
    const auto c = random_coeffs(n, rng);
    for (double t : {-1.0, -0.7, 0.0, 0.3, 0.999, 1.0}) {
      EXPECT_NEAR(chebyshev_eval(c, t), direct(c, t), 1e-12) << "n=" << n << " t=" << t;
      EXPECT_NEAR(chebyshev_eval(c, std::complex<double>(t, 0.0)).real(), direct(c, t), 1e-12);
    }
  }
}

TEST(Chebyshev, DivisionReconstructsThePolynomial) {
  std::mt19937_64 rng(2);
  for (std::size_t n : {5, 8, 16, 28, 60}) {
    const auto c = random_coeffs(n, rng);
    for (int g : {1, 2, 4, 8, 16, 32}) {
      const ChebyshevDivision d = divide_by_chebyshev(c, g);
      EXPECT_LE(d.remainder.size(), static_cast<std::size_t>(g));
      for (double t : {-0.9, -0.2, 0.4, 0.95}) {
        const double tg = std::cos(g * std::acos(t));
        const double back = chebyshev_eval(d.quotient, t) * tg + chebyshev_eval(d.remainder, t);
        EXPECT_NEAR(back, chebyshev_eval(c, t), 1e-11) << "n=" << n << " g=" << g;
      }
    }
  }
}

TEST(Chebyshev, DivisionKeepsOddParity) {
  const std::vector<double> c = {0, 0.5, 0, -0.25, 0, 0.125, 0, 0.0625};
  const ChebyshevDivision d = divide_by_chebyshev(c, 4);
  for (std::size_t k = 0; k < d.quotient.size(); k += 2) EXPECT_EQ(d.quotient[k], 0.0);
  for (std::size_t k = 0; k < d.remainder.size(); k += 2) EXPECT_EQ(d.remainder[k], 0.0);
}

TEST(Chebyshev, ParityAndDegreeChecks) {
  ChebyshevPoly p{{0.0, 1.0, 0.0, 2.0, 0.0}, Parity::Odd};
  EXPECT_EQ(p.degree(), 3);
  EXPECT_NO_THROW(check_poly(p, "test"));
  p.coeffs[2] = 1e-30;
  EXPECT_THROW(check_poly(p, "test"), InvalidArgument);
  ChebyshevPoly e{{1.0, 0.5}, Parity::Even};
  EXPECT_THROW(check_poly(e, "test"), InvalidArgument);
  ChebyshevPoly nan{{1.0, NAN}, Parity::None};
  EXPECT_THROW(check_poly(nan, "test"), InvalidArgument);
  EXPECT_EQ(parse_parity("odd"), Parity::Odd);
  EXPECT_THROW(parse_parity("oddish"), InvalidArgument);
}

}  // namespace
}  // namespace fhecnn::circuits
