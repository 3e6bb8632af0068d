// Limb-major RNS polynomial: limb i (residues mod the prime basis()[i]) occupies
// data[i * n .. (i + 1) * n), one contiguous block for the whole polynomial.
#pragma once

#include <cstdint>
#include <vector>

#include "common/memory.hpp"
#include "ring/context.hpp"

namespace fhecnn::ring {

// Residue storage: resizing leaves new residues uninitialised (see DefaultInitAllocator).
using LimbStorage = std::vector<u64, DefaultInitAllocator<u64>>;

// Tag for the constructor that leaves the residues uninitialised.
struct Uninitialized {};

class RnsPoly {
 public:
  RnsPoly() = default;
  // Zero polynomial over `basis`, in NTT form if `ntt`.
  RnsPoly(std::size_t n, Basis basis, bool ntt);
  // Polynomial over `basis` whose residues are left uninitialised: for outputs that the caller
  // overwrites completely (saves a memset of the whole block).
  RnsPoly(std::size_t n, Basis basis, bool ntt, Uninitialized);

  std::size_t n() const { return n_; }
  std::size_t limbs() const { return basis_.size(); }
  const Basis& basis() const { return basis_; }
  bool is_ntt() const { return ntt_; }
  void set_ntt(bool ntt) { ntt_ = ntt; }

  u64* limb(std::size_t i) { return data_.data() + i * n_; }
  const u64* limb(std::size_t i) const { return data_.data() + i * n_; }
  LimbStorage& data() { return data_; }
  const LimbStorage& data() const { return data_; }

  // Keeps only the first `count` limbs (dropping primes from the top of the basis).
  void truncate_limbs(std::size_t count);
  // Removes the limb at position i.
  void erase_limb(std::size_t i);
  // Copy holding only the limbs whose prime indices are in `sub` (each must be present).
  RnsPoly select(const Basis& sub) const;

  bool operator==(const RnsPoly& o) const = default;

 private:
  std::size_t n_ = 0;
  Basis basis_;
  bool ntt_ = false;
  LimbStorage data_;
};

}  // namespace fhecnn::ring
