// Homomorphic evaluation of Chebyshev-basis polynomials on any Backend (backend.hpp):
// baby-step giant-step along a depth-optimal plan (poly_plan.hpp), lazy rescaling and exact
// scale management (Bossuat et al., EUROCRYPT 2021; Lee et al., PAPER.md §5.3).
//
// Scale management: the caller asks for an output scale S. Each node receives its own target
// (level L, scale S) and builds its result at level L+1 with scale S * q_{L+1} before one final
// rescale: a leaf encodes each c_j at S * q_{L+1} / scale(T_j), so every term lands on exactly
// that scale and the sum is rescaled once; an internal node asks its quotient for
// S * q_{L+1} / scale(T_g) and adds the remainder before the same single rescale. Hence the
// output has exactly scale S (up to double rounding) whatever the primes are.
//
// Cost: plan_chebyshev(degree, parity).nonscalar_mults() relinearised products and
// chebyshev_depth(degree) levels; the output is at level level(x) - depth.
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "circuits/backend.hpp"
#include "circuits/chebyshev.hpp"
#include "circuits/poly_plan.hpp"
#include "common/error.hpp"

namespace fhecnn::circuits {

struct PolyEvalOptions {
  // On an InspectableBackend, reject inputs with max |x| > 1 + domain_tolerance: outside
  // [-1, 1] the Chebyshev basis (and composite polynomials above all) explode.
  bool check_domain = true;
  double domain_tolerance = 1e-6;
};

// The Chebyshev powers T_1 = x, T_j (j in powers) of one input, each at the highest level its
// recurrence allows (T_j at level(x) - ceil(log2 j)).
template <Backend B>
class ChebyshevPowers {
 public:
  using Value = typename B::Value;

  // powers: ascending, each j >= 2, closed under the recurrences (PolyPlan::powers).
  ChebyshevPowers(B& b, const Value& x, const std::vector<int>& powers) : b_(b) {
    t_.emplace(1, x);
    for (int j : powers) t_.emplace(j, make(j));
  }

  const Value& get(int j) const {
    const auto it = t_.find(j);
    require(it != t_.end(), "get Chebyshev power", "T_", j, " was not computed");
    return it->second;
  }

 private:
  static int highest_power_below(int j) {
    int p = 1;
    while (2 * p < j) p *= 2;
    return p;
  }

  // T_{2h} = 2 T_h^2 - 1, or T_j = 2 T_p T_{j-p} - T_{2p-j} with p the power of two below j;
  // the subtracted term is lifted to the product's scale by a constant 1 (no level).
  Value make(int j) {
    const int p = highest_power_below(j);
    const Value& a = get(p);
    const Value& c = get(j - p);
    const Level level = std::min(b_.level(a), b_.level(c));
    Value prod = b_.mul(b_.drop_to_level(a, level), b_.drop_to_level(c, level));
    prod = b_.add(prod, prod);
    if (2 * p == j) {
      prod = b_.add_const(prod, Complex(-1.0, 0.0));
    } else {
      const Value d = b_.drop_to_level(get(2 * p - j), level);
      const Scale lift{b_.scale(prod).value / b_.scale(d).value};
      prod = b_.sub(prod, b_.mul_const(d, Complex(1.0, 0.0), lift));
    }
    return b_.rescale(prod);
  }

  B& b_;
  std::map<int, Value> t_;
};

namespace detail {

template <Backend B>
class PlanEvaluator {
 public:
  using Value = typename B::Value;

  PlanEvaluator(B& b, const PolyPlan& plan, const ChebyshevPowers<B>& powers,
                std::span<const double> coeffs)
      : b_(b), plan_(plan), powers_(powers), coeffs_(split_coefficients(plan, coeffs)) {}

  // Node `index` evaluated at exactly (level, scale).
  Value eval(int index, Level level, Scale scale) {
    return b_.rescale(eval_unrescaled(index, level, scale));
  }

 private:
  // Node `index` at level + 1 with scale * q_{level+1}, ready for one rescale to (level, scale).
  Value eval_unrescaled(int index, Level level, Scale scale) {
    const PlanNode& node = plan_.nodes[static_cast<std::size_t>(index)];
    const Level up{level.value + 1};
    const Scale lifted{scale.value * b_.prime(up)};
    return node.leaf() ? leaf(index, up, lifted) : split(node, level, scale);
  }

