// Fast (approximate) RNS basis conversion: from residues of x mod A = a_0...a_{k-1} to residues
// of x + u*A mod each b_j, with 0 <= u < k (Bajard et al.; the u*A term vanishes in hybrid key
// switching). Works in coefficient form.
#pragma once

#include <functional>
#include <vector>

#include "ring/poly.hpp"

namespace fhecnn::ring {

class BasisConverter {
 public:
  BasisConverter(const RingContext& ctx, Basis from, Basis to);

  const Basis& from() const { return from_; }
  const Basis& to() const { return to_; }

  // in: limbs over `from` (coefficient form, in[i] points at n residues mod from[i]);
  // out: out[j] receives n residues mod to[j] for j < out_count (a prefix of `to`).
  // `then`, when given, runs on each output j right after it is written, by the same thread
  // (while the limb is in cache: the caller's NTT of it, for instance).
  using Then = std::function<void(std::size_t j)>;
  void convert(const u64* const* in, u64* const* out, std::size_t out_count,
               const Then& then = {}) const;
  // As convert, but exact: out[j] receives x mod b_j for the representative x in [0, A) (the
  // overflow u is computed in floating point, Halevi-Polyakov-Shoup; off by one A only when
  // x / A lies within ~1e-14 of an integer).
  void convert_exact(const u64* const* in, u64* const* out, std::size_t out_count,
                     const Then& then = {}) const;

 private:
  const RingContext& ctx_;
  Basis from_, to_;
  std::vector<u64> hat_inv_;                    // (A/a_i)^-1 mod a_i
  std::vector<std::vector<u64>> hat_mod_;      // [j][i] = (A/a_i) mod b_j
  std::vector<std::vector<u64>> a_multiple_;   // [j][v] = v * A mod b_j, v = 0..k
  std::vector<double> inv_a_;                  // 1 / a_i
  u64 input_bound_ = 0;                        // max a_i: the residues y_i are below it

  void convert_impl(const u64* const* in, u64* const* out, std::size_t out_count, bool exact,
                    const Then& then) const;
};

}  // namespace fhecnn::ring
