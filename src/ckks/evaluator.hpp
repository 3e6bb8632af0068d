// Homomorphic operations on CKKS ciphertexts with exact scale tracking: every rescale divides
// the scale by the actual prime q_l (not a power of two), constants are encoded at scales the
// caller chooses, and mismatches are errors rather than silent drift.
//
// Operand rules: binary operations need equal slot counts and equal scales (relative 1e-9); an
// operand at a higher level is dropped to the lower level first (no level is consumed).
// Operations needing keys (multiply + relinearize, rotate, conjugate) look them up through the
// KeyProvider given at construction; a missing key throws InvalidArgument naming it.
// All methods are const and safe to call concurrently.
#pragma once

#include <array>
#include <functional>
#include <map>
#include <span>
#include <vector>

#include "ckks/encoder.hpp"
#include "rlwe/keys.hpp"
#include "rlwe/keyswitch.hpp"

namespace fhecnn::ckks {

using rlwe::ExtendedCiphertext;

class Evaluator {
 public:
  Evaluator(rlwe::ParamsPtr params, const rlwe::KeyProvider* keys = nullptr);

  const rlwe::Params& params() const { return *params_; }
  const Encoder& encoder() const { return encoder_; }

  // --- addition (0 levels) ---
  void add_inplace(Ciphertext& a, const Ciphertext& b) const;
  void sub_inplace(Ciphertext& a, const Ciphertext& b) const;
  Ciphertext add(const Ciphertext& a, const Ciphertext& b) const;
  Ciphertext sub(const Ciphertext& a, const Ciphertext& b) const;
  void negate_inplace(Ciphertext& a) const;
  void add_plain_inplace(Ciphertext& a, const Plaintext& p) const;
  void sub_plain_inplace(Ciphertext& a, const Plaintext& p) const;
  // Adds the constant c, encoded at a's scale, to every slot.
  void add_const_inplace(Ciphertext& a, Complex c) const;

  // --- multiplication by plaintexts and constants (scale multiplies; rescale afterwards) ---
  void multiply_plain_inplace(Ciphertext& a, const Plaintext& p) const;
  // acc += a * p (acc's scale must equal a.scale * p.scale).
  void multiply_plain_then_add(const Ciphertext& a, const Plaintext& p, Ciphertext& acc) const;
  // Multiplies by round(c * const_scale); the scale becomes a.scale * const_scale.
  void multiply_const_inplace(Ciphertext& a, Complex c, Scale const_scale) const;
  // Same with const_scale = q_level, so that a following rescale restores a's scale.
  void multiply_const_inplace(Ciphertext& a, Complex c) const;
  // acc += a * round(c * const_scale).
  void multiply_const_then_add(const Ciphertext& a, Complex c, Scale const_scale,
                               Ciphertext& acc) const;
  // Multiplies by an integer without changing the scale.
  void multiply_integer_inplace(Ciphertext& a, std::int64_t k) const;

  // --- ciphertext multiplication (scale multiplies; 1 key switch for relinearization) ---
  Ciphertext multiply_no_relin(const Ciphertext& a, const Ciphertext& b) const;
  void relinearize_inplace(Ciphertext& a) const;
  Ciphertext multiply(const Ciphertext& a, const Ciphertext& b) const;  // relinearized
  void multiply_inplace(Ciphertext& a, const Ciphertext& b) const;
  Ciphertext square(const Ciphertext& a) const;

  // --- levels ---
  // Divides by q_level: level - 1, scale / q_level. Throws at level 0.
  void rescale_inplace(Ciphertext& a) const;
  Ciphertext rescale(const Ciphertext& a) const;
  // Drops primes down to `level` (scale unchanged). Throws if level is above a's.
  void drop_to_level_inplace(Ciphertext& a, Level level) const;

  // --- rotations (1 key switch each) ---
  // Left rotation by `step` on a.slots slots: out[i] = in[(i + step) mod slots].
  Ciphertext rotate(const Ciphertext& a, RotationStep step) const;
  Ciphertext conjugate(const Ciphertext& a) const;
  Ciphertext apply_galois(const Ciphertext& a, GaloisElement g) const;
  // Rotations of one ciphertext by many steps, sharing one decomposition (hoisting).
  // Cost: 1 decomposition + steps.size() inner products and ModDowns.
  std::vector<Ciphertext> rotate_hoisted(const Ciphertext& a, const std::vector<int>& steps) const;

