// Linear transforms on packed slots: a square complex matrix given by its generalised diagonals
// (Halevi–Shoup), applied homomorphically with baby-step giant-step rotations (Han–Ki, CT-RSA
// 2020; Bossuat et al., EUROCRYPT 2021), the baby rotations hoisted and each giant's products
// summed without ModDown (double hoisting, rotate_mul_sums); on a LazyBackend the giant steps
// and the final sum stay lazy too, so the whole transform divides by P once (CKKS: each giant
// rotation ModDowns only its input's c1 for the decomposition).
//
// Semantics. A DiagonalMatrix of period P (a power of two) holds diagonal vectors d_k of length P
// for a set of offsets k. On a backend vector x of length L (a multiple of P; the diagonals are
// tiled to L) it computes
//     y[j] = sum_k d_k[j mod P] * x[(j + k) mod L].
// * DiagonalForm::block: signed offsets k in (-P, P), d_k[j] = M[j, j + k] for 0 <= j + k < P and
//   0 elsewhere (no wrap-around). y is M applied to every P-block of x separately, for any x.
// * DiagonalForm::cyclic: offsets k in [0, P), d_k[j] = M[j, (j + k) mod P]. y is M applied to
//   every block only when x is P-periodic (L == P, or x repeats with period P). A matrix whose
//   block form wraps around (a DFT's widest butterfly stage) needs about half the diagonals.
//
// BSGS. Offsets are written k = h (g n1 + b) with h the gcd of the offsets, b in a window of n1
// consecutive integers (the baby steps) and g the giant index; then
//     M x = sum_g rot( sum_b rot(d_k, -g n1 h) * rot(x, b h), g n1 h ),
// so only the baby rotations of x (hoisted) and one rotation per giant partial sum are needed.
// The giant sums are accumulated by Horner's rule in two chains, g > 0 with rotations by
// u = n1 h and g < 0 with rotations by -u:
//     sum_{g>0} rot(inner_g, g u) = rot(inner_1 + rot(inner_2 + ... , u), u),
// the same number of rotations for a contiguous giant range (max g + |min g|) but only two
// giant rotation keys, whatever the number of giants: the key set is the baby steps plus u, -u.
// n1 and the window are chosen to minimise rotations (then giant rotations): about
// 2 sqrt(#diagonals) - 2 for a contiguous band, the paper's "min ceil(M/g) + g - 1".
//
// Levels and scales. The products use the plaintext scale q_l, the prime of the input's level
// l (backend.prime(level)), and the sum is rescaled once by that same prime, so the output has
// level l - 1 and exactly the input's scale (s * q_l / q_l, up to the double rounding of the
// backend's bookkeeping). The diagonal entries (times the folded factor) are what gets encoded
// at scale q_l: their absolute encoding precision is about 1 / q_l.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <iterator>
#include <map>
#include <optional>
#include <vector>

#include "circuits/backend.hpp"
#include "common/error.hpp"
#include "common/types.hpp"

namespace fhecnn::circuits {

enum class DiagonalForm { block, cyclic };

class DiagonalMatrix {
 public:
  using Diagonals = std::map<int, std::vector<Complex>>;

  // period: a power of two. Each diagonal has `period` entries; block-form entries that would
  // read outside the block (j + k outside [0, period)) are set to zero.
  // Throws InvalidArgument when period is not a power of two, there is no diagonal, a diagonal
  // has the wrong length, or an offset is outside (-period, period) (block) / [0, period)
  // (cyclic).
  DiagonalMatrix(std::size_t period, DiagonalForm form, Diagonals diagonals);

  // The non-zero diagonals of a dense period x period matrix (rows m[j]); diagonals whose
  // entries are all at most zero_tolerance in modulus are dropped. Throws when m is not square
  // with a power-of-two size or is entirely zero.
  static DiagonalMatrix from_dense(const std::vector<std::vector<Complex>>& m, DiagonalForm form,
                                   double zero_tolerance = 0.0);
  // The dense matrix M (rows), for both forms.
  std::vector<std::vector<Complex>> to_dense() const;

  std::size_t period() const { return period_; }
  DiagonalForm form() const { return form_; }
  const Diagonals& diagonals() const { return diagonals_; }
  std::size_t count() const { return diagonals_.size(); }
  std::vector<int> offsets() const;

