#include "circuits/evalmod.hpp"

#include <cmath>
#include <numbers>

namespace fhecnn::circuits {

namespace {

void check_spec(const EvalModSpec& s) {
  const std::string what = "design EvalMod polynomial";
  require(s.K >= 1 && s.K <= 4096, what, "K = ", s.K, " outside [1, 4096]");
  require(s.double_angles >= 0 && s.double_angles <= 8, what, "double angles r = ", s.double_angles,
          " outside [0, 8]");
  require(s.log2_half_width <= -3 && s.log2_half_width >= -60, what, "log2 half width ",
          s.log2_half_width, " outside [-60, -3]");
  require(s.degree >= 1 && s.degree <= 4095, what, "degree ", s.degree, " outside [1, 4095]");
}

}  // namespace

std::vector<Interval> evalmod_domain(const EvalModSpec& spec) {
  const double w = std::ldexp(1.0, spec.log2_half_width);
  std::vector<Interval> d;
  for (int i = -(spec.K - 1); i <= spec.K - 1; ++i) d.push_back({i - w, i + w});
  return d;
}

EvalModPoly evalmod_poly(const EvalModSpec& spec, const RemezOptions& options) {
  check_spec(spec);
  RemezSpec rs;
  rs.domain = evalmod_domain(spec);
  rs.target = TargetFunction::cos_2pi(spec.shift, std::ldexp(1.0, spec.double_angles));
  rs.degree = spec.degree;
  rs.parity = Parity::None;
  rs.basis_scale = spec.K;
  RemezResult r = remez(rs, options);
  return EvalModPoly{spec, std::move(r.poly), r.max_error};
}

double evalmod_cleartext(const EvalModPoly& p, double x) {
  double y = evaluate(p.poly, x / p.spec.K);
  for (int i = 0; i < p.spec.double_angles; ++i) y = 2.0 * y * y - 1.0;
  return y;
}

double evalmod_error(const EvalModPoly& p, int points) {
  double worst = 0.0;
  for (const Interval& iv : evalmod_domain(p.spec)) {
    for (int j = 0; j < points; ++j) {
      const double x = iv.lo + (iv.hi - iv.lo) * j / (points - 1);
      const double want = std::cos(2.0 * std::numbers::pi * (x - p.spec.shift));
      worst = std::max(worst, std::abs(evalmod_cleartext(p, x) - want));
    }
  }
  return worst;
}

double arcsin_slope(int log2_half_width, const RemezOptions& options) {
  const double top = std::sin(2.0 * std::numbers::pi * std::ldexp(1.0, log2_half_width));
  const RemezSpec rs{{{0.0, top}}, TargetFunction::arcsin_over_2pi(), 1, Parity::Odd, top};
  const RemezResult r = remez(rs, options);
  return r.poly.coeffs.at(1) / top;  // c_1 T_1(y / top) = (c_1 / top) y
}

}  // namespace fhecnn::circuits
