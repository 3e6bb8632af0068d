// Basis changes for CKKS on top of a RingContext: ModUp (digit -> Q_l P), ModDown (Q_l P -> Q_l,
// dividing by P), and rescaling by the top prime. Converters are built once per digit and cached.
// Thread-safe for concurrent use.
#pragma once

#include <map>
#include <memory>
#include <mutex>

#include "ring/basis_ext.hpp"

namespace fhecnn::ring {

class RnsTools {
 public:
  explicit RnsTools(const RingContext& ctx);

  const RingContext& context() const { return ctx_; }

  // Extends the limbs [begin, end) of a polynomial over Q_l (given in coefficient form as
  // `coeff` and in NTT form as `ntt`, both over q_0..q_l) to Q_l P, P the product of the first
  // `specials` special primes (all K by default). Returns NTT form.
  // Cost: (l + 1 + specials - (end - begin)) forward NTTs.
  RnsPoly mod_up(const RnsPoly& coeff, const RnsPoly& ntt, std::size_t begin,
                 std::size_t end) const;
  RnsPoly mod_up(const RnsPoly& coeff, const RnsPoly& ntt, std::size_t begin, std::size_t end,
                 std::size_t specials) const;

  // x over Q_l P (NTT form; P = p_0..p_{k-1}, its last k limbs, any k >= 1) -> round(x / P) over
  // Q_l (NTT form): centred, with exact basis conversion (no fast-conversion overflow), so key
  // switching adds no bias. Cost: k inverse NTTs + (l + 1) forward NTTs.
  void mod_down_inplace(RnsPoly& x) const;
  // The same into a new polynomial, x unchanged (no more work or memory than in place).
  RnsPoly mod_down(const RnsPoly& x) const;

  // x over q_0..q_l (NTT form), l >= 1 -> round(x / q_l) over q_0..q_{l-1} (NTT form).
  // Throws InvalidArgument when x has a single limb. Cost: 1 inverse + l forward NTTs.
  void rescale_inplace(RnsPoly& x) const;

  // P mod q_i for each ciphertext prime, P = p_0 ... p_{specials-1} (1 when specials = 0).
  const std::vector<u64>& p_mod_q(std::size_t specials) const { return tables_.at(specials).p_mod_q; }

  // Converter from `from` to `to`, built on first use.
  const BasisConverter& converter(const Basis& from, const Basis& to) const;

 private:
  const RingContext& ctx_;
  // For P = p_0 ... p_{k-1}, indexed by k in [0, K].
  struct SpecialTables {
    std::vector<u64> p_mod_q, p_inv_mod_q;       // P mod q_i, P^-1 mod q_i
    std::vector<u64> half_p_mod_q, half_p_mod_p;  // floor(P / 2) mod q_i, mod p_j (j < k)
  };
  std::vector<SpecialTables> tables_;
  std::vector<std::vector<u64>> qlast_inv_;      // [l][i] = q_l^-1 mod q_i, i < l
  mutable std::mutex mutex_;
  mutable std::map<std::pair<Basis, Basis>, std::unique_ptr<BasisConverter>> converters_;
};

}  // namespace fhecnn::ring
