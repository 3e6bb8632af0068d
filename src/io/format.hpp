// The container shared by every fhecnn binary format (version 4), and the tight residue packing
// used inside it. serialize.hpp is the public API; this header is exposed for tools and tests
// that need to look inside a blob.
//
// Every blob, little endian:
//
//   offset  size  field
//        0     4  magic "FHCK"
//        4     1  object type (ObjectType: 'P', 'S', 'K', 'W', 'E', 'C', 'T', 'X', 'B')
//        5     4  format version (u32, kFormatVersion)
//        9     8  parameter fingerprint (u64, rlwe::Params::fingerprint())
//       17     8  payload length L (u64)
//       25     L  payload (per object type, see serialize.hpp)
//   25 + L    32  SHA-256 of bytes [0, 25 + L)
//
// Reading checks, in this order: magic and type, version, length (truncated / trailing bytes),
// checksum, then the fingerprint, so a corrupted fingerprint reads as corruption and an intact
// file from other parameters reads as a fingerprint mismatch.
//
// Polynomials are written as one byte (1 = NTT form, 0 = coefficient form) followed by each limb
// bit-packed: N residues of ceil(log2 q_i) bits each (bit width of q_i - 1), least significant
// bit first, so a limb takes N * bits / 8 bytes (N >= 16 keeps it byte aligned). The prime basis
// is never stored: each object's payload fixes it from the level and the parameters.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/bytes.hpp"
#include "ring/context.hpp"
#include "ring/poly.hpp"

namespace fhecnn::io {

using Bytes = std::vector<std::uint8_t>;

// The fifth magic byte: which object a blob holds.
enum class ObjectType : std::uint8_t {
  params = 'P',
  secret_key = 'S',
  public_key = 'K',
  switching_key = 'W',
  evaluation_keys = 'E',
  ciphertext = 'C',
  plaintext = 'T',
  encapsulation_keys = 'X',  // bundle.hpp
  evaluation_bundle = 'B',   // bundle.hpp
};

inline constexpr char kMagic[4] = {'F', 'H', 'C', 'K'};
// 2: key a_j expanded per (digit, prime); 3: Galois keys in output form (rlwe/keygen.hpp);
// 4: switching keys over Params::key_basis (fewer special primes at low levels)
inline constexpr std::uint32_t kFormatVersion = 4;
inline constexpr std::size_t kHeaderBytes = 25;
inline constexpr std::size_t kChecksumBytes = 32;
inline constexpr std::size_t kLengthOffset = 17;

// "ciphertext", "evaluation keys", ...; nullptr for a byte that names no type.
const char* object_name(std::uint8_t type);
inline const char* object_name(ObjectType type) { return object_name(static_cast<std::uint8_t>(type)); }

// Starts a blob: writes the header with a zero length; finish_blob patches it.
ByteWriter begin_blob(ObjectType type, std::uint64_t fingerprint);
// Patches the payload length and appends the checksum.
Bytes finish_blob(ByteWriter&& w);

// What a header says, without checking the fingerprint against any parameters.
struct BlobInfo {
  ObjectType type;
  std::uint32_t version = 0;
  std::uint64_t fingerprint = 0;
  std::span<const std::uint8_t> payload;
};

// Checks magic, type == expected, version, length and checksum. `what` names the input in
// errors ("ciphertext", "ciphertext from ct.bin"). Throws FormatError naming the failed check.
BlobInfo open_blob(std::span<const std::uint8_t> blob, ObjectType expected, const std::string& what);
// Throws FormatError unless info.fingerprint == expected.
void check_fingerprint(const BlobInfo& info, std::uint64_t expected, const std::string& what);

// "0x" and 16 hex digits.
std::string format_fingerprint(std::uint64_t v);

// SHA-256 of `data` (OpenSSL). Throws Error if OpenSSL fails.
std::array<std::uint8_t, 32> sha256(std::span<const std::uint8_t> data);

// Bits stored per residue modulo q: ceil(log2 q) = bit width of q - 1.
int residue_bits(std::uint64_t q);
// Packed size of one limb of n residues modulo q.
std::size_t packed_limb_bytes(std::size_t n, std::uint64_t q);

// Writes `poly` (NTT flag + packed limbs). Throws InvalidArgument ("cannot write <what>: ...")
// unless poly's basis is `basis` and every residue is reduced below its prime.
void write_poly(ByteWriter& w, const ring::RingContext& ring, const ring::RnsPoly& poly,
                const ring::Basis& basis, const std::string& what, const std::string& label);
// Reads a polynomial over `basis`. Throws FormatError for a bad NTT flag, truncation, or a
// residue >= its prime (corruption).
ring::RnsPoly read_poly(ByteReader& r, const ring::RingContext& ring, const ring::Basis& basis,
                        const std::string& label);

}  // namespace fhecnn::io