  // sum_j c_j T_j + c_0 with each term encoded to land on `lifted` at level `up`.
  Value leaf(int index, Level up, Scale lifted) {
    const std::vector<double>& c = coeffs_[static_cast<std::size_t>(index)];
    std::optional<Value> acc;
    for (std::size_t j = 1; j < c.size(); ++j) {
      if (c[j] == 0.0) continue;
      if constexpr (FusedMulConstBackend<B>) {
        if (acc) {  // acc += c_j T_j reading T_j in place (no level-dropped copy, no temporary)
          const Value& tj = powers_.get(static_cast<int>(j));
          b_.mul_const_then_add(*acc, tj, Complex(c[j], 0.0), encode_scale(lifted, tj));
          continue;
        }
      }
      const Value t = b_.drop_to_level(powers_.get(static_cast<int>(j)), up);
      const Value term = b_.mul_const(t, Complex(c[j], 0.0), encode_scale(lifted, t));
      acc = acc ? b_.add(*acc, term) : term;
    }
    if (!acc) {  // zero polynomial: a zero value with the right level and scale
      const Value t = b_.drop_to_level(powers_.get(1), up);
      acc = b_.mul_const(t, Complex(0.0, 0.0), encode_scale(lifted, t));
    }
    if (c[0] != 0.0) acc = b_.add_const(*acc, Complex(c[0], 0.0));
    return *acc;
  }

  // q * T_g + r: q evaluated so that the product lands on scale * q_{level+1} at level + 1; r is
  // added before the single rescale.
  Value split(const PlanNode& node, Level level, Scale scale) {
    const Level up{level.value + 1};
    const Scale lifted{scale.value * b_.prime(up)};
    const Value tg = b_.drop_to_level(powers_.get(node.giant), up);
    const Value q = eval(node.quotient, up, encode_scale(lifted, tg));
    Value prod = b_.mul(q, tg);
    const PlanNode& r = plan_.nodes[static_cast<std::size_t>(node.remainder)];
    if (r.degree == 0) {
      const double c0 = coeffs_[static_cast<std::size_t>(node.remainder)][0];
      return c0 == 0.0 ? prod : b_.add_const(prod, Complex(c0, 0.0));
    }
    return b_.add(prod, eval_unrescaled(node.remainder, level, scale));
  }

  Scale encode_scale(Scale lifted, const Value& t) const {
    return Scale{lifted.value / b_.scale(t).value};
  }

  B& b_;
  const PolyPlan& plan_;
  const ChebyshevPowers<B>& powers_;
  std::vector<std::vector<double>> coeffs_;
};

// Rejects an input outside [-1, 1] on backends whose values are visible.
template <Backend B>
void check_domain(B& b, const typename B::Value& x, const PolyEvalOptions& opt,
                  const std::string& what) {
  if constexpr (InspectableBackend<B>) {
    if (!opt.check_domain) return;
    const double m = b.observe_input(x);
    require(m <= 1.0 + opt.domain_tolerance, what, "input max |x| = ", m,
            " leaves the domain [-1, 1] (tolerance ", opt.domain_tolerance,
            "); scale the input down first");
  }
}

}  // namespace detail

// p(x) = sum_k p.coeffs[k] T_k(x) at exactly scale `target`, level level(x) - depth.
// Preconditions: p passes check_poly with degree >= 1; level(x) >= chebyshev_depth(degree);
// on an InspectableBackend max |x| <= 1 + tolerance. `what` names the operation in errors.
// Throws InvalidArgument "cannot <what>: ..." otherwise (and whatever the backend throws).
template <Backend B>
typename B::Value evaluate_chebyshev(B& b, const typename B::Value& x, const ChebyshevPoly& p,
                                     Scale target, const PolyEvalOptions& opt = {},
                                     const std::string& what = "evaluate polynomial") {
  check_poly(p, what);
  const int degree = p.degree();
  require(degree >= 1, what, "constant polynomial (degree 0)");
  require(target.value > 0.0, what, "target scale ", target.value, " must be positive");
  const PolyPlan plan = plan_chebyshev(degree, p.parity);
  require(b.level(x).value >= plan.depth, what, "degree ", degree, " needs ", plan.depth,
          " levels but the input is at ", b.level(x));
  detail::check_domain(b, x, opt, what);
  const ChebyshevPowers<B> powers(b, x, plan.powers);
  const std::span<const double> c(p.coeffs.data(), static_cast<std::size_t>(degree) + 1);
  detail::PlanEvaluator<B> eval(b, plan, powers, c);
  return eval.eval(0, Level{b.level(x).value - plan.depth}, target);
}

// y = p_n(...p_2(p_1(x))): stage i's output is stage i+1's input (each in [-1, 1]). Every stage
// but the last lands on `intermediate`, the last on `target`. Cost: sum of the stages' costs.
template <Backend B>
typename B::Value evaluate_chain(B& b, const typename B::Value& x,
                                 std::span<const ChebyshevPoly> chain, Scale target,
                                 Scale intermediate, const PolyEvalOptions& opt = {},
                                 const std::string& what = "evaluate polynomial chain") {
  require(!chain.empty(), what, "empty chain");
  typename B::Value y = x;
  for (std::size_t i = 0; i < chain.size(); ++i) {
    const Scale s = i + 1 == chain.size() ? target : intermediate;
    y = evaluate_chebyshev(b, y, chain[i], s, opt,
                           str_cat(what, " (stage ", i + 1, "/", chain.size(), ")"));
  }
  return y;
}

}  // namespace fhecnn::circuits
