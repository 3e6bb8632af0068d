// Internal to minimax.cpp: the Remez exchange, generic over the arithmetic (double or MPFR).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <utility>
#include <vector>

#include "circuits/minimax.hpp"
#include "common/error.hpp"

namespace fhecnn::circuits::detail {

// The same spelling for double and MPFR numbers (found by argument-dependent lookup).
using std::abs;
using std::asin;
using std::cos;
using std::sin;
using std::sqrt;

template <class Real>
class RemezSolver {
 public:
  RemezSolver(const RemezSpec& spec, const RemezOptions& opt, Real pi)
      : spec_(spec), opt_(opt), pi_(std::move(pi)), scale_(spec.basis_scale) {
    for (int k = 0; k <= spec.degree; ++k) {
      if (spec.parity == Parity::Odd && k % 2 == 0) continue;
      if (spec.parity == Parity::Even && k % 2 == 1) continue;
      basis_.push_back(k);
    }
    n_ref_ = basis_.size() + 1;
    std::sort(spec_.domain.begin(), spec_.domain.end(),
              [](const Interval& a, const Interval& b) { return a.lo < b.lo; });
    // An odd error vanishes at 0, which must not become a reference point: start just above.
    if (spec_.parity == Parity::Odd && spec_.domain.front().lo == 0.0) {
      spec_.domain.front().lo = spec_.domain.front().hi * 1e-6;
    }
    const double per =
        24.0 * static_cast<double>(n_ref_) / static_cast<double>(spec_.domain.size());
    scan_points_ = opt.scan_points > 0 ? opt.scan_points : std::max(16, static_cast<int>(per));
    refine_iters_ =
        opt.refine_iterations > 0 ? opt.refine_iterations : (opt.precision_bits <= 53 ? 40 : 60);
    golden_ = (sqrt(Real(5)) - Real(1)) / Real(2);
  }

  RemezResult run() {
    std::vector<Real> ref = initial_reference();
    for (int it = 1; it <= opt_.max_iterations; ++it) {
      solve(ref);
      const std::vector<Extremum> cand = scan(ref);
      Real max_err(0);
      for (const Extremum& c : cand) max_err = std::max(max_err, Real(abs(c.e)));
      const Real gap = max_err - abs(levelled_);
      if (max_err == Real(0) || gap <= Real(opt_.tolerance) * max_err) {
        return result(ref, max_err, it);
      }
      ref = select(cand, it);
    }
    fail("run Remez", "no convergence in ", opt_.max_iterations, " iterations (degree ",
         spec_.degree, ", ", spec_.domain.size(), " intervals, target ", spec_.target.describe(),
         ")");
  }

 private:
  struct Extremum {
    Real x;
    Real e;
  };

  Real target(const Real& x) const {
    switch (spec_.target.kind) {
      case TargetFunction::Kind::Sign:
        return x > Real(0) ? Real(1) : (x < Real(0) ? Real(-1) : Real(0));
      case TargetFunction::Kind::Cos2Pi:
        return cos(Real(2) * pi_ * (x - Real(spec_.target.shift)) / Real(spec_.target.period));
      case TargetFunction::Kind::Sin2Pi:
        return sin(Real(2) * pi_ * (x - Real(spec_.target.shift)) / Real(spec_.target.period));
      case TargetFunction::Kind::ArcsinOver2Pi:
        return asin(x) / (Real(2) * pi_);
    }
    return Real(0);
  }

  // Clenshaw on the full coefficient vector in t = x / basis_scale.
  Real poly(const Real& x) const {
    const Real t2 = Real(2) * x / scale_;
    Real b1(0), b2(0);
    for (std::size_t k = coeffs_.size() - 1; k >= 1; --k) {
      Real b0 = coeffs_[k] + t2 * b1 - b2;
      b2 = std::move(b1);
      b1 = std::move(b0);
    }
    return coeffs_[0] + x / scale_ * b1 - b2;
  }

  Real error(const Real& x) const { return target(x) - poly(x); }

  // Solves sum_j a_j T_{k_j}(x_i / s) + (-1)^i E = f(x_i) by Gaussian elimination.
  void solve(const std::vector<Real>& ref) {
    const std::size_t n = n_ref_;
    std::vector<std::vector<Real>> a(n, std::vector<Real>(n + 1));
    for (std::size_t i = 0; i < n; ++i) {
      const std::vector<Real> t = chebyshev_values(ref[i] / scale_);
      for (std::size_t j = 0; j + 1 < n; ++j) a[i][j] = t[static_cast<std::size_t>(basis_[j])];
      a[i][n - 1] = Real(i % 2 == 0 ? 1 : -1);
      a[i][n] = target(ref[i]);
    }
    const std::vector<Real> sol = gauss(std::move(a));
    coeffs_.assign(static_cast<std::size_t>(spec_.degree) + 1, Real(0));
    for (std::size_t j = 0; j + 1 < n; ++j) coeffs_[static_cast<std::size_t>(basis_[j])] = sol[j];
    levelled_ = sol[n - 1];
  }

