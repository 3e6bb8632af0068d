// Choosing eps and the stage degrees of the composite sign for AppReLU (sign.hpp).
#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <tuple>

#include "circuits/poly_plan.hpp"
#include "circuits/sign.hpp"
#include "common/error.hpp"

namespace fhecnn::circuits {

namespace {

// Fast settings: 53-bit Remez to a loose tolerance, bounds = domain tops, a coarser grid.
SignDesignOptions fast_options() {
  SignDesignOptions o;
  o.remez.precision_bits = 53;
  o.remez.tolerance = 1e-4;
  o.tight_bounds = false;
  o.grid_points = 1 << 15;
  return o;
}

// AppReLU error of the chain at eps on a grid of about 17/16 grid_points points, +infinity when a
// stage fails to separate the signs. A coarse grid gives a lower bound of the fine one's error.
double relu_error_at(const std::vector<int>& degrees, double log2_eps,
                     int grid_points = fast_options().grid_points) {
  try {
    return app_relu_error(composite_sign(degrees, std::exp2(log2_eps), fast_options()), grid_points)
        .max_error;
  } catch (const InvalidArgument&) {
    return INFINITY;
  }
}

// Final-stage error tau_k at eps (1 when some stage fails), memoised by (prefix, eps).
class TauCache {
 public:
  double tau(const std::vector<int>& degrees, double log2_eps) {
    const auto key = std::make_pair(degrees, log2_eps);
    if (auto it = memo_.find(key); it != memo_.end()) return it->second;
    double t = 1.0;
    if (degrees.size() == 1) {
      t = stage_tau(degrees[0], Interval{std::exp2(log2_eps), 1.0});
    } else {
      const std::vector<int> prefix(degrees.begin(), degrees.end() - 1);
      const double prev = tau(prefix, log2_eps);
      if (prev < 1.0) t = stage_tau(degrees.back(), Interval{1.0 - prev, 1.0 + prev});
    }
    memo_[key] = t;
    return t;
  }

 private:
  // In double the Remez system only breaks down when the stage's error is far below 2^-24
  // (the odd basis on a narrow domain around 1 is ill-conditioned), so a failure counts as 0.
  static double stage_tau(int degree, Interval domain) {
    const RemezSpec spec{{domain}, TargetFunction::sign(), degree, Parity::Odd, domain.hi};
    try {
      return std::min(1.0, remez(spec, fast_options().remez).max_error);
    } catch (const InvalidArgument&) {
      return 0.0;
    }
  }

