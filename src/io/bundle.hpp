// Formats for what a bootstrapping server holds (format version 4, the container of format.hpp):
// the encapsulation keys of sparse-secret bootstrapping, and the evaluation bundle: everything a
// server needs for one compiled network, in one file, bound to the plan it was generated for.
//
// Payloads, little endian:
//
//   encapsulation keys 'X'   hamming weight i32, level-0 parameter fingerprint u64
//                            (ckks::encapsulation_params(params, h)), to-sparse switching-key
//                            payload over the level-0 parameters, to-dense switching-key payload
//                            over the main parameters (the 'W' layout of serialize.hpp)
//   evaluation bundle 'B'    plan fingerprint u64 (opaque, chosen by the caller), has
//                            encapsulation u8, [encapsulation-keys payload], evaluation-keys
//                            payload ('E' layout: relinearization key and Galois keys)
//
// The header carries the main parameters' fingerprint. Readers check the container (magic, type,
// version, length, checksum), the fingerprint, then every field (serialize.hpp), the hamming
// weight (1..N) and that the level-0 parameters it derives regenerate the stored fingerprint;
// they throw FormatError "cannot read evaluation bundle from F: ...". The plan fingerprint is
// only returned: the caller compares it with its own (peek_evaluation_bundle reads it without
// loading the keys). Nothing here can hold a secret key: the bundle is written from
// rlwe::EvaluationKeys and ckks::EncapsulationKeys, which have none.
//
// Memory: save_evaluation_bundle streams the file key by key (one serialized key in memory at a
// time, the checksum computed by reading the file back); load_evaluation_bundle maps the file
// and releases the pages it has parsed, so loading holds the keys plus a few MiB, not a second
// copy of the file.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>

#include "ckks/modraise.hpp"
#include "io/serialize.hpp"
#include "rlwe/keys.hpp"
#include "rlwe/params.hpp"

namespace fhecnn::io {

// --- encapsulation keys ---
// Throws InvalidArgument when keys.level0 is not encapsulation_params(params, hamming_weight) or
// a key does not fit its parameters.
Bytes write_encapsulation_keys(const ckks::EncapsulationKeys& keys, const rlwe::Params& params,
                               WriteOptions opts = {});
// `params` is the main parameter set (a shared pointer: the result refers to the level-0 set).
ckks::EncapsulationKeys read_encapsulation_keys(std::span<const std::uint8_t> blob,
                                                const rlwe::Params& params);
void save_encapsulation_keys(const std::string& path, const ckks::EncapsulationKeys& keys,
                             const rlwe::Params& params, WriteOptions opts = {});
ckks::EncapsulationKeys load_encapsulation_keys(const std::string& path,
                                                const rlwe::Params& params);

// --- evaluation bundle ---
struct EvaluationBundle {
  std::uint64_t plan_fingerprint = 0;
  rlwe::EvaluationKeys eval;
  std::optional<ckks::EncapsulationKeys> encapsulation;
};

// Called after each key written or read with the fraction of the work done (keys written, bytes
// parsed), in (0, 1].
using KeyProgress = std::function<void(double fraction)>;

// `encapsulation` may be null. Throws InvalidArgument as write_evaluation_keys and
// write_encapsulation_keys do.
Bytes write_evaluation_bundle(std::uint64_t plan_fingerprint, const rlwe::EvaluationKeys& eval,
                              const ckks::EncapsulationKeys* encapsulation,
                              const rlwe::Params& params, WriteOptions opts = {});
EvaluationBundle read_evaluation_bundle(std::span<const std::uint8_t> blob,
                                        const rlwe::Params& params);

// Streams the bundle to PATH.tmp, then renames it to PATH (mode 0644). Throws FormatError
// "cannot write PATH: why" on I/O errors (PATH.tmp removed) and what write_evaluation_bundle
// throws.
void save_evaluation_bundle(const std::string& path, std::uint64_t plan_fingerprint,
                            const rlwe::EvaluationKeys& eval,
                            const ckks::EncapsulationKeys* encapsulation,
                            const rlwe::Params& params, WriteOptions opts = {},
                            const KeyProgress& progress = {});
EvaluationBundle load_evaluation_bundle(const std::string& path, const rlwe::Params& params,
                                        const KeyProgress& progress = {});

// What the first 33 bytes of a bundle file say, with its size checked against the announced
// length (so a truncated or extended file is refused at once); the checksum is not verified
// (load_evaluation_bundle does that).
struct BundleHeader {
  std::uint64_t params_fingerprint = 0;
  std::uint64_t plan_fingerprint = 0;
  std::uint64_t file_bytes = 0;
};
// Throws FormatError "cannot read evaluation bundle from PATH: ..." (no such file, bad magic or
// type, version, truncated, trailing bytes).
BundleHeader peek_evaluation_bundle(const std::string& path);

}  // namespace fhecnn::io
