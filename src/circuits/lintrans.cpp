#include "circuits/lintrans.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>
#include <tuple>

namespace fhecnn::circuits {

namespace {

bool is_power_of_two(std::size_t n) { return n != 0 && (n & (n - 1)) == 0; }

long floor_div(long a, long b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0); }

long floor_mod(long a, long b) { return a - b * floor_div(a, b); }

bool all_zero(const std::vector<Complex>& v, double tolerance = 0.0) {
  return std::all_of(v.begin(), v.end(), [&](Complex z) { return std::abs(z) <= tolerance; });
}

// rot(v, s)[j] = v[(j + s) mod size].
std::vector<Complex> rotated(const std::vector<Complex>& v, long s) {
  const long n = static_cast<long>(v.size());
  std::vector<Complex> out(v.size());
  for (long j = 0; j < n; ++j) {
    out[static_cast<std::size_t>(j)] = v[static_cast<std::size_t>(floor_mod(j + s, n))];
  }
  return out;
}

void check_offset(int k, std::size_t period, DiagonalForm form) {
  const long p = static_cast<long>(period);
  if (form == DiagonalForm::block) {
    require(k > -p && k < p, "create diagonal matrix", "block offset ", k, " is outside (-", p,
            ", ", p, ")");
  } else {
    require(k >= 0 && k < p, "create diagonal matrix", "cyclic offset ", k, " is outside [0, ",
            p, ")");
  }
}

// Column index of entry j of diagonal k, or -1 when a block diagonal does not reach it.
long column(long j, long k, long p, DiagonalForm form) {
  if (form == DiagonalForm::cyclic) return (j + k) % p;
  return (j + k >= 0 && j + k < p) ? j + k : -1;
}

}  // namespace

DiagonalMatrix::DiagonalMatrix(std::size_t period, DiagonalForm form, Diagonals diagonals)
    : period_(period), form_(form), diagonals_(std::move(diagonals)) {
  require(is_power_of_two(period_), "create diagonal matrix", "period ", period_,
          " is not a power of two");
  require(!diagonals_.empty(), "create diagonal matrix", "no diagonal given");
  const long p = static_cast<long>(period_);
  for (auto& [k, d] : diagonals_) {
    check_offset(k, period_, form_);
    require(d.size() == period_, "create diagonal matrix", "diagonal ", k, " has ", d.size(),
            " entries, not ", period_);
    for (long j = 0; j < p; ++j) {
      if (column(j, k, p, form_) < 0) d[static_cast<std::size_t>(j)] = Complex(0.0, 0.0);
    }
  }
}

DiagonalMatrix DiagonalMatrix::from_dense(const std::vector<std::vector<Complex>>& m,
                                          DiagonalForm form, double zero_tolerance) {
  const std::size_t n = m.size();
  for (const auto& row : m) {
    require(row.size() == n, "convert dense matrix", "row of ", row.size(), " entries in a ", n,
            "-row matrix");
  }
  require(is_power_of_two(n), "convert dense matrix", "size ", n, " is not a power of two");
  const long p = static_cast<long>(n);
  Diagonals diagonals;
  const long lo = form == DiagonalForm::block ? -(p - 1) : 0;
  for (long k = lo; k < p; ++k) {
    std::vector<Complex> d(n, Complex(0.0, 0.0));
    for (long j = 0; j < p; ++j) {
      const long c = column(j, k, p, form);
      if (c >= 0) d[static_cast<std::size_t>(j)] = m[static_cast<std::size_t>(j)][static_cast<std::size_t>(c)];
    }
    if (!all_zero(d, zero_tolerance)) diagonals.emplace(static_cast<int>(k), std::move(d));
  }
  require(!diagonals.empty(), "convert dense matrix", "the matrix is zero");
  return DiagonalMatrix(n, form, std::move(diagonals));
}

