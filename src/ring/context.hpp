// The ring Z[X]/(X^N + 1) with all its RNS primes: ciphertext primes q_0..q_L followed by the
// special primes p_0..p_{K-1}, each with NTT tables. A polynomial's limbs name the primes they
// live in by index into this table (see RnsPoly); Basis builds those index lists.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "common/types.hpp"
#include "math/modarith.hpp"
#include "math/ntt.hpp"

namespace fhecnn::ring {

using math::u64;
using PrimeIndex = std::uint32_t;
using Basis = std::vector<PrimeIndex>;

class RingContext {
 public:
  // Throws InvalidArgument on an empty Q, repeated primes, or primes that are not 1 mod 2N.
  RingContext(LogN log_n, std::vector<u64> q_primes, std::vector<u64> p_primes);

  std::size_t n() const { return n_; }
  LogN log_n() const { return log_n_; }
  std::size_t q_count() const { return q_count_; }
  std::size_t p_count() const { return moduli_.size() - q_count_; }
  Level max_level() const { return Level{static_cast<int>(q_count_) - 1}; }

  const math::Modulus& modulus(PrimeIndex i) const { return moduli_[i]; }
  const math::NttTables& ntt(PrimeIndex i) const { return *ntt_[i]; }
  PrimeIndex p_index(std::size_t j) const { return static_cast<PrimeIndex>(q_count_ + j); }

  // q_0..q_level.
  Basis q_basis(Level level) const;
  // q_0..q_level, p_0..p_{K-1}.
  Basis qp_basis(Level level) const;
  // q_0..q_level, p_0..p_{specials-1} (specials <= K).
  Basis qp_basis(Level level, std::size_t specials) const;
  // p_0..p_{K-1}.
  Basis p_basis() const;
  // p_0..p_{specials-1}.
  Basis p_basis(std::size_t specials) const;

  // Permutation of NTT slots for X -> X^g: out[k] = in[perm[k]] (cached, thread-safe).
  const std::vector<std::uint32_t>& automorphism_permutation(GaloisElement g) const;

 private:
  std::size_t n_;
  LogN log_n_;
  std::size_t q_count_;
  std::vector<math::Modulus> moduli_;
  std::vector<std::unique_ptr<math::NttTables>> ntt_;
  mutable std::mutex perm_mutex_;
  mutable std::map<std::uint64_t, std::vector<std::uint32_t>> perms_;
};

}  // namespace fhecnn::ring
