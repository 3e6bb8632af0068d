// The storage of the slot simulator (sim_backend.hpp): slot vectors kept as separate real and
// imaginary arrays of doubles, the imaginary one absent while every imaginary part is zero (the
// whole network without injected noise), drawn from a per-thread pool of recycled arrays, with
// max |slot|^2 computed once when they are written.
//
// Values share their storage (SlotData is immutable once built): a rotation is a new offset on
// the same data, a rescale or a level drop a new (level, scale) on it. A slot view reads logical
// slot i at data slot (i + offset) mod n; the kernels walk such views in segments that wrap in
// none of their operands, so each segment is a plain loop over contiguous arrays. Plaintexts
// given as runs (nn/backend_ext.hpp: the layers' weights and masks) touch only the runs' slots.
//
// Arithmetic is slot by slot, in the same order and with the same roundings as std::complex on
// {re, im} pairs (a * c - b * d, a * d + b * c; sums part by part), so the results equal those of
// circuits::SlotBackend bit for bit on finite values (an absent imaginary part is a zero one).
#pragma once

#include <atomic>
#include <complex>
#include <cstddef>
#include <memory>
#include <vector>

#include "nn/backend_ext.hpp"

namespace fhecnn::nn::sim {

using Complex = std::complex<double>;

// n doubles from this thread's pool (uninitialised); returned to the pool of the thread that
// frees them. The pool keeps a bounded number of arrays per size.
struct ArrayDeleter {
  std::size_t n = 0;
  void operator()(double* p) const noexcept;
};
using Array = std::unique_ptr<double[], ArrayDeleter>;
Array make_array(std::size_t n);

// max over slots of re^2 + im^2 as circuits::SlotBackend computes it: in slot order with
// `if (!(a <= m)) m = a` (this matters only when some slot is not finite).
double max_norm2_in_order(const double* re, const double* im, std::size_t n, std::size_t offset);

// Immutable slots: re[n], im[n] or none (all imaginary parts zero), and their max |slot|^2,
// measured when written (products, whose modulus check needs it at once) or on first use (sums,
// most of which are never checked).
struct SlotData {
  std::size_t n = 0;
  Array re;
  Array im;  // null: every imaginary part is zero

  // Records the measure taken while writing the slots (before anyone reads it).
  void set_measure(bool finite, double max_norm2) const;
  // Whether every re^2 + im^2 is finite and, if so, their max (measured on the first call; two
  // threads measuring at once store the same values).
  bool finite() const;
  double max_norm2() const;  // valid when finite()

 private:
  void measure() const;

  mutable std::atomic<bool> measured_{false};
  mutable std::atomic<bool> finite_{true};
  mutable std::atomic<double> max_norm2_{0.0};
};
using SlotPtr = std::shared_ptr<const SlotData>;

// A read-only view: logical slot i is data slot (i + offset) mod n.
struct SlotView {
  const SlotData* data = nullptr;
  std::size_t offset = 0;

  std::size_t size() const { return data->n; }
  bool real() const { return !data->im; }
  Complex at(std::size_t i) const;  // logical slot i
  double abs_at(std::size_t i) const;  // std::abs(at(i)), cheaper for real slots (same value)
};

// max over slots of re^2 + im^2, as circuits::SlotBackend computes it (for slots that are not all
// finite, in logical order: see max_norm2_in_order).
double max_norm2(SlotView x);

// Slot-wise operations. Each returns fresh data (offset 0).
SlotPtr from_complex(const std::vector<Complex>& v);  // v.size() slots
std::vector<Complex> to_complex(SlotView x);          // logical order
SlotPtr add(SlotView x, SlotView y);
SlotPtr sub(SlotView x, SlotView y);
SlotPtr add_const(SlotView x, Complex e);
SlotPtr mul_const(SlotView x, Complex e);
SlotPtr mul_plain(SlotView x, const std::vector<Complex>& v);  // v.size() == x.size()
SlotPtr mul(SlotView x, SlotView y);
SlotPtr to_slots(SlotView x);  // a copy in logical order (offset 0)
SlotPtr conjugate(SlotView x);
SlotPtr real_part(SlotView x);
// x + noise(i) for logical slots i = 0, 1, ...: noise() is called for the real part, then for
// the imaginary part of each slot in turn.
template <typename Noise>
SlotPtr add_noise(SlotView x, Noise&& noise) {
  std::vector<Complex> v = to_complex(x);
  for (Complex& z : v) {
    const double re = noise();
    const double im = noise();
    z += Complex(re, im);
  }
  return from_complex(v);
}

// acc += x * e in place: acc's arrays move to new data (measured on first use), so acc must be
// its data's only owner, read at offset 0. Returns the product's max |x * e|^2 as
// max_norm2(mul_const(x, e)) would give it.
double mul_const_then_add(SlotPtr& acc, SlotView x, Complex e);
// x * dense_plain(runs): the products on the runs' slots, zeros elsewhere (for finite x the
// same as mul_plain with the dense vector). Precondition: runs inside [0, n), not overlapping.
SlotPtr mul_sparse(SlotView x, const SparsePlain& runs);
// acc += x * dense_plain(runs) in place, likewise (only the runs' slots change); returns the
// product's max |slot|^2.
double mul_sparse_then_add(SlotPtr& acc, SlotView x, const SparsePlain& runs);

}  // namespace fhecnn::nn::sim
