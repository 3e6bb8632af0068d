#include "io/format.hpp"

#include <openssl/evp.h>

#include <bit>
#include <cctype>
#include <cstring>
#include <iomanip>
#include <sstream>

#include "common/error.hpp"

namespace fhecnn::io {

namespace {

using u128 = unsigned __int128;

std::string hex_bytes(std::span<const std::uint8_t> b) {
  std::ostringstream os;
  for (auto x : b) os << std::hex << std::setw(2) << std::setfill('0') << static_cast<int>(x);
  return os.str();
}

// The first bytes of a blob as text, non-printable bytes as \xNN.
std::string show_magic(std::span<const std::uint8_t> blob) {
  std::string s = "'";
  for (std::size_t i = 0; i < std::min<std::size_t>(blob.size(), 4); ++i) {
    const auto c = blob[i];
    if (std::isprint(c) && c != '\\' && c != '\'') {
      s += static_cast<char>(c);
    } else {
      std::ostringstream os;
      os << "\\x" << std::hex << std::setw(2) << std::setfill('0') << static_cast<int>(c);
      s += os.str();
    }
  }
  return s + "'";
}

template <typename T>
T load_le(const std::uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// n residues of `bits` bits each, least significant bit first, into n * bits / 8 bytes.
void pack_limb(const std::uint64_t* x, std::size_t n, int bits, std::uint8_t* out) {
  u128 acc = 0;
  int have = 0;
  for (std::size_t k = 0; k < n; ++k) {
    acc |= static_cast<u128>(x[k]) << have;
    have += bits;
    if (have >= 64) {
      const auto lo = static_cast<std::uint64_t>(acc);
      std::memcpy(out, &lo, sizeof lo);
      out += sizeof lo;
      acc >>= 64;
      have -= 64;
    }
  }
  for (; have > 0; have -= 8) {
    *out++ = static_cast<std::uint8_t>(acc);
    acc >>= 8;
  }
}

// Inverse of pack_limb; `in` holds exactly n * bits / 8 bytes.
void unpack_limb(const std::uint8_t* in, std::size_t bytes, std::size_t n, int bits,
                 std::uint64_t* x) {
  const std::uint64_t mask = bits == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << bits) - 1;
  u128 acc = 0;
  int have = 0;
  std::size_t pos = 0;
  for (std::size_t k = 0; k < n; ++k) {
    while (have < bits) {
      if (pos + 8 <= bytes) {
        acc |= static_cast<u128>(load_le<std::uint64_t>(in + pos)) << have;
        pos += 8;
        have += 64;
      } else {
        acc |= static_cast<u128>(in[pos++]) << have;
        have += 8;
      }
    }
    x[k] = static_cast<std::uint64_t>(acc) & mask;
    acc >>= bits;
    have -= bits;
  }
}

void check_header_start(std::span<const std::uint8_t> blob, ObjectType expected,
                        const std::string& op) {
  const char* name = object_name(expected);
  require<FormatError>(!blob.empty(), op, "the input is empty");
  const std::size_t m = std::min<std::size_t>(blob.size(), sizeof kMagic);
  require<FormatError>(std::memcmp(blob.data(), kMagic, m) == 0, op, "bad magic ",
                       show_magic(blob), " (not an fhecnn ", name, " file?)");
  require<FormatError>(blob.size() >= kHeaderBytes, op, "truncated: the header needs ",
                       kHeaderBytes, " bytes, the input has ", blob.size());
  const std::uint8_t type = blob[4];
  if (type != static_cast<std::uint8_t>(expected)) {
    const char* found = object_name(type);
    if (found != nullptr) {
      fail<FormatError>(op, "bad magic: this is an fhecnn ", found, " file, expected ", name);
    }
    fail<FormatError>(op, "bad magic: unknown object type byte ", show_magic(blob.subspan(4, 1)),
                      " (not an fhecnn ", name, " file?)");
  }
}

}  // namespace

const char* object_name(std::uint8_t type) {
  switch (static_cast<ObjectType>(type)) {
    case ObjectType::params: return "parameters";
    case ObjectType::secret_key: return "secret key";
    case ObjectType::public_key: return "public key";
    case ObjectType::switching_key: return "switching key";
    case ObjectType::evaluation_keys: return "evaluation keys";
    case ObjectType::ciphertext: return "ciphertext";
    case ObjectType::plaintext: return "plaintext";
    case ObjectType::encapsulation_keys: return "encapsulation keys";
    case ObjectType::evaluation_bundle: return "evaluation bundle";
  }
  return nullptr;
}

std::array<std::uint8_t, 32> sha256(std::span<const std::uint8_t> data) {
  std::array<std::uint8_t, 32> md{};
  unsigned int len = 0;
  require<Error>(EVP_Digest(data.data(), data.size(), md.data(), &len, EVP_sha256(), nullptr) == 1 &&
                     len == md.size(),
                 "compute checksum", "OpenSSL SHA-256 failed");
  return md;
}

ByteWriter begin_blob(ObjectType type, std::uint64_t fingerprint) {
  ByteWriter w;
  for (char c : kMagic) w.u8(static_cast<std::uint8_t>(c));
  w.u8(static_cast<std::uint8_t>(type));
  w.u32(kFormatVersion);
  w.u64(fingerprint);
  w.u64(0);  // payload length, patched by finish_blob
  return w;
}

Bytes finish_blob(ByteWriter&& w) {
  Bytes out = w.take();
  const std::uint64_t length = out.size() - kHeaderBytes;
  std::memcpy(out.data() + kLengthOffset, &length, sizeof length);
  const auto sum = sha256(out);
  out.insert(out.end(), sum.begin(), sum.end());
  return out;
}

BlobInfo open_blob(std::span<const std::uint8_t> blob, ObjectType expected, const std::string& what) {
  const std::string op = "read " + what;
  check_header_start(blob, expected, op);
  BlobInfo info;
  info.type = expected;
  info.version = load_le<std::uint32_t>(blob.data() + 5);
  require<FormatError>(info.version == kFormatVersion, op, "unsupported format version ",
                       info.version, ", this build reads ", kFormatVersion);
  info.fingerprint = load_le<std::uint64_t>(blob.data() + 9);
  const std::uint64_t length = load_le<std::uint64_t>(blob.data() + kLengthOffset);
  const std::size_t after = blob.size() - kHeaderBytes;
  require<FormatError>(after >= kChecksumBytes && length <= after - kChecksumBytes, op,
                       "truncated: the header announces ", length, " payload bytes and a ",
                       kChecksumBytes, "-byte checksum, only ", after, " bytes follow it");
  require<FormatError>(length == after - kChecksumBytes, op, after - kChecksumBytes - length,
                       " trailing bytes after the end of the data");
  const std::size_t body = kHeaderBytes + static_cast<std::size_t>(length);
  const auto sum = sha256(blob.first(body));
  const auto stored = blob.subspan(body, kChecksumBytes);
  require<FormatError>(std::memcmp(sum.data(), stored.data(), kChecksumBytes) == 0, op,
                       "checksum mismatch (stored SHA-256 ", hex_bytes(stored.first(8)),
                       "..., computed ", hex_bytes(std::span(sum).first(8)),
                       "...): the data is corrupted");
  info.payload = blob.subspan(kHeaderBytes, static_cast<std::size_t>(length));
  return info;
}

void check_fingerprint(const BlobInfo& info, std::uint64_t expected, const std::string& what) {
  require<FormatError>(info.fingerprint == expected, "read " + what, "parameter fingerprint ",
                       format_fingerprint(info.fingerprint), " does not match ", format_fingerprint(expected),
                       ": the file was made with other parameters");
}

std::string format_fingerprint(std::uint64_t v) {
  std::ostringstream os;
  os << "0x" << std::hex << std::setw(16) << std::setfill('0') << v;
  return os.str();
}

int residue_bits(std::uint64_t q) { return std::bit_width(q - 1); }

std::size_t packed_limb_bytes(std::size_t n, std::uint64_t q) {
  return (n * static_cast<std::size_t>(residue_bits(q)) + 7) / 8;
}

void write_poly(ByteWriter& w, const ring::RingContext& ring, const ring::RnsPoly& poly,
                const ring::Basis& basis, const std::string& what, const std::string& label) {
  const std::string op = "write " + what;
  const std::size_t n = ring.n();
  require(poly.basis() == basis, op, label, " has ", poly.limbs(),
          " limbs over other primes than the ", basis.size(), " its level calls for");
  require(poly.n() == n && poly.data().size() == n * basis.size(), op, label, " has degree ",
          poly.n(), " and ", poly.data().size(), " residues, expected degree ", n);
  w.u8(poly.is_ntt() ? 1 : 0);
  std::vector<std::uint8_t> buf;
  for (std::size_t i = 0; i < basis.size(); ++i) {
    const std::uint64_t q = ring.modulus(basis[i]).value;
    const std::uint64_t* x = poly.limb(i);
    for (std::size_t k = 0; k < n; ++k) {
      if (x[k] >= q) {
        fail(op, label, " limb ", i, " coefficient ", k, " holds ", x[k],
             ", not reduced modulo q = ", q);
      }
    }
    buf.resize(packed_limb_bytes(n, q));
    pack_limb(x, n, residue_bits(q), buf.data());
    w.bytes(buf.data(), buf.size());
  }
}

ring::RnsPoly read_poly(ByteReader& r, const ring::RingContext& ring, const ring::Basis& basis,
                        const std::string& label) {
  const std::string op = "read " + r.what();
  const std::uint8_t ntt = r.u8();
  require<FormatError>(ntt <= 1, op, label, " has NTT flag ", static_cast<int>(ntt),
                       ", expected 0 or 1");
  const std::size_t n = ring.n();
  ring::RnsPoly poly(n, basis, ntt == 1);
  std::vector<std::uint8_t> buf;
  for (std::size_t i = 0; i < basis.size(); ++i) {
    const std::uint64_t q = ring.modulus(basis[i]).value;
    buf.resize(packed_limb_bytes(n, q));
    r.bytes(buf.data(), buf.size());
    std::uint64_t* x = poly.limb(i);
    unpack_limb(buf.data(), buf.size(), n, residue_bits(q), x);
    for (std::size_t k = 0; k < n; ++k) {
      if (x[k] >= q) {
        fail<FormatError>(op, label, " limb ", i, " coefficient ", k, " is ", x[k],
                          " >= q = ", q, " (corrupted)");
      }
    }
  }
  return poly;
}

}  // namespace fhecnn::io
