// Homomorphic CoeffToSlot and SlotToCoeff: the CKKS special FFT (ckks::Encoder::special_fft,
// decoding direction) and its inverse as a few sparse diagonal matrices applied with BSGS
// (lintrans.hpp). Cheon, Han, Kim, Kim, Song, "Improved bootstrapping for approximate
// homomorphic encryption" (EUROCRYPT 2019); sparse slots and real packing as in Chen, Chillotti,
// Song (EUROCRYPT 2019); the paper's variant in PAPER.md §3.3.
//
// Conventions (those of ckks/encoder.cpp). n complex slots (a power of two) hold a polynomial
// m(Y) = sum_{k < 2n} m_k Y^k in Y = X^(N / (2n)); its coefficient vector v has
// v_k = m_k + i m_{k+n} (k < n), and the slots are z = special_fft(v) with
// z_j = sum_k v_k zeta^(5^j k) = m(zeta^(5^j)), zeta = exp(2 pi i / (4n)).
// special_fft = L_{log n - 1} ... L_1 L_0 R, R the bit-reversal permutation and L_e the
// radix-2 butterfly layer of stride 2^e: (a, b) -> (a + w b, a - w b) on pairs (i, i + 2^e) of
// each block of 2^(e+1), w = zeta_(2^(e+3))^(5^j mod 2^(e+3)) for the j-th pair of the block.
//
// Bit-reversed coefficients. R has 3^(log2(n)/2) diagonals, so it is not evaluated: CoeffToSlot
// computes R special_ifft(z) = R v (slot j holds v_{rev(j)}) and SlotToCoeff computes
// special_fft(R w') from bit-reversed w'. Everything in between in bootstrapping (conjugation,
// EvalMod) is slot-wise, so the permutation cancels: SlotToCoeff(CoeffToSlot(z)) = z.
//
// Factors. The log2 n layers are merged into `levels` factors (group sizes in application
// order; CoeffToSlot applies strides n/2 .. 1, SlotToCoeff 1 .. n/2, each inverse layer
// carrying 1/2 so that CoeffToSlot is exactly the inverse). A group of d consecutive layers
// has 2^(d+1) - 1 signed diagonals; the group holding stride n/2 has 2^d diagonals in cyclic
// form, used where the input is n-periodic. Group sizes are chosen to minimise rotations, then
// giant rotations, then diagonals, over all compositions of log2 n (choose_group_sizes).
//
// Layouts.
// * complex_slots (vector length n; n = N/2 for full slots): CoeffToSlot(z) = scalar R v;
//   SlotToCoeff(w') = scalar special_fft(R w').
// * real_packed (vector length 2n, sparse bootstrapping with n < N/2): CoeffToSlot reads the
//   n-periodic vector [z, z] and returns [scalar R v, -i scalar R v] (last factor's rows
//   scaled by 1, -i), so x + conj(x) = 2 scalar [Re R v, Im R v]: the 2n real coefficients in 2n
//   slots (bit-reversed within each half). SlotToCoeff reads [a, b] and returns the n-periodic
//   scalar special_fft(R (a + i b)): the n-slot factors act on each half (block form), the last
//   one's rows are scaled by 1 (first half), i (second half), then x + rot(x, n).
// The scalar is folded into the first CoeffToSlot factor (e.g. 1/(2K N/(2n)) for EvalMod) and
// into the last SlotToCoeff factor (e.g. the paper's 1/2 for imaginary removal times a scale
// correction); it costs nothing.
//
// Cost: levels() levels, output scale == input scale (each factor multiplies at scale q_l and
// rescales by q_l); rotations(): the factors' BSGS rotations (+1 for real_packed SlotToCoeff);
// diagonals(): mul_plain count. Table for levels 3 in the module README.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "circuits/backend.hpp"
#include "circuits/lintrans.hpp"
#include "common/error.hpp"

namespace fhecnn::circuits {

enum class DftDirection { coeff_to_slot, slot_to_coeff };
enum class DftLayout { complex_slots, real_packed };

struct DftOptions {
  int levels = 3;               // factors (each one level), 1..log2 n
  std::vector<int> group_sizes;  // layers per factor in application order; empty = chosen
  Complex scalar{1.0, 0.0};     // CoeffToSlot: first factor; SlotToCoeff: last factor
};

// The predicted cost of one factor.
struct DftFactorCost {
  int lowest_stride_log = 0;  // the group's layers have strides 2^lowest .. 2^(lowest+layers-1)
  int layers = 0;
  DiagonalForm form = DiagonalForm::block;
  std::size_t diagonals = 0;
  BsgsSplit split;
};

struct DftPlan {
  DftDirection direction = DftDirection::coeff_to_slot;
  DftLayout layout = DftLayout::complex_slots;
  std::size_t n = 0;      // complex slots of the message
  std::size_t slots = 0;  // backend vector length: n (complex_slots) or 2n (real_packed)
  Complex scalar{1.0, 0.0};
  std::vector<int> group_sizes;           // application order
  std::vector<LinearTransform> factors;   // application order, scalar and row scaling folded

