// Key generation (client side: it needs the secret key).
#pragma once

#include <optional>
#include <vector>

#include "rlwe/keys.hpp"
#include "rlwe/params.hpp"

namespace fhecnn::rlwe {

class KeyGenerator {
 public:
  explicit KeyGenerator(ParamsPtr params);

  // Secret from the distribution the parameters name, all randomness from the CSPRNG.
  SecretKey gen_secret_key() const;
  PublicKey gen_public_key(const SecretKey& sk) const;
  // Relinearization key (s^2 -> s), up to `max_level` (default: top).
  SwitchingKey gen_relin_key(const SecretKey& sk, std::optional<Level> max_level = {}) const;
  // Galois key for X -> X^g, up to `max_level`, in output form: it switches s to
  // sigma_g^-1(s), and the key switcher applies sigma_g to its outputs (keyswitch.hpp).
  SwitchingKey gen_galois_key(const SecretKey& sk, GaloisElement g,
                              std::optional<Level> max_level = {}) const;
  // Galois keys for rotations by `steps` on `slots`-slot ciphertexts (duplicates skipped).
  void add_rotation_keys(EvaluationKeys& keys, const SecretKey& sk,
                         const std::vector<int>& steps, std::size_t slots,
                         std::optional<Level> max_level = {}) const;
  void add_conjugation_key(EvaluationKeys& keys, const SecretKey& sk,
                           std::optional<Level> max_level = {}) const;

  // Switching key from `s_from` (over Q_L P, NTT form) to sk.
  SwitchingKey gen_switching_key(const SecretKey& sk, const ring::RnsPoly& s_from,
                                 Level max_level) const;

 private:
  SwitchingKey gen_switching_key_to(const ring::RnsPoly& s_to, const ring::RnsPoly& s_from,
                                    Level max_level) const;
  Level resolve(std::optional<Level> l) const;
  ParamsPtr params_;
};

// The uniform a_j of a switching key, expanded from its seed (same function in io).
ring::RnsPoly expand_key_a(const Params& params, const ring::Seed& seed, std::size_t digit,
                           Level max_level);

}  // namespace fhecnn::rlwe
