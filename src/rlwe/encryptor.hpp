// Encryption (with the public key, or with the secret key on the client) and decryption.
#pragma once

#include <optional>

#include "rlwe/ciphertext.hpp"
#include "rlwe/keys.hpp"
#include "rlwe/params.hpp"

namespace fhecnn::rlwe {

class Encryptor {
 public:
  Encryptor(ParamsPtr params, const PublicKey& pk);
  Encryptor(ParamsPtr params, const SecretKey& sk);

  // Fresh encryption of `pt` at the plaintext's level and scale. Throws InvalidArgument when the
  // plaintext is not over q_0..q_l in NTT form.
  Ciphertext encrypt(const Plaintext& pt) const;
  // Encryption of zero at `level` with `scale`.
  Ciphertext encrypt_zero(Level level, Scale scale, std::size_t slots) const;

 private:
  ParamsPtr params_;
  const PublicKey* pk_ = nullptr;
  const SecretKey* sk_ = nullptr;
};

class Decryptor {
 public:
  Decryptor(ParamsPtr params, const SecretKey& sk);
  // c0 + c1 s (+ c2 s^2), as a plaintext at the ciphertext's level and scale.
  Plaintext decrypt(const Ciphertext& ct) const;

 private:
  ParamsPtr params_;
  const SecretKey& sk_;
};

}  // namespace fhecnn::rlwe