  std::map<std::pair<std::vector<int>, double>, double> memo_;
};

// Odd degrees d <= max_degree such that no larger odd degree has the same depth and at most the
// same number of non-scalar multiplications.
std::vector<int> efficient_odd_degrees(int max_degree) {
  std::vector<int> out;
  for (int d = 3; d <= max_degree; d += 2) {
    const PolyPlan p = plan_chebyshev(d, Parity::Odd);
    bool dominated = false;
    for (int e = d + 2; e <= max_degree && !dominated; e += 2) {
      const PolyPlan q = plan_chebyshev(e, Parity::Odd);
      dominated = q.depth == p.depth && q.nonscalar_mults() <= p.nonscalar_mults();
    }
    if (!dominated) out.push_back(d);
  }
  return out;
}

struct Chain {
  std::vector<int> degrees;
  ReluCost cost;
};

void enumerate(const std::vector<int>& degs, const ReluSearchOptions& o, int depth_cap,
               std::vector<int>& prefix, std::vector<Chain>& out) {
  if (!prefix.empty()) out.push_back(Chain{prefix, app_relu_cost(prefix)});
  if (static_cast<int>(prefix.size()) == o.max_stages) return;
  for (int d : degs) {
    prefix.push_back(d);
    if (app_relu_cost(prefix).depth <= depth_cap) enumerate(degs, o, depth_cap, prefix, out);
    prefix.pop_back();
  }
}

// Sort key: (depth, mults) or (mults, depth), then the degree sum.
std::tuple<int, int, int> order_key(const std::vector<int>& degrees, ReluCost cost,
                                    bool mults_first) {
  int sum = 0;
  for (int d : degrees) sum += d;
  return mults_first ? std::make_tuple(cost.mults, cost.depth, sum)
                     : std::make_tuple(cost.depth, cost.mults, sum);
}

// Smallest log2 eps in [lo, hi] (to 1/32) with tau_k <= target, if any.
std::optional<double> smallest_eps(TauCache& cache, const std::vector<int>& degrees, double lo,
                                   double hi, double target) {
  if (cache.tau(degrees, hi) > target) return std::nullopt;
  if (cache.tau(degrees, lo) <= target) return lo;
  while (hi - lo > 1.0 / 32) {
    const double mid = (lo + hi) / 2;
    (cache.tau(degrees, mid) <= target ? hi : lo) = mid;
  }
  return hi;
}

double golden_min(const std::vector<int>& degrees, double lo, double hi, double* best_value) {
  const double g = (std::sqrt(5.0) - 1) / 2;
  double c = hi - g * (hi - lo), d = lo + g * (hi - lo);
  double fc = relu_error_at(degrees, c), fd = relu_error_at(degrees, d);
  while (hi - lo > 1.0 / 64) {
    if (fc < fd) {
      hi = d, d = c, fd = fc;
      c = hi - g * (hi - lo);
      fc = relu_error_at(degrees, c);
    } else {
      lo = c, c = d, fc = fd;
      d = lo + g * (hi - lo);
      fd = relu_error_at(degrees, d);
    }
  }
  const double x = std::round((fc < fd ? c : d) * 64) / 64;  // log2 eps on a 1/64 grid
  *best_value = relu_error_at(degrees, x);
  return x;
}

// The chain with its best eps if its AppReLU error can reach 2^-alpha: first the smallest eps
// whose final-stage error allows it (cheap, no grid), then the transition error there (a coarse
// grid, then the full one), then eps balanced by golden section and checked on a fine grid
// with a 1% margin (finer grids find slightly larger errors).
std::optional<ReluDesign> try_chain(TauCache& cache, const Chain& c, int alpha) {
  const double bound = std::exp2(-alpha), lo = -alpha - 3.0, hi = -alpha + 5.0;
  const std::optional<double> eps = smallest_eps(cache, c.degrees, lo, hi, 2 * bound * 0.98);
  if (!eps || relu_error_at(c.degrees, *eps, 1 << 11) > bound) return std::nullopt;
  if (relu_error_at(c.degrees, *eps) > bound) return std::nullopt;
  double err = 0.0;
  const double log2_eps = golden_min(c.degrees, *eps - 1.0, std::min(*eps + 3.0, -0.5), &err);
  if (err > 0.99 * bound) return std::nullopt;
  err = relu_error_at(c.degrees, log2_eps, 1 << 18);
  if (err > 0.99 * bound) return std::nullopt;
  return ReluDesign{c.degrees, std::exp2(log2_eps), c.cost, err};
}

}  // namespace

CompositeSign design_app_relu(int alpha, const std::vector<int>& degrees,
                              const SignDesignOptions& options) {
  require(alpha >= 4 && alpha <= 24, "design AppReLU", "alpha = ", alpha, " outside [4, 24]");
  TauCache cache;
  const std::optional<ReluDesign> d =
      try_chain(cache, Chain{degrees, app_relu_cost(degrees)}, alpha);
  require(d.has_value(), "design AppReLU", "degrees cannot reach 2^-", alpha, " for any eps in [2^",
          -alpha - 3, ", 2^", -alpha + 5, "]");
  return composite_sign(degrees, d->eps, options);
}

ReluDesign search_app_relu(int alpha, const ReluSearchOptions& options) {
  const std::string what = "search AppReLU degrees";
  require(alpha >= 4 && alpha <= 24, what, "alpha = ", alpha, " outside [4, 24]");
  require(options.max_stages >= 1 && options.max_stages <= 6, what, "max_stages ",
          options.max_stages, " outside [1, 6]");
  const int cap = options.max_depth > 0 ? options.max_depth : 3 * alpha;
  std::vector<int> prefix;
  std::vector<Chain> chains;
  enumerate(efficient_odd_degrees(options.max_degree), options, cap, prefix, chains);
  std::sort(chains.begin(), chains.end(), [&](const Chain& a, const Chain& b) {
    return order_key(a.degrees, a.cost, options.min_mults_first) <
           order_key(b.degrees, b.cost, options.min_mults_first);
  });
  TauCache cache;
  std::optional<ReluDesign> best;
  for (const Chain& c : chains) {
    // Chains come sorted: stop after the cheapest feasible cost class.
    if (best && (c.cost.depth != best->cost.depth || c.cost.mults != best->cost.mults)) break;
    const std::optional<ReluDesign> d = try_chain(cache, c, alpha);
    if (d && (!best || d->max_error < best->max_error)) best = d;
  }
  require(best.has_value(), what, "no chain of at most ", options.max_stages, " stages reaches 2^-",
          alpha);
  return *best;
}

}  // namespace fhecnn::circuits
