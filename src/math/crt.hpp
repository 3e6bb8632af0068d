// Chinese remaindering of RNS residues into the centred integer, returned as a long double.
#pragma once

#include <cstddef>
#include <vector>

#include "math/modarith.hpp"

namespace fhecnn::math {

class CrtComposer {
 public:
  // Throws InvalidArgument on an empty basis.
  explicit CrtComposer(std::vector<Modulus> moduli);

  // residues[i * stride] is x mod q_i; returns the representative of x in (-Q/2, Q/2].
  long double compose_centered(const u64* residues, std::size_t stride) const;
  std::size_t size() const { return moduli_.size(); }

 private:
  std::vector<Modulus> moduli_;
  std::vector<u64> qhat_inv_;                // (Q/q_i)^-1 mod q_i
  std::vector<std::vector<u64>> qhat_;       // Q/q_i as little-endian words
  std::vector<u64> big_q_, half_q_;          // Q and floor(Q/2) as words
  std::size_t words_;
};

}  // namespace fhecnn::math