 private:
  std::size_t period_;
  DiagonalForm form_;
  Diagonals diagonals_;
};

// a * b (b applied first). Same period required; the result is block when both are, cyclic
// otherwise (a block operand is then read cyclically). Diagonals that come out exactly zero
// are dropped. Cost: count(a) * count(b) * period complex products.
// Throws InvalidArgument on a period mismatch or a zero product.
DiagonalMatrix multiply(const DiagonalMatrix& a, const DiagonalMatrix& b);

// The same matrix in cyclic form (offsets k < 0 become k + period, merged with k + period).
DiagonalMatrix to_cyclic(const DiagonalMatrix& m);

// diag(row_scale) * M: row j of the result is row j of M (block j / period) times row_scale[j].
// row_scale.size() must be a multiple of period; it becomes the result's period, so a block
// matrix becomes the block-diagonal matrix with blocks row_scale[block] * M (same offsets,
// same diagonal count). Cyclic matrices only allow row_scale.size() == period.
// Throws InvalidArgument otherwise.
DiagonalMatrix scale_rows(const DiagonalMatrix& m, const std::vector<Complex>& row_scale);

// c * M. Throws InvalidArgument when c == 0.
DiagonalMatrix scale(const DiagonalMatrix& m, Complex c);

// The cleartext reference: y[j] = sum_k d_k[j mod P] x[(j + k) mod L], L = x.size().
// Throws InvalidArgument when L is not a positive multiple of the period.
std::vector<Complex> apply_clear(const DiagonalMatrix& m, const std::vector<Complex>& x);

// A baby-step giant-step split of a set of offsets: k = unit * (giant * baby_count + b) with
// b in [window_start, window_start + baby_count).
struct BsgsSplit {
  int unit = 1;
  int baby_count = 1;
  int window_start = 0;
  int baby_rotations = 0;   // distinct non-zero b
  int giant_rotations = 0;  // max giant + |min giant| (the Horner chains; see the file comment)
  int rotations() const { return baby_rotations + giant_rotations; }
};

// The split with the fewest rotations, then the fewest giant rotations (babies are hoisted).
// Exhaustive over baby_count and windows for small or contiguous offset ranges; for large
// sparse ranges baby_count <= 4 sqrt(range) + 8 and a few windows. Throws on empty offsets.
BsgsSplit choose_bsgs(const std::vector<int>& offsets);

// A DiagonalMatrix compiled for a backend vector length: BSGS split, diagonals times `factor`
// and pre-rotated by their giant step (kept at the matrix period, tiled when applied).
class LinearTransform {
 public:
  struct Term {
    std::size_t baby;               // index into baby_steps()
    std::vector<Complex> diagonal;  // rot(factor * d_k, -giant step), period entries
  };
  struct Giant {
    int index;  // g: the partial sum is rotated by g * giant_unit() (mod slots)
    std::vector<Term> terms;
  };

  // slots: the backend's vector length (a positive multiple of m.period()). Cyclic matrices
  // need P-periodic inputs when slots > period (see the file comment).
  // Throws InvalidArgument when slots is not a multiple of the period or factor == 0.
  LinearTransform(const DiagonalMatrix& m, std::size_t slots, Complex factor = Complex(1.0, 0.0));

  std::size_t slots() const { return slots_; }
  std::size_t period() const { return period_; }
  const BsgsSplit& split() const { return split_; }
  // Baby steps in [0, slots) (0 first when used: x itself).
  const std::vector<int>& baby_steps() const { return babies_; }
  // Sorted by index; every index != 0 costs its place in a Horner chain (giant_rotations()).
  const std::vector<Giant>& giants() const { return giants_; }
  // u = n1 h mod slots; the two giant keys are u and slots - u.
  int giant_unit() const { return giant_unit_; }

  std::size_t diagonals() const;  // mul_plain count
  int baby_rotations() const;     // hoisted rotations of the input
  int giant_rotations() const;    // rotations of partial sums
  int rotations() const { return baby_rotations() + giant_rotations(); }