  std::vector<Real> chebyshev_values(const Real& t) const {
    std::vector<Real> v(static_cast<std::size_t>(spec_.degree) + 1);
    v[0] = Real(1);
    if (v.size() > 1) v[1] = t;
    for (std::size_t k = 2; k < v.size(); ++k) v[k] = Real(2) * t * v[k - 1] - v[k - 2];
    return v;
  }

  static std::vector<Real> gauss(std::vector<std::vector<Real>> a) {
    const std::size_t n = a.size();
    for (std::size_t c = 0; c < n; ++c) {
      std::size_t p = c;
      for (std::size_t r = c + 1; r < n; ++r) {
        if (abs(a[r][c]) > abs(a[p][c])) p = r;
      }
      require(a[p][c] != Real(0), "run Remez", "singular system (repeated reference points)");
      std::swap(a[p], a[c]);
      for (std::size_t r = c + 1; r < n; ++r) {
        const Real f = a[r][c] / a[c][c];
        for (std::size_t k = c; k <= n; ++k) a[r][k] -= f * a[c][k];
      }
    }
    std::vector<Real> x(n);
    for (std::size_t c = n; c-- > 0;) {
      Real s = a[c][n];
      for (std::size_t k = c + 1; k < n; ++k) s -= a[c][k] * x[k];
      x[c] = s / a[c][c];
    }
    return x;
  }

  // One extremum per sign segment of the error, interval by interval, in ascending x.
  std::vector<Extremum> scan(const std::vector<Real>& ref) const {
    std::vector<Extremum> out;
    for (const Interval& iv : spec_.domain) {
      std::vector<Real> xs = grid(iv);
      for (const Real& r : ref) {
        if (r > Real(iv.lo) && r < Real(iv.hi)) xs.push_back(r);
      }
      std::sort(xs.begin(), xs.end());
      std::vector<Real> es(xs.size());
      for (std::size_t i = 0; i < xs.size(); ++i) es[i] = error(xs[i]);
      scan_segments(xs, es, out);
    }
    return out;
  }

  // Chebyshev-spaced points, plus geometric ones when 0 < lo << hi (the sign's error
  // oscillates on the scale of lo near lo).
  std::vector<Real> grid(const Interval& iv) const {
    const Real lo(iv.lo), hi(iv.hi);
    const int n = scan_points_;
    std::vector<Real> xs;
    for (int i = 0; i < n; ++i) {
      const Real c = cos(pi_ * Real(i) / Real(n - 1));
      xs.push_back(i == 0 ? lo : (i == n - 1 ? hi : (lo + hi) / 2 - (hi - lo) / 2 * c));
    }
    if (iv.lo > 0.0 && iv.hi > 8.0 * iv.lo) {
      const double ratio = std::pow(iv.hi / iv.lo, 1.0 / n);
      for (int i = 1; i < n; ++i) xs.push_back(lo * Real(std::pow(ratio, i)));
    }
    return xs;
  }

  void scan_segments(const std::vector<Real>& xs, const std::vector<Real>& es,
                     std::vector<Extremum>& out) const {
    std::size_t i = 0;
    while (i < xs.size()) {
      if (es[i] == Real(0)) {
        ++i;
        continue;
      }
      const bool positive = es[i] > Real(0);
      std::size_t best = i, j = i;
      while (j < xs.size() && es[j] != Real(0) && (es[j] > Real(0)) == positive) {
        if (abs(es[j]) > abs(es[best])) best = j;
        ++j;
      }
      if (best == 0 || best + 1 == xs.size()) {
        out.push_back({xs[best], es[best]});  // an interval end: no refinement
      } else {
        out.push_back(refine(xs[best - 1], xs[best + 1], xs[best], es[best]));
      }
      i = j;
    }
  }

  // Golden-section search for the maximum of sign(e0) * e on [lo, hi].
  Extremum refine(Real lo, Real hi, const Real& x0, const Real& e0) const {
    const Real s = e0 > Real(0) ? Real(1) : Real(-1);
    Extremum best{x0, e0};
    Real c = hi - golden_ * (hi - lo), d = lo + golden_ * (hi - lo);
    Real fc = s * error(c), fd = s * error(d);
    for (int k = 0; k < refine_iters_; ++k) {
      if (fc > fd) {
        hi = d, d = c, fd = fc;
        c = hi - golden_ * (hi - lo);
        fc = s * error(c);
      } else {
        lo = c, c = d, fc = fd;
        d = lo + golden_ * (hi - lo);
        fd = s * error(d);
      }
    }
    if (fc > s * best.e) best = {c, s * fc};
    if (fd > s * best.e) best = {d, s * fd};
    return best;
  }

