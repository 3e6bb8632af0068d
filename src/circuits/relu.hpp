// AppReLU(x) = x * (1 + sgn(x)) / 2 with sgn replaced by a composite minimax polynomial
// (Lee et al., PAPER.md §5), evaluated on any Backend.
//
// The chain is CompositeSign::relu_chain() (sign.hpp): odd Chebyshev polynomials whose
// composition approximates sgn(x)/2 with every intermediate value already inside [-1, 1]. The
// result is x * (chain(x) + 1/2): one plaintext addition and one more relinearised product.
//
// Cost: chain_depth(chain) + 1 levels and chain_nonscalar_mults(chain) + 1 non-scalar
// multiplications (alpha = 13, degrees (15, 15, 27): 14 levels, 8 + 8 + 10 + 1 = 27).
#pragma once

#include <span>
#include <string>

#include "circuits/backend.hpp"
#include "circuits/chebyshev.hpp"
#include "circuits/poly_eval.hpp"
#include "circuits/poly_plan.hpp"
#include "common/error.hpp"

namespace fhecnn::circuits {

// AppReLU(x) at exactly scale `target` and level level(x) - chain_depth(chain) - 1.
// Intermediate stages land on `target` too. Preconditions: level(x) >= chain_depth + 1; on an
// InspectableBackend max |x| <= 1 (+ tolerance) and every stage's input stays in [-1, 1].
// Throws InvalidArgument "cannot evaluate AppReLU ...: ..." otherwise.
template <Backend B>
typename B::Value app_relu(B& b, const typename B::Value& x, std::span<const ChebyshevPoly> chain,
                           Scale target, const PolyEvalOptions& opt = {}) {
  const std::string what = "evaluate AppReLU";
  require(!chain.empty(), what, "empty sign chain");
  const int depth = chain_depth(chain);
  require(b.level(x).value >= depth + 1, what, "needs ", depth + 1, " levels but the input is at ",
          b.level(x));
  // The product x * h at level l is rescaled by q_l: choose h's scale so the result is `target`.
  const Level l{b.level(x).value - depth};
  const Scale half_scale{target.value * b.prime(l) / b.scale(x).value};
  typename B::Value h = evaluate_chain(b, x, chain, half_scale, target, opt, what);
  h = b.add_const(h, Complex(0.5, 0.0));
  return b.rescale(b.mul(b.drop_to_level(x, l), h));
}

}  // namespace fhecnn::circuits
