// Hybrid key switching (Han-Ki, dnum digits, K special primes) with hoisting: a polynomial is
// decomposed once (ModUp of each digit) and the decomposition can be key-switched under many
// Galois elements, each costing only the inner product and ModDown.
#pragma once

#include <array>
#include <functional>
#include <utility>
#include <vector>

#include "rlwe/keys.hpp"
#include "rlwe/params.hpp"

namespace fhecnn::rlwe {

// Digits of a polynomial extended to Q_l P (NTT form), P = p_0..p_{specials-1}.
struct Decomposition {
  Level level;
  std::size_t specials = 0;
  std::vector<ring::RnsPoly> digits;
};

class KeySwitcher {
 public:
  explicit KeySwitcher(ParamsPtr params);

  // ModUp of every digit of c (over q_0..q_l, NTT form) to Q_l P, P the first `specials`
  // special primes: specials(key) for the keys it will be used with.
  // Cost: (l + 1) inverse NTTs + digits * (l + 1 + specials - alpha) forward NTTs.
  Decomposition decompose(const ring::RnsPoly& c, std::size_t specials) const;
  // The special primes a key works with: those of its max level (Params::special_primes_at).
  std::size_t specials(const SwitchingKey& key) const;

  // (d0, d1) over q_0..q_l with d0 + d1 t ~= c s' where s' is the key's source secret, t its
  // target secret and c the decomposed polynomial. For a Galois key (output form, t =
  // sigma_g^-1(s), s' = s) the caller applies sigma_g to (c0 + d0, d1): one automorphism of two
  // polynomials per rotation, however many digits the decomposition has.
  // Throws InvalidArgument if the key was generated below the decomposition's level or the
  // decomposition was made for other special primes than the key's.
  std::pair<ring::RnsPoly, ring::RnsPoly> apply(const Decomposition& d,
                                                const SwitchingKey& key) const;

  // apply without the ModDown: (P d0, P d1) + small over Q_l P (NTT form). Sums of these
  // (times plaintexts) can share one ModDown (double hoisting). Throws as apply.
  std::pair<ring::RnsPoly, ring::RnsPoly> inner_product(const Decomposition& d,
                                                        const SwitchingKey& key) const;

  // inner_product limb by limb without building its polynomials: sink(i, r0, r1) receives limb i
  // of (P d0, P d1) over Q_l P in per-thread buffers of n residues that it may modify (it runs
  // on the thread that computed them, while they are in cache; limbs in parallel, any order).
  using LimbSink = std::function<void(std::size_t i, ring::u64* r0, ring::u64* r1)>;
  void inner_product_limbwise(const Decomposition& d, const SwitchingKey& key,
                              const LimbSink& sink) const;

  // decompose (for the key's special primes) + apply.
  std::pair<ring::RnsPoly, ring::RnsPoly> switch_key(const ring::RnsPoly& c,
                                                     const SwitchingKey& key) const;

 private:
  ParamsPtr params_;
  void check_inner_product(const Decomposition& d, const SwitchingKey& key) const;
  // The inner product limb by limb, into *out (allocated here) or, without it, per-thread
  // buffers; each limb then goes to *sink when given.
  void inner_product_limbs(const Decomposition& d, const SwitchingKey& key,
                           std::array<ring::RnsPoly, 2>* out, const LimbSink* sink) const;
};

}  // namespace fhecnn::rlwe
