// Randomness. Every secret, error and mask comes from OpenSSL's CSPRNG (RAND_bytes). Public
// uniform polynomials may instead be expanded from a 32-byte seed with AES-256-CTR, so keys and
// ciphertexts can store the seed instead of the polynomial.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "ring/poly.hpp"

namespace fhecnn::ring {

using Seed = std::array<std::uint8_t, 32>;

// Byte source: either the system CSPRNG or a deterministic AES-256-CTR stream from a seed.
class RandomSource {
 public:
  // System CSPRNG (OpenSSL RAND_bytes). Throws Error if OpenSSL reports a failure.
  RandomSource();
  // Deterministic expansion of `seed` (for public uniform polynomials only).
  explicit RandomSource(const Seed& seed);
  ~RandomSource();
  RandomSource(const RandomSource&) = delete;
  RandomSource& operator=(const RandomSource&) = delete;

  void fill(void* out, std::size_t bytes);
  std::uint64_t next_u64();
  // Uniform in [0, bound) by rejection.
  std::uint64_t uniform(std::uint64_t bound);
  // Uniform double in [0, 1) with 53 random bits.
  double uniform_real();

 private:
  void refill();
  void* cipher_ = nullptr;  // EVP_CIPHER_CTX* when seeded
  std::vector<std::uint8_t> buf_;
  std::size_t pos_ = 0;
};

// A fresh 32-byte seed from the CSPRNG.
Seed random_seed();

// Uniform residues mod q in out[0..n) from the AES-256-CTR stream of `seed` (IV 0), by
// rejection of the low bit_width(q) bits of consecutive 64-bit words: the same values as n calls
// of RandomSource(seed).uniform(q), generated in bulk (about 1 ns per value).
void expand_uniform(const Seed& seed, u64 q, u64* out, std::size_t n);

// Uniform residues in every limb of `basis` (the result is uniform in NTT form as well, and is
// flagged as NTT form).
RnsPoly sample_uniform(const RingContext& ctx, const Basis& basis, RandomSource& rng);

// Signed coefficient samplers (length n).
// Uniform ternary: each coefficient -1, 0, 1 with probability 1/3.
std::vector<std::int64_t> sample_ternary(std::size_t n, RandomSource& rng);
// Exactly h non-zero coefficients at uniformly random distinct positions, each +-1.
std::vector<std::int64_t> sample_sparse_ternary(std::size_t n, std::size_t h, RandomSource& rng);
// Rounded Gaussian with standard deviation sigma, rejected beyond 6 sigma.
std::vector<std::int64_t> sample_gaussian(std::size_t n, double sigma, RandomSource& rng);

}  // namespace fhecnn::ring
