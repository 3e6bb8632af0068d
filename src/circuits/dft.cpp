#include "circuits/dft.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <tuple>

namespace fhecnn::circuits {

namespace {

const char* direction_name(DftDirection d) {
  return d == DftDirection::coeff_to_slot ? "CoeffToSlot" : "SlotToCoeff";
}

int checked_log2(std::size_t n, const std::string& what) {
  require(n >= 2 && (n & (n - 1)) == 0, what, "slot count ", n, " is not a power of two >= 2");
  int m = 0;
  while ((std::size_t{1} << m) < n) ++m;
  return m;
}

void check_group_sizes(const std::vector<int>& sizes, int log_n, const std::string& what) {
  require(!sizes.empty(), what, "no factor (levels must be in [1, ", log_n, "])");
  int sum = 0;
  for (int d : sizes) {
    require(d >= 1, what, "a factor with ", d, " butterfly layers");
    sum += d;
  }
  require(sum == log_n, what, "group sizes sum to ", sum, ", not log2 n = ", log_n);
}

// The factor holding the stride-n/2 layer may use the cyclic form when its input is n-periodic.
bool cyclic_top(DftDirection direction, DftLayout layout, std::size_t factors) {
  if (layout == DftLayout::complex_slots) return true;
  return direction == DftDirection::coeff_to_slot && factors > 1;
}

std::size_t top_factor(DftDirection direction, std::size_t factors) {
  return direction == DftDirection::coeff_to_slot ? 0 : factors - 1;
}

// Lowest stride exponent of each factor, application order.
std::vector<int> lowest_strides(DftDirection direction, const std::vector<int>& sizes, int log_n) {
  std::vector<int> lo;
  int done = 0;
  for (int d : sizes) {
    lo.push_back(direction == DftDirection::slot_to_coeff ? done : log_n - done - d);
    done += d;
  }
  return lo;
}

// zeta_(8h)^(5^j mod 8h), j < h: the twiddles of the stride-h layer (as ckks::Encoder).
std::vector<Complex> twiddles(std::size_t h) {
  const std::uint64_t period = 8 * h;
  std::vector<Complex> w(h);
  std::uint64_t g = 1;
  for (std::size_t j = 0; j < h; ++j) {
    const long double angle = 2.0L * M_PIl * static_cast<long double>(g) / static_cast<long double>(period);
    w[j] = Complex(static_cast<double>(std::cos(angle)), static_cast<double>(std::sin(angle)));
    g = g * 5 % period;
  }
  return w;
}

DftPlan make_plan(std::size_t n, DftDirection direction, DftLayout layout,
                  const DftOptions& options) {
  const std::string what = std::string("plan ") + direction_name(direction);
  const int log_n = checked_log2(n, what);
  std::vector<int> sizes = options.group_sizes;
  if (sizes.empty()) {
    require(options.levels >= 1 && options.levels <= log_n, what, "levels ", options.levels,
            " outside [1, ", log_n, "]");
    sizes = choose_group_sizes(n, options.levels, direction, layout);
  }
  check_group_sizes(sizes, log_n, what);
  require(options.scalar != Complex(0.0, 0.0), what, "the scalar is zero");

  std::vector<DiagonalMatrix> f = dft_factors(n, direction, sizes);
  const std::size_t top = top_factor(direction, f.size()), last = f.size() - 1;
  if (cyclic_top(direction, layout, f.size())) f[top] = to_cyclic(f[top]);
  const bool packed = layout == DftLayout::real_packed;
  if (packed) {
    const Complex lower = direction == DftDirection::coeff_to_slot ? Complex(0.0, -1.0) : Complex(0.0, 1.0);
    std::vector<Complex> rows(2 * n, Complex(1.0, 0.0));
    std::fill(rows.begin() + static_cast<long>(n), rows.end(), lower);
    f[last] = scale_rows(f[last], rows);
  }
  const std::size_t scalar_at = direction == DftDirection::coeff_to_slot ? 0 : last;

  DftPlan plan{direction, layout, n, packed ? 2 * n : n, options.scalar, sizes, {}};
  for (std::size_t i = 0; i < f.size(); ++i) {
    plan.factors.emplace_back(f[i], plan.slots, i == scalar_at ? options.scalar : Complex(1.0, 0.0));
  }
  return plan;
}

void compositions(int total, int parts, std::vector<int>& prefix, std::vector<std::vector<int>>& out) {
  if (parts == 1) {
    prefix.push_back(total);
    out.push_back(prefix);
    prefix.pop_back();
    return;
  }
  for (int d = 1; d <= total - parts + 1; ++d) {
    prefix.push_back(d);
    compositions(total - d, parts - 1, prefix, out);
    prefix.pop_back();
  }
}

}  // namespace

int DftPlan::rotations() const {
  int r = layout == DftLayout::real_packed && direction == DftDirection::slot_to_coeff ? 1 : 0;
  for (const auto& f : factors) r += f.rotations();
  return r;
}

std::size_t DftPlan::diagonals() const {
  std::size_t d = 0;
  for (const auto& f : factors) d += f.diagonals();
  return d;
}

DftPlan make_coeff_to_slot(std::size_t n, DftLayout layout, const DftOptions& options) {
  return make_plan(n, DftDirection::coeff_to_slot, layout, options);
}

DftPlan make_slot_to_coeff(std::size_t n, DftLayout layout, const DftOptions& options) {
  return make_plan(n, DftDirection::slot_to_coeff, layout, options);
}

std::vector<RotationStep> rotation_steps(const DftPlan& plan) {
  std::vector<RotationStep> steps;
  for (const auto& f : plan.factors) {
    for (RotationStep s : rotation_steps(f)) steps.push_back(s);
  }
  if (plan.layout == DftLayout::real_packed && plan.direction == DftDirection::slot_to_coeff) {
    steps.push_back(RotationStep{static_cast<int>(plan.n)});
  }
  std::sort(steps.begin(), steps.end());
  steps.erase(std::unique(steps.begin(), steps.end()), steps.end());
  return steps;
}

DiagonalMatrix butterfly_layer(std::size_t n, int stride_log, DftDirection direction) {
  const int log_n = checked_log2(n, "build butterfly layer");
  require(stride_log >= 0 && stride_log < log_n, "build butterfly layer", "stride 2^", stride_log,
          " outside [1, ", n / 2, "]");
  const std::size_t h = std::size_t{1} << stride_log;
  const std::vector<Complex> w = twiddles(h);
  // Forward:  y_i = x_i + w x_{i+h},         y_{i+h} = x_i - w x_{i+h}.
  // Inverse:  y_i = (x_i + x_{i+h}) / 2,     y_{i+h} = (x_i - x_{i+h}) conj(w) / 2.
  const bool forward = direction == DftDirection::slot_to_coeff;
  const Complex zero(0.0, 0.0), half(0.5, 0.0), one(1.0, 0.0);
  std::vector<Complex> d0(n, zero), up(n, zero), down(n, zero);
  for (std::size_t start = 0; start < n; start += 2 * h) {
    for (std::size_t j = 0; j < h; ++j) {
      const std::size_t i = start + j;
      const Complex t = forward ? w[j] : std::conj(w[j]) * 0.5;
      d0[i] = forward ? one : half;
      up[i] = forward ? t : half;
      down[i + h] = forward ? one : t;
      d0[i + h] = -t;
    }
  }
  const int k = static_cast<int>(h);
  return DiagonalMatrix(n, DiagonalForm::block, {{-k, down}, {0, d0}, {k, up}});
}

std::vector<DiagonalMatrix> dft_factors(std::size_t n, DftDirection direction,
                                        const std::vector<int>& group_sizes) {
  const std::string what = std::string("build ") + direction_name(direction) + " factors";
  const int log_n = checked_log2(n, what);
  check_group_sizes(group_sizes, log_n, what);
  const std::vector<int> lo = lowest_strides(direction, group_sizes, log_n);
  std::vector<DiagonalMatrix> out;
  for (std::size_t g = 0; g < group_sizes.size(); ++g) {
    const int d = group_sizes[g];
    // Application order inside the group: strides ascending (forward), descending (inverse).
    auto layer = [&](int i) {
      const int e = direction == DftDirection::slot_to_coeff ? lo[g] + i : lo[g] + d - 1 - i;
      return butterfly_layer(n, e, direction);
    };
    DiagonalMatrix f = layer(0);
    for (int i = 1; i < d; ++i) f = multiply(layer(i), f);
    out.push_back(std::move(f));
  }
  return out;
}

std::vector<DftFactorCost> dft_costs(std::size_t n, DftDirection direction, DftLayout layout,
                                     const std::vector<int>& group_sizes) {
  const std::string what = std::string("cost ") + direction_name(direction);
  const int log_n = checked_log2(n, what);
  check_group_sizes(group_sizes, log_n, what);
  const std::vector<int> lo = lowest_strides(direction, group_sizes, log_n);
  const std::size_t top = top_factor(direction, group_sizes.size());
  const bool cyclic = cyclic_top(direction, layout, group_sizes.size());
  std::vector<DftFactorCost> out;
  for (std::size_t g = 0; g < group_sizes.size(); ++g) {
    DftFactorCost c;
    c.lowest_stride_log = lo[g];
    c.layers = group_sizes[g];
    c.form = cyclic && g == top ? DiagonalForm::cyclic : DiagonalForm::block;
    const int span = 1 << c.layers, unit = 1 << c.lowest_stride_log;
    std::vector<int> offsets;
    for (int t = c.form == DiagonalForm::cyclic ? 0 : -(span - 1); t < span; ++t) {
      offsets.push_back(t * unit);
    }
    c.diagonals = offsets.size();
    c.split = choose_bsgs(offsets);
    out.push_back(c);
  }
  return out;
}

std::vector<int> choose_group_sizes(std::size_t n, int levels, DftDirection direction,
                                    DftLayout layout) {
  const std::string what = std::string("choose ") + direction_name(direction) + " factors";
  const int log_n = checked_log2(n, what);
  require(levels >= 1 && levels <= log_n, what, "levels ", levels, " outside [1, ", log_n, "]");
  std::vector<std::vector<int>> all;
  std::vector<int> prefix;
  compositions(log_n, levels, prefix, all);
  auto key = [&](const std::vector<int>& sizes) {
    int rot = 0, giant = 0;
    std::size_t diag = 0;
    for (const auto& c : dft_costs(n, direction, layout, sizes)) {
      rot += c.split.rotations();
      giant += c.split.giant_rotations;
      diag += c.diagonals;
    }
    const auto [mn, mx] = std::minmax_element(sizes.begin(), sizes.end());
    return std::tuple(rot, giant, diag, *mx - *mn);
  };
  std::size_t best = 0;
  auto best_key = key(all[0]);
  for (std::size_t i = 1; i < all.size(); ++i) {
    const auto k = key(all[i]);
    if (k < best_key) best = i, best_key = k;
  }
  return all[best];
}

std::vector<Complex> bit_reversed(std::vector<Complex> v) {
  const std::size_t n = v.size();
  require(n >= 1 && (n & (n - 1)) == 0, "bit-reverse vector", "size ", n,
          " is not a power of two");
  for (std::size_t i = 1, j = 0; i < n; ++i) {
    std::size_t bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) std::swap(v[i], v[j]);
  }
  return v;
}

namespace dft_detail {

void check_plan(const DftPlan& plan, DftDirection direction, Level level, const char* what) {
  require(plan.direction == direction, what, "the plan is for ", direction_name(plan.direction));
  require(!plan.factors.empty(), what, "the plan has no factor");
  require(level.value >= plan.levels(), what, "needs ", plan.levels(), " levels but the input is at ",
          level);
}

}  // namespace dft_detail

}  // namespace fhecnn::circuits