std::vector<std::vector<Complex>> DiagonalMatrix::to_dense() const {
  const long p = static_cast<long>(period_);
  std::vector<std::vector<Complex>> m(period_, std::vector<Complex>(period_, Complex(0.0, 0.0)));
  for (const auto& [k, d] : diagonals_) {
    for (long j = 0; j < p; ++j) {
      const long c = column(j, k, p, form_);
      if (c >= 0) m[static_cast<std::size_t>(j)][static_cast<std::size_t>(c)] += d[static_cast<std::size_t>(j)];
    }
  }
  return m;
}

std::vector<int> DiagonalMatrix::offsets() const {
  std::vector<int> out;
  out.reserve(diagonals_.size());
  for (const auto& entry : diagonals_) out.push_back(entry.first);
  return out;
}

DiagonalMatrix to_cyclic(const DiagonalMatrix& m) {
  if (m.form() == DiagonalForm::cyclic) return m;
  const long p = static_cast<long>(m.period());
  DiagonalMatrix::Diagonals out;
  for (const auto& [k, d] : m.diagonals()) {
    auto& target = out[static_cast<int>(floor_mod(k, p))];
    if (target.empty()) target.assign(m.period(), Complex(0.0, 0.0));
    for (std::size_t j = 0; j < d.size(); ++j) target[j] += d[j];
  }
  return DiagonalMatrix(m.period(), DiagonalForm::cyclic, std::move(out));
}

DiagonalMatrix multiply(const DiagonalMatrix& a, const DiagonalMatrix& b) {
  require(a.period() == b.period(), "multiply diagonal matrices", "period mismatch (",
          a.period(), " vs ", b.period(), ")");
  if (a.form() != b.form()) return multiply(to_cyclic(a), to_cyclic(b));
  const DiagonalForm form = a.form();
  const long p = static_cast<long>(a.period());
  DiagonalMatrix::Diagonals out;
  for (const auto& [k1, da] : a.diagonals()) {
    for (const auto& [k2, db] : b.diagonals()) {
      const long k = form == DiagonalForm::block ? k1 + k2 : (k1 + k2) % p;
      if (k <= -p || k >= p) continue;  // block: no entry can reach it
      auto& target = out[static_cast<int>(k)];
      if (target.empty()) target.assign(a.period(), Complex(0.0, 0.0));
      for (long j = 0; j < p; ++j) {
        const long mid = column(j, k1, p, form);
        if (mid >= 0) target[static_cast<std::size_t>(j)] += da[static_cast<std::size_t>(j)] * db[static_cast<std::size_t>(mid)];
      }
    }
  }
  std::erase_if(out, [](const auto& entry) { return all_zero(entry.second); });
  require(!out.empty(), "multiply diagonal matrices", "the product is zero");
  return DiagonalMatrix(a.period(), form, std::move(out));
}

DiagonalMatrix scale_rows(const DiagonalMatrix& m, const std::vector<Complex>& row_scale) {
  const std::size_t p = m.period(), q = row_scale.size();
  require(q >= p && q % p == 0, "scale matrix rows", row_scale.size(),
          " row factors for a period-", p, " matrix (need a multiple of the period)");
  require(m.form() == DiagonalForm::block || q == p, "scale matrix rows",
          "a cyclic matrix cannot be extended to period ", q);
  DiagonalMatrix::Diagonals out;
  for (const auto& [k, d] : m.diagonals()) {
    std::vector<Complex> v(q);
    for (std::size_t j = 0; j < q; ++j) v[j] = d[j % p] * row_scale[j];
    if (!all_zero(v)) out.emplace(k, std::move(v));
  }
  require(!out.empty(), "scale matrix rows", "the result is zero");
  return DiagonalMatrix(q, m.form(), std::move(out));
}

DiagonalMatrix scale(const DiagonalMatrix& m, Complex c) {
  require(c != Complex(0.0, 0.0), "scale matrix", "the factor is zero");
  DiagonalMatrix::Diagonals out = m.diagonals();
  for (auto& entry : out) {
    for (Complex& z : entry.second) z *= c;
  }
  return DiagonalMatrix(m.period(), m.form(), std::move(out));
}