  int levels() const { return static_cast<int>(factors.size()); }
  int rotations() const;
  std::size_t diagonals() const;
};

// Throws InvalidArgument when n is not a power of two >= 2, levels is outside [1, log2 n], or
// group_sizes has a part < 1 or does not sum to log2 n.
DftPlan make_coeff_to_slot(std::size_t n, DftLayout layout, const DftOptions& options = {});
DftPlan make_slot_to_coeff(std::size_t n, DftLayout layout, const DftOptions& options = {});

// CoeffToSlot on x (plan.slots slots, level >= plan.levels()): the layout's result at level
// level(x) - levels, scale(x). Cost in DftPlan. Throws InvalidArgument for a SlotToCoeff plan
// or a level below plan.levels().
template <Backend B>
typename B::Value coeff_to_slot(B& b, const typename B::Value& x, const DftPlan& plan);

// SlotToCoeff (incl. x + rot(x, n) for real_packed). Same levels and throws; the output scale
// is scale(x), or exactly `output_scale` when given (the last factor changes the scale).
template <Backend B>
typename B::Value slot_to_coeff(B& b, const typename B::Value& x, const DftPlan& plan,
                                std::optional<Scale> output_scale = {});

// All rotation steps the plan performs, in [1, plan.slots), sorted and unique.
std::vector<RotationStep> rotation_steps(const DftPlan& plan);

// ---- cleartext pieces (tests, key planning) ----

// Butterfly layer of stride 2^stride_log, block form, period n: forward (SlotToCoeff) or the
// inverse halved (CoeffToSlot). Throws for n not a power of two >= 2 or a bad stride.
DiagonalMatrix butterfly_layer(std::size_t n, int stride_log, DftDirection direction);

// The unscaled factors in application order, block form: for SlotToCoeff their product
// (last * ... * first) is special_fft R, for CoeffToSlot R special_ifft. Throws as make_*.
std::vector<DiagonalMatrix> dft_factors(std::size_t n, DftDirection direction,
                                        const std::vector<int>& group_sizes);

// Predicted per-factor cost (diagonals and BSGS split) without building the factors.
std::vector<DftFactorCost> dft_costs(std::size_t n, DftDirection direction, DftLayout layout,
                                     const std::vector<int>& group_sizes);

// Group sizes minimising (rotations, giant rotations, diagonals), then the spread of sizes.
std::vector<int> choose_group_sizes(std::size_t n, int levels, DftDirection direction,
                                    DftLayout layout);

// v permuted by bit reversal of the index (v.size() a power of two): the slot order of
// CoeffToSlot outputs and SlotToCoeff inputs.
std::vector<Complex> bit_reversed(std::vector<Complex> v);

// ---- templates ----

namespace dft_detail {
void check_plan(const DftPlan& plan, DftDirection direction, Level level, const char* what);
}

template <Backend B>
typename B::Value coeff_to_slot(B& b, const typename B::Value& x, const DftPlan& plan) {
  dft_detail::check_plan(plan, DftDirection::coeff_to_slot, b.level(x), "apply CoeffToSlot");
  typename B::Value y = linear_transform(b, x, plan.factors.front());
  for (std::size_t i = 1; i < plan.factors.size(); ++i) y = linear_transform(b, y, plan.factors[i]);
  return y;
}

template <Backend B>
typename B::Value slot_to_coeff(B& b, const typename B::Value& x, const DftPlan& plan,
                                std::optional<Scale> output_scale) {
  dft_detail::check_plan(plan, DftDirection::slot_to_coeff, b.level(x), "apply SlotToCoeff");
  const std::size_t last = plan.factors.size() - 1;
  typename B::Value y = linear_transform(b, x, plan.factors.front(),
                                         last == 0 ? output_scale : std::nullopt);
  for (std::size_t i = 1; i < plan.factors.size(); ++i) {
    y = linear_transform(b, y, plan.factors[i], i == last ? output_scale : std::nullopt);
  }
  if (plan.layout == DftLayout::real_packed) {
    y = b.add(y, b.rotate(y, RotationStep{static_cast<int>(plan.n)}));
  }
  return y;
}

}  // namespace fhecnn::circuits
