// Plaintexts and ciphertexts over q_0..q_level in NTT form, with exact scale and slot count.
#pragma once

#include <array>
#include <vector>

#include "common/types.hpp"
#include "ring/poly.hpp"

namespace fhecnn::rlwe {

struct Plaintext {
  ring::RnsPoly poly;     // over q_0..q_level, NTT form
  Scale scale;
  std::size_t slots = 0;  // number of complex slots encoded (power of two, <= N/2)
  Level level() const { return Level{static_cast<int>(poly.limbs()) - 1}; }
};

struct Ciphertext {
  std::vector<ring::RnsPoly> parts;  // (c0, c1) or (c0, c1, c2) before relinearization
  Scale scale;
  std::size_t slots = 0;
  Level level() const { return Level{static_cast<int>(parts.at(0).limbs()) - 1}; }
  std::size_t size() const { return parts.size(); }
};

// P times a ciphertext, over Q_l P_k (its last `specials` = k limbs are the special primes
// p_0..p_{k-1}), before the ModDown that divides by P: what a key switch's inner product yields.
// Sums and rotations of these defer their ModDowns (double hoisting across operations);
// Evaluator::mod_down turns one back into a Ciphertext. Decrypts, with the secret over Q_l P_k,
// to P m + small. k = 0 means P = 1 (the parts are then a plain ciphertext's).
struct ExtendedCiphertext {
  std::array<ring::RnsPoly, 2> parts;
  std::size_t specials = 0;
  Scale scale;
  std::size_t slots = 0;
  Level level() const { return Level{static_cast<int>(parts[0].limbs() - specials) - 1}; }
};

}  // namespace fhecnn::rlwe
