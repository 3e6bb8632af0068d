#include "circuits/sign.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

#include "circuits/poly_plan.hpp"
#include "common/error.hpp"

namespace fhecnn::circuits {

namespace {

const char* const kWhat = "design composite sign";

double chain_value(const std::vector<SignStage>& stages, double x) {
  double y = x;
  for (const SignStage& s : stages) y = chebyshev_eval(s.poly.coeffs, y / s.input_bound);
  return y;
}

// Grid on [0, 1]: `n` uniform points plus n / 16 uniform points on [0, 16 eps] (the transition).
template <typename F>
void for_each_grid_point(int n, double eps, F&& f) {
  for (int i = 0; i <= n; ++i) f(static_cast<double>(i) / n);
  const int m = std::max(16, n / 16);
  const double w = std::min(1.0, 16.0 * eps);
  for (int i = 1; i < m; ++i) f(w * static_cast<double>(i) / m);
}

// s_i: a margin above max |stages(x)| over the grid, rounded up to the quantum.
double input_bound(const std::vector<SignStage>& stages, double eps, const SignDesignOptions& o) {
  double m = 0.0;
  for_each_grid_point(o.grid_points, eps,
                      [&](double x) { m = std::max(m, std::abs(chain_value(stages, x))); });
  require(std::isfinite(m), kWhat, "stage ", stages.size(), " output is not finite");
  return std::ceil(m * o.bound_margin / o.bound_quantum) * o.bound_quantum;
}

SignStage make_stage(int degree, Interval domain, double bound, const RemezOptions& ro) {
  const RemezSpec spec{{domain}, TargetFunction::sign(), degree, Parity::Odd, bound};
  RemezResult r;
  try {
    r = remez(spec, ro);
  } catch (const InvalidArgument&) {
    if (ro.precision_bits > 53) throw;
    RemezOptions precise = ro;
    precise.precision_bits = 160;
    r = remez(spec, precise);
  }
  return SignStage{degree, bound, domain, r.max_error, std::move(r.poly)};
}

void check_degrees(const std::vector<int>& degrees, double eps) {
  require(!degrees.empty(), kWhat, "no stage degrees");
  for (int d : degrees) {
    require(d >= 1 && d <= 4095 && d % 2 == 1, kWhat, "stage degree ", d,
            " must be odd in [1, 4095]");
  }
  require(eps > 0.0 && eps < 1.0, kWhat, "eps = ", eps, " outside (0, 1)");
}

// The chain; with tight_bounds = false each s_i is just the top of the stage's domain (enough
// for values in double: the minimax polynomial does not depend on the basis).
CompositeSign build(const std::vector<int>& degrees, double eps, const SignDesignOptions& o) {
  const bool tight_bounds = o.tight_bounds;
  check_degrees(degrees, eps);
  CompositeSign out;
  out.eps = eps;
  Interval domain{eps, 1.0};
  for (std::size_t i = 0; i < degrees.size(); ++i) {
    double bound = 1.0;
    if (i > 0) bound = tight_bounds ? input_bound(out.stages, eps, o) : domain.hi;
    out.stages.push_back(make_stage(degrees[i], domain, bound, o.remez));
    const double tau = out.stages.back().error;
    require(tau < 1.0, kWhat, "stage ", i + 1, " (degree ", degrees[i], ") has error ", tau,
            " >= 1 on [", domain.lo, ", ", domain.hi, "]: degrees too small for eps = ", eps);
    domain = Interval{1.0 - tau, 1.0 + tau};
  }
  return out;
}

}  // namespace

std::vector<int> CompositeSign::degrees() const {
  std::vector<int> d;
  for (const SignStage& s : stages) d.push_back(s.degree);
  return d;
}

std::vector<ChebyshevPoly> CompositeSign::relu_chain() const {
  std::vector<ChebyshevPoly> chain;
  for (std::size_t i = 0; i < stages.size(); ++i) {
    const double factor = i + 1 < stages.size() ? 1.0 / stages[i + 1].input_bound : 0.5;
    ChebyshevPoly p = stages[i].poly;
    for (double& c : p.coeffs) c *= factor;
    chain.push_back(std::move(p));
  }
  return chain;
}

double CompositeSign::sign(double x) const { return chain_value(stages, x); }

double CompositeSign::app_relu(double x) const { return x * (1.0 + sign(x)) / 2.0; }

CompositeSign composite_sign(const std::vector<int>& degrees, double eps,
                             const SignDesignOptions& options) {
  return build(degrees, eps, options);
}

ReluError app_relu_error(const CompositeSign& sign, int grid_points) {
  ReluError e;
  for_each_grid_point(grid_points, sign.eps, [&](double x) {
    const double err = std::abs(sign.app_relu(x) - x);
    if (!(err <= e.max_error)) e = ReluError{err, x};
  });
  return e;
}

ReluCost app_relu_cost(const std::vector<int>& degrees) {
  ReluCost c{1, 1};
  for (int d : degrees) {
    const PolyPlan plan = plan_chebyshev(d, Parity::Odd);
    c.depth += plan.depth;
    c.mults += plan.nonscalar_mults();
  }
  return c;
}

}  // namespace fhecnn::circuits