  // n_ref alternating extrema containing the global maximum (see file comment of minimax.hpp).
  std::vector<Real> select(std::vector<Extremum> cand, int iteration) const {
    merge_same_sign(cand);
    const Real level = abs(levelled_) * Real(1 - 1e-12);  // reference segments reach |E|
    while (cand.size() > n_ref_) {
      std::size_t worst = cand.size();
      for (std::size_t i = 0; i < cand.size(); ++i) {
        if (abs(cand[i].e) < level &&
            (worst == cand.size() || abs(cand[i].e) < abs(cand[worst].e))) {
          worst = i;
        }
      }
      const bool interior = worst > 0 && worst + 1 < cand.size();
      if (worst == cand.size() || (interior && cand.size() < n_ref_ + 2)) break;
      cand.erase(cand.begin() + static_cast<std::ptrdiff_t>(worst));
      if (interior) merge_same_sign(cand);
    }
    while (cand.size() > n_ref_) {
      if (abs(cand.front().e) < abs(cand.back().e))
        cand.erase(cand.begin());
      else
        cand.pop_back();
    }
    require(cand.size() == n_ref_, "run Remez", "only ", cand.size(), " alternating extrema for ",
            n_ref_, " reference points at iteration ", iteration);
    std::vector<Real> ref;
    for (const Extremum& c : cand) ref.push_back(c.x);
    return ref;
  }

  static void merge_same_sign(std::vector<Extremum>& cand) {
    std::vector<Extremum> out;
    for (Extremum& c : cand) {
      if (!out.empty() && (out.back().e > Real(0)) == (c.e > Real(0))) {
        if (abs(c.e) > abs(out.back().e)) out.back() = std::move(c);
      } else {
        out.push_back(std::move(c));
      }
    }
    cand = std::move(out);
  }

  // Points spread over the intervals by the Chebyshev measure of the cells around them.
  std::vector<Real> initial_reference() const {
    const std::vector<std::size_t> counts = apportion(cell_weights(), n_ref_);
    std::vector<Real> ref;
    for (std::size_t j = 0; j < spec_.domain.size(); ++j) {
      const Real lo(spec_.domain[j].lo), hi(spec_.domain[j].hi);
      const std::size_t k = counts[j];
      for (std::size_t i = 0; i < k; ++i) {
        if (k == 1) {
          ref.push_back((lo + hi) / 2);
        } else {
          const Real c = cos(pi_ * Real(static_cast<double>(i)) / Real(static_cast<double>(k - 1)));
          ref.push_back((lo + hi) / 2 - (hi - lo) / 2 * c);
        }
      }
    }
    return ref;
  }

  std::vector<double> cell_weights() const {
    const std::vector<Interval>& d = spec_.domain;
    const double s = spec_.basis_scale;
    std::vector<double> w;
    for (std::size_t j = 0; j < d.size(); ++j) {
      const double left =
          j == 0 ? (spec_.parity == Parity::None ? -s : 0.0) : (d[j - 1].hi + d[j].lo) / 2;
      const double right = j + 1 == d.size() ? s : (d[j].hi + d[j + 1].lo) / 2;
      const double tl = std::clamp(left / s, -1.0, 1.0), tr = std::clamp(right / s, -1.0, 1.0);
      w.push_back(std::max(1e-300, std::acos(tl) - std::acos(tr)));
    }
    return w;
  }

  // Largest-remainder apportionment of `total` points by weight.
  static std::vector<std::size_t> apportion(const std::vector<double>& w, std::size_t total) {
    double sum = 0.0;
    for (double x : w) sum += x;
    std::vector<std::size_t> n(w.size());
    std::vector<std::pair<double, std::size_t>> rest;
    std::size_t used = 0;
    for (std::size_t j = 0; j < w.size(); ++j) {
      const double share = w[j] / sum * static_cast<double>(total);
      n[j] = static_cast<std::size_t>(share);
      used += n[j];
      rest.emplace_back(share - static_cast<double>(n[j]), j);
    }
    std::sort(rest.begin(), rest.end(),
              [](const auto& a, const auto& b) { return a.first > b.first; });
    for (std::size_t i = 0; used < total; ++i, ++used) ++n[rest[i % rest.size()].second];
    return n;
  }

  RemezResult result(const std::vector<Real>& ref, const Real& max_err, int iterations) const {
    RemezResult r;
    r.poly.parity = spec_.parity;
    for (const Real& c : coeffs_) r.poly.coeffs.push_back(static_cast<double>(c));
    r.basis_scale = spec_.basis_scale;
    r.max_error = static_cast<double>(max_err);
    r.levelled_error = static_cast<double>(abs(levelled_));
    r.iterations = iterations;
    for (const Real& x : ref) r.reference.push_back(static_cast<double>(x));
    return r;
  }

  RemezSpec spec_;
  RemezOptions opt_;
  Real pi_;
  Real scale_;
  Real golden_;
  std::vector<int> basis_;
  std::size_t n_ref_ = 0;
  std::vector<Real> coeffs_;
  Real levelled_;
  int scan_points_ = 16;
  int refine_iters_ = 40;
};

}  // namespace fhecnn::circuits::detail
