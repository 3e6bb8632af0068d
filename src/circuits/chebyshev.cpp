#include "circuits/chebyshev.hpp"

#include <cmath>

#include "common/error.hpp"

namespace fhecnn::circuits {

std::string to_string(Parity parity) {
  switch (parity) {
    case Parity::Odd:
      return "odd";
    case Parity::Even:
      return "even";
    case Parity::None:
      break;
  }
  return "none";
}

Parity parse_parity(const std::string& text) {
  if (text == "odd") return Parity::Odd;
  if (text == "even") return Parity::Even;
  if (text == "none") return Parity::None;
  fail("parse parity", "expected none, odd or even, got '", text, "'");
}

int ChebyshevPoly::degree() const {
  for (int k = static_cast<int>(coeffs.size()) - 1; k > 0; --k) {
    if (coeffs[static_cast<std::size_t>(k)] != 0.0) return k;
  }
  return 0;
}

void check_poly(const ChebyshevPoly& p, const std::string& what) {
  require(!p.coeffs.empty(), what, "the polynomial has no coefficients");
  for (std::size_t k = 0; k < p.coeffs.size(); ++k) {
    const double c = p.coeffs[k];
    require(std::isfinite(c), what, "coefficient c_", k, " = ", c, " is not finite");
    const bool odd_index = (k % 2) == 1;
    if (p.parity == Parity::Odd && !odd_index) {
      require(c == 0.0, what, "odd polynomial has nonzero coefficient c_", k, " = ", c);
    }
    if (p.parity == Parity::Even && odd_index) {
      require(c == 0.0, what, "even polynomial has nonzero coefficient c_", k, " = ", c);
    }
  }
}

namespace {

template <typename T>
T clenshaw(std::span<const double> c, T t) {
  if (c.empty()) return T(0);
  T b1(0), b2(0);
  for (std::size_t k = c.size() - 1; k >= 1; --k) {
    const T b0 = c[k] + 2.0 * t * b1 - b2;
    b2 = b1;
    b1 = b0;
  }
  return c[0] + t * b1 - b2;
}

}  // namespace

double chebyshev_eval(std::span<const double> c, double t) { return clenshaw<double>(c, t); }

std::complex<double> chebyshev_eval(std::span<const double> c, std::complex<double> t) {
  return clenshaw<std::complex<double>>(c, t);
}

ChebyshevDivision divide_by_chebyshev(std::span<const double> c, int g) {
  require(g >= 1, "divide by T_g", "g = ", g, " must be at least 1");
  const std::size_t gs = static_cast<std::size_t>(g);
  std::vector<double> a(c.begin(), c.end());
  ChebyshevDivision out;
  out.quotient.assign(a.size() > gs ? a.size() - gs : 1, 0.0);
  for (std::size_t n = a.size(); n-- > gs;) {
    const double an = a[n];
    if (an == 0.0) continue;
    if (n == gs) {
      out.quotient[0] += an;  // T_g = T_g * T_0
    } else {
      out.quotient[n - gs] += 2.0 * an;  // a_n T_n = 2 a_n T_g T_{n-g} - a_n T_{|n-2g|}
      const std::size_t m = n >= 2 * gs ? n - 2 * gs : 2 * gs - n;
      a[m] -= an;
    }
    a[n] = 0.0;
  }
  a.resize(std::min(a.size(), gs));
  out.remainder = std::move(a);
  return out;
}

}  // namespace fhecnn::circuits