  // One term of a rotation sum: `values` (a.slots entries, encoded at the sum's plaintext scale)
  // times a rotated by steps[rotation].
  struct RotationTerm {
    std::size_t rotation;
    std::span<const Complex> values;
  };
  // sums[j] = sum over its terms t of encode(t.values) * rotate(a, steps[t.rotation]), at a's
  // level with scale a.scale * plain_scale. Double hoisting: one decomposition of a serves
  // every rotation, the products and sums stay over Q_l P (the plaintexts are encoded there)
  // and each sum is divided by P once, so a sum of r rotations costs r inner products and
  // automorphisms but one ModDown instead of r. Rotations are computed one at a time; each
  // plaintext is rounded once (Encoder::round) and encoded limb by limb into a per-thread buffer
  // right where it is multiplied (memory: the decomposition, two Q_l P polynomials per sum and
  // 2 slots integers per term).
  // Throws InvalidArgument for a missing key, an empty sum, a term naming no step, or values
  // the encoder refuses.
  std::vector<Ciphertext> rotate_multiply_sums(const Ciphertext& a, const std::vector<int>& steps,
                                               const std::vector<std::vector<RotationTerm>>& sums,
                                               Scale plain_scale) const;

  // --- extended ciphertexts: ModDowns deferred across sums and rotations ---
  // rotate_multiply_sums without the final ModDowns (sum j of the result, mod_down'ed, is sum j
  // of rotate_multiply_sums; a sum whose rotations used keys with different special primes is
  // reduced and re-extended exactly to the largest of them).
  std::vector<ExtendedCiphertext> rotate_multiply_sums_extended(
      const Ciphertext& a, const std::vector<int>& steps,
      const std::vector<std::vector<RotationTerm>>& sums, Scale plain_scale) const;
  // P a over Q_l P_k, exactly (P c mod q_i, 0 mod the special primes).
  ExtendedCiphertext extend(const Ciphertext& a, std::size_t specials) const;
  // round(a / P) over Q_l: the ciphertext a stands for. Cost: 2 ModDowns.
  Ciphertext mod_down(ExtendedCiphertext a) const;
  // a += b (same slots, level and scale; when their special primes differ, both are reduced,
  // added and extended again to the larger count).
  void add_inplace(ExtendedCiphertext& a, const ExtendedCiphertext& b) const;
  // The rotation of what a stands for, still extended. Cost: one ModDown of a.c1 (one
  // polynomial), its decomposition, one inner product; no ModDown of the outputs or of a.c0
  // (a rotation of a Ciphertext then a ModDown-ed sum would need three more).
  // When the key has other special primes than a, a is reduced first.
  ExtendedCiphertext rotate(const ExtendedCiphertext& a, RotationStep step) const;

 private:
  // sigma_g(a.c0 + k0, k1): the rotated ciphertext from a key switch of a.c1 under g's key.
  Ciphertext galois_output(const Ciphertext& a, std::pair<ring::RnsPoly, ring::RnsPoly> k,
                           GaloisElement g) const;
  Ciphertext rotate_decomposed(const Ciphertext& a, const rlwe::Decomposition& d,
                               GaloisElement g) const;
  // Decompositions of one ciphertext's c1, by special-prime count (keys of different levels).
  using Decompositions = std::map<std::size_t, rlwe::Decomposition>;
  // The decomposition of a.parts[1] for `key`'s special primes, made on first use.
  const rlwe::Decomposition& decomposition(const Ciphertext& a, const rlwe::SwitchingKey& key,
                                           Decompositions& cache) const;
  // P sigma_g(a) over Q_l P_k before its ModDown: sigma_g(P c0 + k0, k1) with (k0, k1) the key
  // switch's inner product (k = the key's special primes), or P a for g = 1 (k = the level's).
  std::array<ring::RnsPoly, 2> rotation_times_p(const Ciphertext& a, GaloisElement g,
                                                Decompositions& cache) const;
  // sigma_g(c0 + k0, k1) over the decomposition's Q_l P_k limbs, (k0, k1) the inner product of
  // d with g's key and c0 added limb by limb by add_c0(i, k0_limb).
  using LimbAdd = std::function<void(std::size_t i, ring::u64* k0)>;
  std::array<ring::RnsPoly, 2> rotated_inner_product(const rlwe::Decomposition& d,
                                                     GaloisElement g, const LimbAdd& add_c0) const;
  void align(Ciphertext& a, const Ciphertext& b, const char* op) const;
  const rlwe::KeyProvider& keys(const char* op) const;
  // out = a * round(c * const_scale) (or out += ... when accumulate), on the lower level of
  // the two; scales are the caller's business. `out` may be `a`.
  void mul_const_residues(const Ciphertext& a, Complex c, Scale const_scale, bool accumulate,
                          Ciphertext& out) const;

  rlwe::ParamsPtr params_;
  const rlwe::KeyProvider* keys_;
  Encoder encoder_;
  rlwe::KeySwitcher switcher_;
};

}  // namespace fhecnn::ckks
