// Shared CKKS test environment: parameters, keys and helpers built once per parameter set.
#pragma once

#include <complex>
#include <memory>
#include <random>
#include <vector>

#include "ckks/encoder.hpp"
#include "ckks/evaluator.hpp"
#include "ckks/precision.hpp"
#include "ckks/presets.hpp"
#include "rlwe/encryptor.hpp"
#include "rlwe/keygen.hpp"

namespace fhecnn::testing {

struct CkksEnv {
  rlwe::ParamsPtr params;
  rlwe::SecretKey sk;
  rlwe::PublicKey pk;
  rlwe::EvaluationKeys keys;
  std::unique_ptr<ckks::Encoder> encoder;
  std::unique_ptr<rlwe::Encryptor> encryptor;
  std::unique_ptr<rlwe::Decryptor> decryptor;
  std::unique_ptr<ckks::Evaluator> eval;

  explicit CkksEnv(const rlwe::ParamsLiteral& lit, std::vector<int> rotations = {},
                   bool conjugation = true) {
    params = rlwe::Params::create(lit);
    rlwe::KeyGenerator kg(params);
    sk = kg.gen_secret_key();
    pk = kg.gen_public_key(sk);
    keys.set_relin_key(kg.gen_relin_key(sk));
    kg.add_rotation_keys(keys, sk, rotations, params->max_slots());
    if (conjugation) kg.add_conjugation_key(keys, sk);
    encoder = std::make_unique<ckks::Encoder>(params);
    encryptor = std::make_unique<rlwe::Encryptor>(params, pk);
    decryptor = std::make_unique<rlwe::Decryptor>(params, sk);
    eval = std::make_unique<ckks::Evaluator>(params, &keys);
  }

  rlwe::Ciphertext encrypt(const std::vector<ckks::Complex>& v, std::size_t slots = 0) const {
    return encryptor->encrypt(
        encoder->encode(v, params->max_level(), params->default_scale(), slots ? slots : v.size()));
  }
  std::vector<ckks::Complex> decrypt(const rlwe::Ciphertext& ct) const {
    return encoder->decode(decryptor->decrypt(ct));
  }
};

inline std::vector<ckks::Complex> random_complex(std::size_t n, double bound, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> d(-bound, bound);
  std::vector<ckks::Complex> v(n);
  for (auto& x : v) x = {d(rng), d(rng)};
  return v;
}

inline std::vector<ckks::Complex> random_real(std::size_t n, double bound, unsigned seed) {
  auto v = random_complex(n, bound, seed);
  for (auto& x : v) x = {x.real(), 0};
  return v;
}

inline double min_bits(const std::vector<ckks::Complex>& expect,
                       const std::vector<ckks::Complex>& got) {
  return ckks::measure_precision(expect, got).min_bits;
}

}  // namespace fhecnn::testing