std::vector<Complex> apply_clear(const DiagonalMatrix& m, const std::vector<Complex>& x) {
  const std::size_t p = m.period(), l = x.size();
  require(l >= p && l % p == 0, "apply matrix", x.size(), " values for a period-", p,
          " matrix (need a multiple of the period)");
  std::vector<Complex> y(l, Complex(0.0, 0.0));
  for (const auto& [k, d] : m.diagonals()) {
    const long shift = floor_mod(k, static_cast<long>(l));
    for (std::size_t j = 0; j < l; ++j) y[j] += d[j % p] * x[(j + static_cast<std::size_t>(shift)) % l];
  }
  return y;
}

std::vector<Complex> tile(const std::vector<Complex>& v, std::size_t slots) {
  if (v.size() == slots) return v;
  require(!v.empty() && slots % v.size() == 0, "tile vector", v.size(), " values onto ", slots,
          " slots");
  std::vector<Complex> out(slots);
  for (std::size_t j = 0; j < slots; ++j) out[j] = v[j % v.size()];
  return out;
}

// ---------------------------------------------------------------------------------------------
// BSGS split

namespace {

struct Units {
  int unit = 1;
  std::vector<long> u;  // sorted offsets / unit
  bool contiguous = false;
  long range() const { return u.back() - u.front() + 1; }
};

Units to_units(std::vector<int> offsets) {
  std::sort(offsets.begin(), offsets.end());
  offsets.erase(std::unique(offsets.begin(), offsets.end()), offsets.end());
  Units out;
  int g = 0;
  for (int k : offsets) g = std::gcd(g, std::abs(k));
  out.unit = g == 0 ? 1 : g;
  for (int k : offsets) out.u.push_back(k / out.unit);
  out.contiguous = static_cast<long>(out.u.size()) == out.range();
  return out;
}

// Rotations of the split (n1, window start w) for the unit offsets.
BsgsSplit count_split(const Units& units, long n1, long w) {
  BsgsSplit s{units.unit, static_cast<int>(n1), static_cast<int>(w), 0, 0};
  const long lo = floor_div(units.u.front() - w, n1), hi = floor_div(units.u.back() - w, n1);
  // Horner chains: rotations up to the largest giant and down to the smallest.
  s.giant_rotations = static_cast<int>(std::max(hi, 0L) + std::max(-lo, 0L));
  if (units.contiguous && units.range() >= n1) {
    s.baby_rotations = static_cast<int>(n1 - 1);  // every residue occurs; 0 lies in the window
    return s;
  }
  std::set<long> babies;
  for (long u : units.u) {
    const long g = floor_div(u - w, n1);
    if (u - g * n1 != 0) babies.insert(u - g * n1);
  }
  s.baby_rotations = static_cast<int>(babies.size());
  return s;
}

std::vector<long> candidate_windows(const Units& units, long n1, bool exhaustive) {
  std::vector<long> w;
  if (exhaustive) {
    for (long s = 0; s > -n1; --s) w.push_back(s);
  } else {
    w = {0, -(n1 - 1), -(n1 / 2), -floor_mod(units.u.front(), n1)};
  }
  return w;
}

bool better(const BsgsSplit& a, const BsgsSplit& b) {
  return std::tuple(a.rotations(), a.giant_rotations, a.baby_count) <
         std::tuple(b.rotations(), b.giant_rotations, b.baby_count);
}

}  // namespace