 private:
  std::size_t slots_;
  std::size_t period_;
  BsgsSplit split_;
  std::vector<int> babies_;
  std::vector<Giant> giants_;
  int giant_unit_ = 0;
};

// Every rotation step linear_transform performs, normalised to [1, slots), sorted and unique:
// the rotation keys it needs (for the ciphertext's slot count slots()).
std::vector<RotationStep> rotation_steps(const LinearTransform& t);
// The same for m compiled at `slots` (throws as the LinearTransform constructor).
std::vector<RotationStep> rotation_steps(const DiagonalMatrix& m, std::size_t slots);

// v (period entries) repeated to `slots` entries.
std::vector<Complex> tile(const std::vector<Complex>& v, std::size_t slots);

// y = factor * M x on a backend value of t.slots() slots.
// Preconditions: level(x) >= 1; slots(x) == t.slots(); for a cyclic matrix with
// slots > period, x is period-periodic.
// Cost: t.rotations() rotations (t.baby_rotations() of them hoisted together),
// t.diagonals() mul_plain at scale q_level(x), one rescale: exactly one level; the output scale
// equals the input scale.
// Throws InvalidArgument at level 0 (and whatever the backend throws on a slot mismatch).
//
// With `output_scale`, the diagonals are encoded at q_level * output_scale / scale(x) instead,
// so the result lands exactly on output_scale (a scale change for free; the diagonals then
// carry log2(q_level * output_scale / scale(x)) bits of precision).
template <Backend B>
typename B::Value linear_transform(B& b, const typename B::Value& x, const LinearTransform& t,
                                   std::optional<Scale> output_scale = {}) {
  const Level level = b.level(x);
  require(level.value >= 1, "apply linear transform", "the input is at level 0 (needs 1 level)");
  const Scale plain_scale{output_scale ? b.prime(level) * output_scale->value / b.scale(x).value
                                       : b.prime(level)};

  // Every giant's inner sum sum_b rot(d, -g n1 h) * rot(x, b h) from the hoisted babies
  // (rotate_mul_sums: on CKKS one ModDown per giant, not per baby).
  std::vector<RotationStep> steps;
  for (int s : t.baby_steps()) steps.push_back(RotationStep{s});
  // Diagonals of a full-length period are used in place; shorter ones are tiled.
  std::vector<std::vector<Complex>> tiled;
  tiled.reserve(t.slots() == t.period() ? 0 : t.diagonals());  // the terms point into it
  std::vector<std::vector<RotationTerm>> terms;
  for (const auto& giant : t.giants()) {
    terms.emplace_back();
    for (const auto& term : giant.terms) {
      const std::vector<Complex>* values = &term.diagonal;
      if (t.slots() != t.period()) values = &tiled.emplace_back(tile(term.diagonal, t.slots()));
      terms.back().push_back(RotationTerm{term.baby, values});
    }
  }
  // Lazy (CKKS: extended over Q_l P) from the inner sums to the final sum: each giant
  // rotation divides only its input's c1 by P, and the whole sum is divided once (settle).
  using Lazy = lazy_value_t<B>;
  std::vector<Lazy> inner = lazy_rotate_mul_sums(b, x, steps, terms, plain_scale);
  tiled.clear();
  const auto rotate_by = [&](const Lazy& v, RotationStep unit) {
    return unit.value == 0 ? v : lazy_rotate(b, v, unit);  // n1 h == slots: the giants wrap around
  };
  // Horner chain over giants (indices into t.giants(), from the largest |g| down to 1):
  // acc = rot(acc, unit) (+ inner_g) ...; returns sum_g rot(inner_g, |g| unit).
  const auto& giants = t.giants();
  const auto chain = [&](const std::vector<std::size_t>& order, RotationStep unit) {
    std::optional<Lazy> acc;
    int at = 0;  // |g| of the last partial sum added
    for (std::size_t i : order) {
      const int g = std::abs(giants[i].index);
      for (; acc && at > g; --at) acc = rotate_by(*acc, unit);
      if (acc) lazy_add_inplace(b, *acc, inner[i]);
      else acc = std::move(inner[i]);
      at = g;
    }
    for (; acc && at > 0; --at) acc = rotate_by(*acc, unit);
    return acc;
  };
  std::vector<std::size_t> positive, negative;  // by decreasing |g|
  std::optional<std::size_t> zero;
  for (std::size_t i = giants.size(); i-- > 0;) {
    if (giants[i].index > 0) positive.push_back(i);
  }
  for (std::size_t i = 0; i < giants.size(); ++i) {
    if (giants[i].index < 0) negative.push_back(i);
    if (giants[i].index == 0) zero = i;
  }
  const int slots = static_cast<int>(t.slots());
  std::optional<Lazy> sum;
  const auto add = [&](std::optional<Lazy> v) {
    if (!v) return;
    if (sum) lazy_add_inplace(b, *sum, *v);
    else sum = std::move(*v);
  };
  if (zero) add(std::move(inner[*zero]));
  add(chain(positive, RotationStep{t.giant_unit()}));
  add(chain(negative, RotationStep{(slots - t.giant_unit()) % slots}));
  return b.rescale(settle(b, std::move(*sum)));
}

}  // namespace fhecnn::circuits
