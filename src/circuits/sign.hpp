// Composite minimax approximation of sgn(x) and the approximate ReLU built on it
// (Lee, Lee, Kim, No, "Minimax approximation of sign function by composite polynomial for
// homomorphic comparison", IEEE TDSC; Lee et al., "Precise approximation of convolutional
// neural networks for homomorphically encrypted data"; PAPER.md §5).
//
// Stage 1 is the odd minimax polynomial of sgn on [-1, -eps] U [eps, 1]; it maps [eps, 1] onto
// [1 - tau_1, 1 + tau_1]. Stage i > 1 is the odd minimax polynomial of sgn on
// [-(1 + tau), -(1 - tau)] U [1 - tau, 1 + tau] with tau = tau_{i-1}, the previous stage's error.
// Each stage is stored in T_k(y / s_i), where s_i bounds |stage i's input| over all x in
// [-1, 1] (with a margin), so the evaluation chain keeps every intermediate value in [-1, 1].
// AppReLU(x) = x (1 + sgn~(x)) / 2; its error is even in x, so [0, 1] is scanned.
#pragma once

#include <vector>

#include "circuits/chebyshev.hpp"
#include "circuits/minimax.hpp"

namespace fhecnn::circuits {

struct SignStage {
  int degree = 0;
  double input_bound = 1.0;  // s_i: |input| <= s_i for every x in [-1, 1]; poly is in T_k(y / s_i)
  Interval domain;           // the positive half of the stage's sign domain, in y
  double error = 0.0;        // tau_i = max |p_i - 1| on domain
  ChebyshevPoly poly;        // odd, approximates sgn(y) on +-domain
};

struct CompositeSign {
  double eps = 0.0;
  std::vector<SignStage> stages;

  std::vector<int> degrees() const;
  // Odd polynomials in their own variable t in [-1, 1], composing to sgn~(x) / 2: stage i's
  // coefficients divided by s_{i+1}, the last ones halved. Input of relu.hpp's app_relu.
  std::vector<ChebyshevPoly> relu_chain() const;
  double sign(double x) const;      // the composite sgn~(x), in double (Clenshaw)
  double app_relu(double x) const;  // x (1 + sgn~(x)) / 2
};

struct SignDesignOptions {
  RemezOptions remez;               // default: 256-bit MPFR
  double bound_margin = 1.02;       // s_i >= bound_margin * max |input of stage i| on [-1, 1]
  double bound_quantum = 1.0 / 16;  // s_i is rounded up to a multiple of this
  int grid_points = 1 << 17;        // uniform grid on [0, 1] for bounds and AppReLU errors
  // false: s_i is just the top of stage i's domain, with no grid scan (fast; values computed in
  // double are the same, but intermediate inputs may leave [-1, 1]). For searches only.
  bool tight_bounds = true;
};

// The chain for fixed degrees and eps. With 53-bit Remez options a stage that fails in double
// (ill-conditioned when its error is tiny) is redone at 160 bits. Cost: one Remez per stage plus
// a grid scan per bound. Throws InvalidArgument "cannot design composite sign: ..." when a
// degree is not odd in [1, 4095], eps is not in (0, 1), or a stage cannot separate the signs
// (its error tau >= 1: the degrees are too small for this eps).
CompositeSign composite_sign(const std::vector<int>& degrees, double eps,
                             const SignDesignOptions& options = {});

// max |AppReLU(x) - ReLU(x)| over grid_points + 1 uniform points of [0, 1] and grid_points / 16
// more on [0, 16 eps] (the transition), with the worst x. The error is even in x, so this is the
// error on [-1, 1].
struct ReluError {
  double max_error = 0.0;
  double at = 0.0;
};
ReluError app_relu_error(const CompositeSign& sign, int grid_points = 1 << 17);

// Cost of AppReLU with these stage degrees: levels and non-scalar multiplications, including
// the final product x * (1 + sgn~) / 2.
struct ReluCost {
  int depth = 0;
  int mults = 0;
};
ReluCost app_relu_cost(const std::vector<int>& degrees);

// Picks eps for fixed degrees so that the AppReLU error is at most 2^-alpha with the largest
// margin (53-bit Remez for the search: the smallest admissible eps, then golden section on
// log2 eps), then builds the chain with `options`. Throws InvalidArgument "cannot design
// AppReLU: ..." when no eps in [2^-(alpha+3), 2^-(alpha-5)] reaches 2^-alpha.
CompositeSign design_app_relu(int alpha, const std::vector<int>& degrees,
                              const SignDesignOptions& options = {});

struct ReluSearchOptions {
  int max_stages = 4;
  int max_degree = 31;
  bool min_mults_first = false;  // false: least depth, then fewest mults; true: the reverse
  int max_depth = 0;             // if > 0, only chains whose AppReLU depth is at most this
};

struct ReluDesign {
  std::vector<int> degrees;
  double eps = 0.0;
  ReluCost cost;
  double max_error = 0.0;  // with 53-bit Remez coefficients
};

// The cheapest chain whose AppReLU error is at most 2^-alpha on [-1, 1], among chains of at most
// max_stages odd degrees that are "efficient" (no larger degree with the same depth and cost).
// Cost: all chains in cost order until the first feasible cost class, 53-bit Remez each; about
// 5-15 s for alpha 8..15 and a minute for alpha 16 on one core.
// Throws InvalidArgument when alpha is outside [4, 24] or nothing qualifies.
ReluDesign search_app_relu(int alpha, const ReluSearchOptions& options = {});

}  // namespace fhecnn::circuits
