// Real polynomials in the Chebyshev basis of a variable t in [-1, 1], evaluated in the clear.
// These are the coefficient containers shared by the Remez generator (minimax.hpp), the plan
// (poly_plan.hpp) and the homomorphic evaluator (poly_eval.hpp).
#pragma once

#include <complex>
#include <span>
#include <string>
#include <vector>

namespace fhecnn::circuits {

// Symmetry of a polynomial: Odd means only T_1, T_3, ... appear; Even only T_0, T_2, ....
enum class Parity { None, Odd, Even };

std::string to_string(Parity parity);
// Parses "none", "odd" or "even"; throws InvalidArgument otherwise.
Parity parse_parity(const std::string& text);

// p(t) = sum_k coeffs[k] * T_k(t). With Odd/Even parity the coefficients of the other parity
// must be exactly zero (check_parity verifies this).
struct ChebyshevPoly {
  std::vector<double> coeffs;
  Parity parity = Parity::None;

  // Index of the last nonzero coefficient (0 for the zero polynomial).
  int degree() const;
};

// Throws InvalidArgument "cannot <what>: ..." when the polynomial is empty, not finite, or has a
// nonzero coefficient of the wrong parity.
void check_poly(const ChebyshevPoly& p, const std::string& what);

// Clenshaw evaluation of sum_k c[k] T_k(t). Stable for |t| <= 1; grows like T_k outside.
double chebyshev_eval(std::span<const double> c, double t);
std::complex<double> chebyshev_eval(std::span<const double> c, std::complex<double> t);
inline double evaluate(const ChebyshevPoly& p, double t) { return chebyshev_eval(p.coeffs, t); }

// Division by a Chebyshev polynomial: c = quotient * T_g + remainder, deg(remainder) < g.
// Uses T_n = 2 T_g T_{n-g} - T_{|n-2g|}. If deg c < g the quotient is {0}.
// Throws InvalidArgument when g < 1.
struct ChebyshevDivision {
  std::vector<double> quotient;   // size max(1, c.size() - g)
  std::vector<double> remainder;  // size min(c.size(), g)
};
ChebyshevDivision divide_by_chebyshev(std::span<const double> c, int g);

}  // namespace fhecnn::circuits
