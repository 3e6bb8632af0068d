// Versioned binary formats for parameters, keys, ciphertexts and plaintexts (format version 4).
//
// Every blob is the container of format.hpp: magic "FHCK" + a type byte, the format version, the
// parameter fingerprint, the payload length, the payload, and a SHA-256 of everything before it.
// Residues are bit-packed with ceil(log2 q_i) bits (format.hpp). Payloads, little endian:
//
//   parameters 'P'   name (u32 length + bytes), log_n i32, #q u32 + log_q i32 each, #p u32 +
//                    log_p i32 each, dnum i32, digit_bits i32, secret u8 (0 uniform ternary, 1 sparse), hamming
//                    weight i32, log_default_scale f64, sigma f64, allow_insecure u8
//   secret key 'S'   s over q_0..q_L, p_0..p_{K-1}
//   public key 'K'   level u32, encoding u8 (1 seeded, 0 full), seed 32 bytes, b over q_0..q_level,
//                    [a over q_0..q_level if full]
//   switching 'W'    max_level u32, digits u32, encoding u8, seed 32 bytes, then per digit j:
//                    b_j over q_0..q_max, P, [a_j if full]
//   eval keys 'E'    has_relin u8, [switching-key payload], count u32, count x (Galois element
//                    u64, switching-key payload), elements strictly increasing
//   ciphertext 'C'   level u32, parts u32 (2 or 3), scale f64, slots u64, parts over q_0..q_level
//   plaintext 'T'    level u32, scale f64, slots u64, poly over q_0..q_level
//   encapsulation keys 'X' and the evaluation bundle 'B': bundle.hpp
//
// Seeded encoding stores the 32-byte seed instead of the uniform polynomial a (public key: a =
// sample_uniform(q_0..q_level, RandomSource(seed)), as KeyGenerator draws it; switching keys:
// a_j = rlwe::expand_key_a(params, seed, j, max_level)), halving keys on disk. Writing a seeded
// key re-expands the seed to check that a really is its expansion (as costly as loading it).
//
// Readers check, and throw FormatError naming the failed check ("cannot read ciphertext: ..."):
// magic and object type, version, length (truncation, trailing bytes), checksum, parameter
// fingerprint, then every field against the parameters (levels within the chain, digit counts,
// slot counts a power of two <= N/2, finite positive scales, residues < their prime).
// Writers throw InvalidArgument when the object does not fit the parameters (wrong basis,
// unreduced residues, bad level or slot count). The evaluation-key bundle is built only from
// rlwe::EvaluationKeys, which holds switching keys and no secret key.
#pragma once

#include <span>
#include <string>

#include "io/format.hpp"
#include "rlwe/ciphertext.hpp"
#include "rlwe/keys.hpp"
#include "rlwe/params.hpp"

namespace fhecnn::io {

struct WriteOptions {
  // Keys store the seed of their uniform `a` polynomials instead of the polynomials.
  bool seeded = true;
};

// --- in memory ---
Bytes write_params(const rlwe::Params& params);
// Rebuilds the parameters from the stored literal and checks that they regenerate the stored
// fingerprint. Throws FormatError (an invalid literal included).
rlwe::ParamsPtr read_params(std::span<const std::uint8_t> blob);

Bytes write_secret_key(const rlwe::SecretKey& sk, const rlwe::Params& params);
rlwe::SecretKey read_secret_key(std::span<const std::uint8_t> blob, const rlwe::Params& params);

Bytes write_public_key(const rlwe::PublicKey& pk, const rlwe::Params& params, WriteOptions opts = {});
rlwe::PublicKey read_public_key(std::span<const std::uint8_t> blob, const rlwe::Params& params);

Bytes write_switching_key(const rlwe::SwitchingKey& key, const rlwe::Params& params,
                          WriteOptions opts = {});
rlwe::SwitchingKey read_switching_key(std::span<const std::uint8_t> blob, const rlwe::Params& params);

// The server's key bundle: relinearization key (if any) and every Galois key.
Bytes write_evaluation_keys(const rlwe::EvaluationKeys& keys, const rlwe::Params& params,
                            WriteOptions opts = {});
rlwe::EvaluationKeys read_evaluation_keys(std::span<const std::uint8_t> blob,
                                          const rlwe::Params& params);

Bytes write_ciphertext(const rlwe::Ciphertext& ct, const rlwe::Params& params);
rlwe::Ciphertext read_ciphertext(std::span<const std::uint8_t> blob, const rlwe::Params& params);

Bytes write_plaintext(const rlwe::Plaintext& pt, const rlwe::Params& params);
rlwe::Plaintext read_plaintext(std::span<const std::uint8_t> blob, const rlwe::Params& params);

// Header of any blob, checked (magic, version, length, checksum) but not against parameters.
// Throws FormatError.
BlobInfo inspect(std::span<const std::uint8_t> blob);

// --- files ---
// Whole-file helpers. Errors: FormatError "cannot read keys.bin: No such file or directory",
// "cannot write out/ct.bin: Permission denied". Saving writes PATH.tmp, then renames it.
Bytes read_file(const std::string& path);
// `owner_only` creates the file with mode 0600 (secret keys).
void write_file(const std::string& path, std::span<const std::uint8_t> data, bool owner_only = false);

void save_params(const std::string& path, const rlwe::Params& params);
rlwe::ParamsPtr load_params(const std::string& path);
// Written with mode 0600.
void save_secret_key(const std::string& path, const rlwe::SecretKey& sk, const rlwe::Params& params);
rlwe::SecretKey load_secret_key(const std::string& path, const rlwe::Params& params);
void save_public_key(const std::string& path, const rlwe::PublicKey& pk, const rlwe::Params& params,
                     WriteOptions opts = {});
rlwe::PublicKey load_public_key(const std::string& path, const rlwe::Params& params);
void save_switching_key(const std::string& path, const rlwe::SwitchingKey& key,
                        const rlwe::Params& params, WriteOptions opts = {});
rlwe::SwitchingKey load_switching_key(const std::string& path, const rlwe::Params& params);
void save_evaluation_keys(const std::string& path, const rlwe::EvaluationKeys& keys,
                          const rlwe::Params& params, WriteOptions opts = {});
rlwe::EvaluationKeys load_evaluation_keys(const std::string& path, const rlwe::Params& params);
void save_ciphertext(const std::string& path, const rlwe::Ciphertext& ct, const rlwe::Params& params);
rlwe::Ciphertext load_ciphertext(const std::string& path, const rlwe::Params& params);
void save_plaintext(const std::string& path, const rlwe::Plaintext& pt, const rlwe::Params& params);
rlwe::Plaintext load_plaintext(const std::string& path, const rlwe::Params& params);

}  // namespace fhecnn::io