BsgsSplit choose_bsgs(const std::vector<int>& offsets) {
  require(!offsets.empty(), "choose baby-step giant-step split", "no offsets");
  const Units units = to_units(offsets);
  // Horner giants count from 0, so baby counts up to the largest |offset| + 1 can pay off.
  const long range = std::max(units.range(), std::max(std::abs(units.u.front()), std::abs(units.u.back())) + 1);
  const long sqrt_bound = 4 * static_cast<long>(std::ceil(std::sqrt(static_cast<double>(range)))) + 8;
  const bool small = range <= 128;
  const long n1_max = small ? range : std::min(range, sqrt_bound);
  const bool exhaustive_windows = small || units.contiguous;
  BsgsSplit best = count_split(units, 1, 0);
  for (long n1 = 1; n1 <= n1_max; ++n1) {
    for (long w : candidate_windows(units, n1, exhaustive_windows)) {
      const BsgsSplit s = count_split(units, n1, w);
      if (better(s, best)) best = s;
    }
  }
  return best;
}

// ---------------------------------------------------------------------------------------------
// LinearTransform

LinearTransform::LinearTransform(const DiagonalMatrix& m, std::size_t slots, Complex factor)
    : slots_(slots), period_(m.period()), split_(choose_bsgs(m.offsets())) {
  require(slots_ >= period_ && slots_ % period_ == 0, "compile linear transform", slots_,
          " slots are not a multiple of the matrix period ", period_);
  require(factor != Complex(0.0, 0.0), "compile linear transform", "the factor is zero");
  const long l = static_cast<long>(slots_), n1 = split_.baby_count, h = split_.unit;
  std::map<long, std::size_t> baby_index;
  giant_unit_ = static_cast<int>(floor_mod(n1 * h, l));
  // Offsets congruent mod slots (k and k - period when slots == period) share one product.
  std::map<long, std::map<long, std::vector<Complex>>> by_giant;
  for (const auto& [k, d] : m.diagonals()) {
    const long g = floor_div(k / h - split_.window_start, n1);
    const long giant = g * n1 * h, baby = floor_mod(k - giant, l);
    const std::vector<Complex> v = rotated(d, -giant);
    baby_index.emplace(baby, 0);
    auto& sum = by_giant[g][baby];
    if (sum.empty()) sum.assign(period_, Complex(0.0, 0.0));
    for (std::size_t j = 0; j < period_; ++j) sum[j] += factor * v[j];
  }
  for (auto& [step, index] : baby_index) {
    index = babies_.size();
    babies_.push_back(static_cast<int>(step));
  }
  for (auto& [g, terms] : by_giant) {
    Giant giant{static_cast<int>(g), {}};
    for (auto& [baby, v] : terms) giant.terms.push_back(Term{baby_index.at(baby), std::move(v)});
    giants_.push_back(std::move(giant));
  }
}

std::size_t LinearTransform::diagonals() const {
  std::size_t n = 0;
  for (const auto& g : giants_) n += g.terms.size();
  return n;
}

int LinearTransform::baby_rotations() const {
  return static_cast<int>(std::count_if(babies_.begin(), babies_.end(), [](int s) { return s != 0; }));
}

int LinearTransform::giant_rotations() const {
  if (giants_.empty() || giant_unit_ == 0) return 0;
  return std::max(giants_.back().index, 0) + std::max(-giants_.front().index, 0);
}

std::vector<RotationStep> rotation_steps(const LinearTransform& t) {
  std::set<int> steps;
  for (int s : t.baby_steps()) {
    if (s != 0) steps.insert(s);
  }
  const bool wraps = t.giant_unit() == 0;
  if (!wraps && !t.giants().empty() && t.giants().back().index > 0) steps.insert(t.giant_unit());
  if (!wraps && !t.giants().empty() && t.giants().front().index < 0) {
    steps.insert(static_cast<int>(t.slots()) - t.giant_unit());
  }
  std::vector<RotationStep> out;
  for (int s : steps) out.push_back(RotationStep{s});
  return out;
}

std::vector<RotationStep> rotation_steps(const DiagonalMatrix& m, std::size_t slots) {
  return rotation_steps(LinearTransform(m, slots));
}

}  // namespace fhecnn::circuits
