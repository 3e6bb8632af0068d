// ModRaise and sparse-secret encapsulation: the CKKS-specific first steps of bootstrapping.
//
// ModRaise lifts a level-0 ciphertext (modulus q_0) to a higher level by reading each
// coefficient as its centred representative mod q_0: the result decrypts to t = m + q_0 * I for
// a small integer polynomial I, |I| bounded by the secret's Hamming weight.
//
// Sparse-secret encapsulation (Bossuat, Troncoso-Pastoriza, Hubaux, ACNS 2022) keeps I small
// with a dense secret s: at level 0 the ciphertext is switched to an ephemeral sparse secret s'
// (weight h, a key over the small modulus q_0 * p_0 * p_1 only), raised, and switched back to s at
// the top level. EvalMod then needs K ~ 7 sqrt(h / 12) instead of several hundred.
// Security: docs/parameters.md.
#pragma once

#include <cstddef>

#include "rlwe/ciphertext.hpp"
#include "rlwe/keys.hpp"
#include "rlwe/params.hpp"

namespace fhecnn::ckks {

// c at level 0 -> the same ciphertext over q_0..q_target (centred lift of every coefficient);
// scale and slot count unchanged. Cost: 2 inverse NTTs and 2 (target + 1) forward NTTs.
// Throws InvalidArgument when c is not a relinearised level-0 ciphertext or target is outside
// [0, max level].
rlwe::Ciphertext mod_raise(const rlwe::Params& params, const rlwe::Ciphertext& c, Level target);

// The keys of sparse-secret encapsulation (server side: no secret inside).
struct EncapsulationKeys {
  rlwe::ParamsPtr level0;      // N, q_0 and special primes p_0, p_1 of the main set; sparse secret
  rlwe::SwitchingKey to_sparse;  // s -> s' over q_0 p_0 p_1 (level-0 params)
  rlwe::SwitchingKey to_dense;   // s' -> s over the main Q_L P (main params)
  int hamming_weight = 0;
};

// The level-0 parameter set derived from `params` for an ephemeral secret of weight h.
// Throws InvalidArgument when params has fewer than 2 special primes or the set fails its check.
rlwe::ParamsPtr encapsulation_params(const rlwe::Params& params, int hamming_weight);

// Client side: draws the ephemeral sparse secret (CSPRNG) and both switching keys; the sparse
// secret is not returned. to_dense is generated up to `top` (default: the top level).
EncapsulationKeys gen_encapsulation_keys(const rlwe::ParamsPtr& params, const rlwe::SecretKey& sk,
                                         int hamming_weight = 32);

// Server side: c (level 0, under s) -> the raised ciphertext at `keys.to_dense.max_level`
// under s again, decrypting to m + q_0 * I with |I| small. Cost: one tiny key switch at level 0,
// ModRaise, one key switch at the top level.
rlwe::Ciphertext encapsulated_mod_raise(const rlwe::ParamsPtr& params, const EncapsulationKeys& keys,
                                        const rlwe::Ciphertext& c);

}  // namespace fhecnn::ckks
