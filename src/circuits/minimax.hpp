// Multi-interval minimax approximation by the Remez exchange algorithm, in the Chebyshev basis,
// at high precision (MPFR through Boost.Multiprecision; 53 bits selects native doubles, fast
// enough for searches). Used for the composite sign (sign.hpp) and the EvalMod cosine
// (evalmod.hpp).
//
// The approximation space is span{T_k(x / basis_scale) : k <= degree, k of the given parity};
// with Odd/Even parity the domain lists only the non-negative half and the result holds on the
// mirror image too (the target must have the same parity; an odd problem starting at 0 is
// solved from 1e-6 * hi, where the error vanishes linearly anyway). The space is a Haar space on
// any union of intervals, so the best approximation equioscillates on degree-dependent many points;
// each iteration solves the levelled system on the current reference and exchanges it for the
// alternating local extrema of the error (one per sign segment, refined by golden section),
// keeping the global maximum.
#pragma once

#include <string>
#include <vector>

#include "circuits/chebyshev.hpp"

namespace fhecnn::circuits {

struct Interval {
  double lo = 0.0;
  double hi = 0.0;
};

// The functions we approximate, evaluated in the Remez arithmetic (pi at full precision).
struct TargetFunction {
  enum class Kind { Sign, Cos2Pi, Sin2Pi, ArcsinOver2Pi };
  Kind kind = Kind::Sign;
  double shift = 0.0;  // Cos2Pi / Sin2Pi: f(x) = cos|sin(2 pi (x - shift) / period)
  double period = 1.0;

  static TargetFunction sign() { return {Kind::Sign, 0.0, 1.0}; }
  static TargetFunction cos_2pi(double shift, double period) {
    return {Kind::Cos2Pi, shift, period};
  }
  static TargetFunction sin_2pi(double shift, double period) {
    return {Kind::Sin2Pi, shift, period};
  }
  // arcsin(x) / (2 pi), whose degree-1 minimax slope EvalMod folds in (PAPER.md §3.1).
  static TargetFunction arcsin_over_2pi() { return {Kind::ArcsinOver2Pi, 0.0, 1.0}; }

  double operator()(double x) const;  // in double precision, for checks
  std::string describe() const;       // e.g. "cos(2*pi*(x - 0.25)/4)"
};

struct RemezSpec {
  std::vector<Interval> domain;  // disjoint, each lo < hi, inside [-basis_scale, basis_scale]
  TargetFunction target;
  int degree = 1;
  Parity parity = Parity::None;
  double basis_scale = 1.0;  // the polynomial is in T_k(x / basis_scale)
};

struct RemezOptions {
  int precision_bits = 256;  // MPFR precision; 53 = native double (for fast searches)
  int max_iterations = 100;
  double tolerance = 1e-12;   // stop when (max|e| - |E|) <= tolerance * max|e|
  int scan_points = 0;        // grid points per interval; 0 = automatic
  int refine_iterations = 0;  // golden-section steps per extremum; 0 = automatic
};

struct RemezResult {
  ChebyshevPoly poly;  // in T_k(x / basis_scale), rounded to double
  double basis_scale = 1.0;
  double max_error = 0.0;       // max |f - p| over the domain (final scan, full precision)
  double levelled_error = 0.0;  // |E| of the last levelled system
  int iterations = 0;
  std::vector<double> reference;  // final equioscillation points
};

// Throws InvalidArgument "cannot run Remez: ..." for a malformed spec (empty/overlapping
// intervals, negative lo with Odd/Even parity, degree < 0, fewer candidate extrema than
// reference points) and when it does not converge within max_iterations.
RemezResult remez(const RemezSpec& spec, const RemezOptions& options = {});

}  // namespace fhecnn::circuits
