#include "rlwe/keys.hpp"

#include "common/error.hpp"

namespace fhecnn::rlwe {

void expand_key_a_limb(const ring::RingContext& ring, const ring::Seed& seed, std::size_t digit,
                       ring::PrimeIndex prime, ring::u64* out) {
  ring::Seed s = seed;
  s[29] ^= 0xA5;  // domain separation from the public key's a
  s[30] ^= static_cast<std::uint8_t>(digit);
  s[31] ^= static_cast<std::uint8_t>(digit >> 8);
  s[27] ^= static_cast<std::uint8_t>(prime);
  s[28] ^= static_cast<std::uint8_t>(prime >> 8);
  ring::expand_uniform(s, ring.modulus(prime).value, out, ring.n());
}

std::size_t SwitchingKey::bytes() const {
  std::size_t total = 0;
  for (const auto& p : b) total += p.data().size() * sizeof(ring::u64);
  for (const auto& p : a) total += p.data().size() * sizeof(ring::u64);
  return total;
}

const SwitchingKey& EvaluationKeys::relin_key() const {
  require(relin_.has_value(), "relinearize", "the key set has no relinearization key");
  return *relin_;
}

const SwitchingKey& EvaluationKeys::galois_key(GaloisElement g) const {
  auto it = galois_.find(g.value);
  require(it != galois_.end(), "rotate", "the key set has no Galois key for ", g);
  return it->second;
}

bool EvaluationKeys::has_galois_key(GaloisElement g) const { return galois_.count(g.value) > 0; }

std::size_t EvaluationKeys::bytes() const {
  std::size_t total = relin_ ? relin_->bytes() : 0;
  for (const auto& [g, k] : galois_) total += k.bytes();
  return total;
}

}  // namespace fhecnn::rlwe
