// Key material. The secret key stays with the client: server-side code only ever sees
// EvaluationKeys (through KeyProvider), public keys and ciphertexts.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "common/types.hpp"
#include "ring/poly.hpp"
#include "ring/sampler.hpp"

namespace fhecnn::rlwe {

struct SecretKey {
  ring::RnsPoly s;  // over q_0..q_L, p_0..p_{K-1}, NTT form
};

struct PublicKey {
  ring::RnsPoly b, a;  // b = -a s + e over q_0..q_L, NTT form; a expanded from `seed`
  ring::Seed seed{};
};

// Hybrid key-switching key from s' to s: for digit j,
// (b_j, a_j) = (-a_j s + e_j + P * [s' on digit j's primes], a_j) over q_0..q_max, P.
// Generated only up to `max_level`: it serves ciphertexts at that level and below.
//
// Compressed keys: a_j is public and uniform, expanded from `seed` one limb at a time
// (expand_key_a_limb), so a key may drop its a_j (compress()) and have them re-expanded limb by
// limb where they are used (rlwe::KeySwitcher): half the memory for about 10-15 % more time per
// key switch (one AES-CTR stream per digit and limb).
struct SwitchingKey {
  Level max_level;
  std::vector<ring::RnsPoly> b, a;  // one pair per digit, NTT form; a empty when compressed
  ring::Seed seed{};                // a_j are expanded from (seed, j, prime)
  std::size_t digits() const { return b.size(); }
  std::size_t bytes() const;        // in-memory size of the polynomials
  bool compressed() const { return a.empty() && !b.empty(); }
  // Drops a (precondition: a is the expansion of seed, as for every key KeyGenerator makes).
  void compress() {
    a.clear();
    a.shrink_to_fit();
  }
};

// Limb `prime` (a prime index of the ring, NTT form) of a switching key's a_j: uniform residues
// from the AES-CTR stream of (seed, digit j, prime). KeyGenerator, io and KeySwitcher all expand
// through this function.
void expand_key_a_limb(const ring::RingContext& ring, const ring::Seed& seed, std::size_t digit,
                       ring::PrimeIndex prime, ring::u64* out);

// Lookup interface for evaluation keys, so key sets can be generated, loaded lazily, kept at
// the level where they are used, or evicted. Missing keys throw InvalidArgument naming them.
class KeyProvider {
 public:
  virtual ~KeyProvider() = default;
  virtual const SwitchingKey& relin_key() const = 0;
  virtual const SwitchingKey& galois_key(GaloisElement g) const = 0;
  virtual bool has_galois_key(GaloisElement g) const = 0;
};

// The plain in-memory key set.
class EvaluationKeys : public KeyProvider {
 public:
  const SwitchingKey& relin_key() const override;
  const SwitchingKey& galois_key(GaloisElement g) const override;
  bool has_galois_key(GaloisElement g) const override;
  bool has_relin_key() const { return relin_.has_value(); }

  void set_relin_key(SwitchingKey k) { relin_ = std::move(k); }
  void add_galois_key(GaloisElement g, SwitchingKey k) { galois_[g.value] = std::move(k); }
  const std::map<std::uint64_t, SwitchingKey>& galois_keys() const { return galois_; }
  std::size_t bytes() const;

 private:
  std::optional<SwitchingKey> relin_;
  std::map<std::uint64_t, SwitchingKey> galois_;
};

}  // namespace fhecnn::rlwe
