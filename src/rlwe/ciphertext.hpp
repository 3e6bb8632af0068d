// Plaintexts and ciphertexts over q_0..q_level in NTT form, with exact scale and slot count.
#pragma once

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

}  // namespace fhecnn::rlwe
