// EvalMod targets for bootstrapping (PAPER.md §3.1, §3.4; Lee et al., "High-precision
// bootstrapping of RNS-CKKS homomorphic encryption using optimal minimax polynomial
// approximation and inverse sine function", EUROCRYPT 2021).
//
// After ModRaise the slot values (in units of q0, divided by K by CoeffToSlot) are
// t = (I + f) / K with an integer |I| < K and a small fraction |f| <= w. EvalMod evaluates a
// minimax polynomial p(t) of cos(2 pi (K t - shift) / 2^r) on the union of the intervals
// [i - w, i + w] / K, i = -(K-1)..K-1, then r double angles y <- 2 y^2 - 1, which turns it into
// cos(2 pi (x - shift)); with shift = 1/4 that is sin(2 pi x) ~ 2 pi f.
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include "circuits/backend.hpp"
#include "circuits/chebyshev.hpp"
#include "circuits/minimax.hpp"
#include "circuits/poly_eval.hpp"
#include "circuits/poly_plan.hpp"
#include "common/error.hpp"

namespace fhecnn::circuits {

struct EvalModSpec {
  int K = 25;                 // intervals around the integers -(K-1)..K-1; basis T_k(x / K)
  int log2_half_width = -10;  // w = 2^log2_half_width
  int double_angles = 2;      // r
  int degree = 59;
  double shift = 0.25;  // target cos(2 pi (x - shift) / 2^r)
};

struct EvalModPoly {
  EvalModSpec spec;
  ChebyshevPoly poly;      // in T_k(x / K): evaluate at t = x / K
  double max_error = 0.0;  // max |p - target| on the intervals (before the double angles)
};

// The intervals [i - w, i + w], i = -(K-1)..K-1, in x (not divided by K).
std::vector<Interval> evalmod_domain(const EvalModSpec& spec);

// Minimax polynomial by multi-interval Remez (full basis: the target has no parity).
// Throws InvalidArgument when K is outside [1, 4096], r outside [0, 8], log2 w outside
// [-60, -3], degree outside [1, 4095], or the Remez exchange fails.
EvalModPoly evalmod_poly(const EvalModSpec& spec, const RemezOptions& options = {});

// p(x / K) followed by the r double angles, in double: ~ cos(2 pi (x - shift)).
double evalmod_cleartext(const EvalModPoly& p, double x);

// max |evalmod_cleartext(x) - cos(2 pi (x - shift))| over `points` points per interval.
double evalmod_error(const EvalModPoly& p, int points = 65);

// Slope a1 of the degree-1 minimax approximation of arcsin(y) / (2 pi) on
// |y| <= sin(2 pi w): the factor EvalMod folds in instead of evaluating arcsin (PAPER.md §3.1).
double arcsin_slope(int log2_half_width, const RemezOptions& options = {});

// EvalMod on a backend: t = x / K in [-1, 1] -> cos(2 pi (x - shift)) at exactly scale `target`.
// Each double angle 2 y^2 - 1 costs one product and one level; scales are chosen backwards
// (s_i = sqrt(s_{i+1} q_{l_i})) so the last one lands on `target`.
// Cost: plan depth + r levels, plan mults + r non-scalar multiplications.
// Throws InvalidArgument when level(t) is too low or (on a simulator) |t| > 1.
template <Backend B>
typename B::Value eval_mod(B& b, const typename B::Value& t, const EvalModPoly& p, Scale target,
                           const PolyEvalOptions& opt = {}) {
  const std::string what = "evaluate EvalMod";
  const int r = p.spec.double_angles;
  const int depth = chebyshev_depth(p.poly.degree());
  require(b.level(t).value >= depth + r, what, "needs ", depth + r, " levels but the input is at ",
          b.level(t));
  std::vector<Scale> scales(static_cast<std::size_t>(r) + 1);
  scales[static_cast<std::size_t>(r)] = target;
  for (int i = r - 1; i >= 0; --i) {  // y_i sits at level level(t) - depth - i
    const double q = b.prime(Level{b.level(t).value - depth - i});
    scales[static_cast<std::size_t>(i)] =
        Scale{std::sqrt(scales[static_cast<std::size_t>(i) + 1].value * q)};
  }
  typename B::Value y = evaluate_chebyshev(b, t, p.poly, scales[0], opt, what);
  for (int i = 0; i < r; ++i) {
    typename B::Value sq = b.mul(y, y);
    sq = b.add_const(b.add(sq, sq), Complex(-1.0, 0.0));
    y = b.rescale(sq);
  }
  return y;
}

}  // namespace fhecnn::circuits
