#include "io/serialize.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>

#include "common/error.hpp"
#include "io/key_payload.hpp"
#include "ring/sampler.hpp"
#include "rlwe/keygen.hpp"

namespace fhecnn::io {

namespace {

using ring::RnsPoly;
using rlwe::Params;

constexpr std::uint8_t kFull = 0;
constexpr std::uint8_t kSeeded = 1;

std::string name(ObjectType t) { return object_name(t); }
std::string from_file(ObjectType t, const std::string& path) { return name(t) + " from " + path; }

// ---- field checks shared by readers (FormatError) and writers (InvalidArgument) ----

bool valid_slots(std::uint64_t slots, const Params& params) {
  return slots >= 1 && slots <= params.max_slots() && (slots & (slots - 1)) == 0;
}

template <typename E>
void check_level(int level, const Params& params, const std::string& op, const std::string& field) {
  require<E>(level >= 0 && level <= params.max_level().value, op, field, " ", level,
             " is outside the chain [0, ", params.max_level().value, "]");
}

template <typename E>
void check_scale_slots(Scale scale, std::uint64_t slots, const Params& params, const std::string& op) {
  require<E>(std::isfinite(scale.value) && scale.value > 0, op, "scale ", scale.value,
             " is not a finite positive number");
  require<E>(valid_slots(slots, params), op, "slot count ", slots,
             " is not a power of two in [1, ", params.max_slots(), "]");
}

Level read_level(ByteReader& r, const Params& params, const std::string& field) {
  const std::uint32_t v = r.u32();
  const auto top = static_cast<std::uint32_t>(params.max_level().value);
  require<FormatError>(v <= top, "read " + r.what(), field, " ", v, " is outside the chain [0, ",
                       top, "]");
  return Level{static_cast<int>(v)};
}

RnsPoly read_ntt_poly(ByteReader& r, const Params& params, const ring::Basis& basis,
                      const std::string& label) {
  RnsPoly p = read_poly(r, params.ring(), basis, label);
  require<FormatError>(p.is_ntt(), "read " + r.what(), label, " is not in NTT form");
  return p;
}

void write_ntt_poly(ByteWriter& w, const Params& params, const RnsPoly& p, const ring::Basis& basis,
                    const std::string& what, const std::string& label) {
  require(p.is_ntt(), "write " + what, label, " is not in NTT form");
  write_poly(w, params.ring(), p, basis, what, label);
}

}  // namespace

// ---------------------------------------------------------------- payload pieces (key_payload.hpp)

namespace detail {

// Checks the container and the fingerprint; returns a reader over the payload.
ByteReader open_payload(std::span<const std::uint8_t> blob, ObjectType type, const Params& params,
                        const std::string& what) {
  const BlobInfo info = open_blob(blob, type, what);
  check_fingerprint(info, params.fingerprint(), what);
  return ByteReader(info.payload.data(), info.payload.size(), what);
}

void finish_read(const ByteReader& r) {
  require<FormatError>(r.remaining() == 0, "read " + r.what(), r.remaining(),
                       " bytes left over after the last field");
}

std::uint8_t read_flag(ByteReader& r, const std::string& field) {
  const std::uint8_t v = r.u8();
  require<FormatError>(v <= 1, "read " + r.what(), field, " is ", static_cast<int>(v),
                       ", expected 0 or 1");
  return v;
}

void put_switching_key(ByteWriter& w, const rlwe::SwitchingKey& key, const Params& params,
                       bool seeded, const std::string& what, const std::string& label) {
  const std::string op = "write " + what;
  const Level l = key.max_level;
  check_level<InvalidArgument>(l.value, params, op, label + " max level");
  const std::size_t digits = params.digits_at(l);
  require(key.b.size() == digits && (key.compressed() || key.a.size() == digits), op, label,
          " has ", key.b.size(), " b and ", key.a.size(), " a polynomials, ", l, " needs ",
          digits, " digits");
  require(seeded || !key.compressed(), op, label,
          " is compressed (no a polynomials): it can only be written seeded");
  const auto basis = params.key_basis(l);
  w.u32(static_cast<std::uint32_t>(l.value));
  w.u32(static_cast<std::uint32_t>(digits));
  w.u8(seeded ? kSeeded : kFull);
  w.bytes(key.seed.data(), key.seed.size());
  for (std::size_t j = 0; j < digits; ++j) {
    const std::string digit = label + " digit " + std::to_string(j);
    write_ntt_poly(w, params, key.b[j], basis, what, digit + " b");
    if (!seeded) {
      write_ntt_poly(w, params, key.a[j], basis, what, digit + " a");
    } else if (!key.compressed()) {
      require(key.a[j] == rlwe::expand_key_a(params, key.seed, j, l), op, digit,
              " a is not the expansion of the key's seed (write it with seeded = false)");
    }
  }
}

rlwe::SwitchingKey get_switching_key(ByteReader& r, const Params& params, const std::string& label) {
  const std::string op = "read " + r.what();
  rlwe::SwitchingKey key;
  key.max_level = read_level(r, params, label + " max level");
  const std::uint32_t digits = r.u32();
  const std::size_t expect = params.digits_at(key.max_level);
  require<FormatError>(digits == expect, op, label, " has ", digits, " digits, ", key.max_level,
                       " needs ", expect);
  const bool seeded = read_flag(r, label + " encoding") == kSeeded;
  r.bytes(key.seed.data(), key.seed.size());
  const auto basis = params.key_basis(key.max_level);
  for (std::size_t j = 0; j < expect; ++j) {
    const std::string digit = label + " digit " + std::to_string(j);
    key.b.push_back(read_ntt_poly(r, params, basis, digit + " b"));
    if (!seeded) key.a.push_back(read_ntt_poly(r, params, basis, digit + " a"));
  }
  return key;  // a seeded key stays compressed: a_j is expanded where it is used
}

void put_evaluation_keys(ByteWriter& w, const rlwe::EvaluationKeys& keys, const Params& params,
                         bool seeded, const std::string& what,
                         const std::function<void(ByteWriter&)>& flush) {
  w.u8(keys.has_relin_key() ? 1 : 0);
  if (keys.has_relin_key()) {
    put_switching_key(w, keys.relin_key(), params, seeded, what, "relinearization key");
    if (flush) flush(w);
  }
  w.u32(static_cast<std::uint32_t>(keys.galois_keys().size()));
  for (const auto& [g, key] : keys.galois_keys()) {
    require(g % 2 == 1 && g < 2 * params.n(), "write " + what, "Galois element ", g,
            " is not an odd number below 2N = ", 2 * params.n());
    w.u64(g);
    put_switching_key(w, key, params, seeded, what, "Galois key " + std::to_string(g));
    if (flush) flush(w);
  }
}

rlwe::EvaluationKeys get_evaluation_keys(ByteReader& r, const Params& params,
                                         const std::function<void()>& after_key) {
  const std::string op = "read " + r.what();
  rlwe::EvaluationKeys keys;
  if (read_flag(r, "relinearization key flag") == 1) {
    keys.set_relin_key(get_switching_key(r, params, "relinearization key"));
    if (after_key) after_key();
  }
  const std::uint32_t count = r.u32();
  require<FormatError>(count <= params.n(), op, "Galois key count ", count,
                       " exceeds the N = ", params.n(), " possible elements");
  std::uint64_t previous = 0;
  for (std::uint32_t i = 0; i < count; ++i) {
    const std::uint64_t g = r.u64();
    require<FormatError>(g % 2 == 1 && g < 2 * params.n(), op, "Galois element ", g,
                         " is not an odd number below 2N = ", 2 * params.n());
    require<FormatError>(g > previous, op, "Galois element ", g, " follows ", previous,
                         " (elements must be strictly increasing)");
    previous = g;
    keys.add_galois_key(GaloisElement{g},
                        get_switching_key(r, params, "Galois key " + std::to_string(g)));
    if (after_key) after_key();
  }
  return keys;
}

}  // namespace detail

namespace {

using detail::finish_read;
using detail::get_switching_key;
using detail::open_payload;
using detail::put_switching_key;
using detail::read_flag;

rlwe::SwitchingKey read_switching_key_impl(std::span<const std::uint8_t> blob, const Params& params,
                                           const std::string& what) {
  ByteReader r = open_payload(blob, ObjectType::switching_key, params, what);
  rlwe::SwitchingKey key = get_switching_key(r, params, "key");
  finish_read(r);
  return key;
}

// ---- parameters ----

constexpr std::uint32_t kMaxPrimes = 4096;

std::vector<int> read_bit_sizes(ByteReader& r, const std::string& field) {
  const std::uint32_t count = r.u32();
  require<FormatError>(count <= kMaxPrimes, "read " + r.what(), field, " count ", count,
                       " exceeds ", kMaxPrimes);
  std::vector<int> v(count);
  for (auto& b : v) b = r.i32();
  return v;
}

void write_bit_sizes(ByteWriter& w, const std::vector<int>& v) {
  w.u32(static_cast<std::uint32_t>(v.size()));
  for (int b : v) w.i32(b);
}

rlwe::ParamsLiteral read_literal(ByteReader& r) {
  rlwe::ParamsLiteral lit;
  lit.name = r.str(4096);
  lit.log_n = r.i32();
  lit.log_q = read_bit_sizes(r, "ciphertext prime");
  lit.log_p = read_bit_sizes(r, "special prime");
  lit.dnum = r.i32();
  lit.digit_bits = r.i32();
  lit.secret = read_flag(r, "secret distribution") == 1 ? rlwe::SecretDistribution::SparseTernary
                                                         : rlwe::SecretDistribution::UniformTernary;
  lit.hamming_weight = r.i32();
  lit.log_default_scale = r.f64();
  lit.sigma = r.f64();
  lit.allow_insecure = read_flag(r, "allow_insecure") == 1;
  finish_read(r);
  return lit;
}

rlwe::ParamsPtr read_params_impl(std::span<const std::uint8_t> blob, const std::string& what) {
  const BlobInfo info = open_blob(blob, ObjectType::params, what);
  ByteReader r(info.payload.data(), info.payload.size(), what);
  const rlwe::ParamsLiteral lit = read_literal(r);
  rlwe::ParamsPtr params;
  try {
    params = rlwe::Params::create(lit);
  } catch (const InvalidArgument& e) {
    fail<FormatError>("read " + what, "the stored literal is invalid (", e.what(), ")");
  }
  require<FormatError>(params->fingerprint() == info.fingerprint, "read " + what,
                       "the regenerated parameters have fingerprint ",
                       format_fingerprint(params->fingerprint()), ", the file was written with ",
                       format_fingerprint(info.fingerprint), " (other primes: another prime generator?)");
  return params;
}

// ---- secret and public keys ----

rlwe::SecretKey read_secret_key_impl(std::span<const std::uint8_t> blob, const Params& params,
                                     const std::string& what) {
  ByteReader r = open_payload(blob, ObjectType::secret_key, params, what);
  rlwe::SecretKey sk{read_ntt_poly(r, params, params.ring().qp_basis(params.max_level()), "s")};
  finish_read(r);
  return sk;
}

rlwe::PublicKey read_public_key_impl(std::span<const std::uint8_t> blob, const Params& params,
                                     const std::string& what) {
  ByteReader r = open_payload(blob, ObjectType::public_key, params, what);
  const Level level = read_level(r, params, "level");
  const bool seeded = read_flag(r, "encoding") == kSeeded;
  rlwe::PublicKey pk;
  r.bytes(pk.seed.data(), pk.seed.size());
  const auto basis = params.ring().q_basis(level);
  pk.b = read_ntt_poly(r, params, basis, "b");
  if (seeded) {
    ring::RandomSource rng(pk.seed);
    pk.a = ring::sample_uniform(params.ring(), basis, rng);
  } else {
    pk.a = read_ntt_poly(r, params, basis, "a");
  }
  finish_read(r);
  return pk;
}

// ---- evaluation keys ----

rlwe::EvaluationKeys read_evaluation_keys_impl(std::span<const std::uint8_t> blob,
                                               const Params& params, const std::string& what) {
  ByteReader r = open_payload(blob, ObjectType::evaluation_keys, params, what);
  rlwe::EvaluationKeys keys = detail::get_evaluation_keys(r, params);
  finish_read(r);
  return keys;
}

// ---- ciphertexts and plaintexts ----

rlwe::Ciphertext read_ciphertext_impl(std::span<const std::uint8_t> blob, const Params& params,
                                      const std::string& what) {
  ByteReader r = open_payload(blob, ObjectType::ciphertext, params, what);
  const std::string op = "read " + what;
  const Level level = read_level(r, params, "level");
  const std::uint32_t parts = r.u32();
  require<FormatError>(parts == 2 || parts == 3, op, "the ciphertext has ", parts,
                       " parts, expected 2 or 3");
  rlwe::Ciphertext ct;
  ct.scale = Scale{r.f64()};
  ct.slots = r.u64();
  check_scale_slots<FormatError>(ct.scale, ct.slots, params, op);
  const auto basis = params.ring().q_basis(level);
  for (std::uint32_t i = 0; i < parts; ++i) {
    ct.parts.push_back(read_poly(r, params.ring(), basis, "part " + std::to_string(i)));
    require<FormatError>(ct.parts[i].is_ntt() == ct.parts[0].is_ntt(), op, "part ", i,
                         " and part 0 disagree on NTT form");
  }
  finish_read(r);
  return ct;
}

rlwe::Plaintext read_plaintext_impl(std::span<const std::uint8_t> blob, const Params& params,
                                    const std::string& what) {
  ByteReader r = open_payload(blob, ObjectType::plaintext, params, what);
  const Level level = read_level(r, params, "level");
  rlwe::Plaintext pt;
  pt.scale = Scale{r.f64()};
  pt.slots = r.u64();
  check_scale_slots<FormatError>(pt.scale, pt.slots, params, "read " + what);
  pt.poly = read_poly(r, params.ring(), params.ring().q_basis(level), "polynomial");
  finish_read(r);
  return pt;
}

// ---- files ----

[[noreturn]] void fail_errno(const std::string& op, int err) {
  fail<FormatError>(op, std::strerror(err));
}

struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0) ::close(fd);
  }
};

void write_all(int fd, std::span<const std::uint8_t> data, const std::string& op) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t k = ::write(fd, data.data() + done, data.size() - done);
    if (k < 0) {
      if (errno == EINTR) continue;
      fail_errno(op, errno);
    }
    done += static_cast<std::size_t>(k);
  }
}

}  // namespace

// ---------------------------------------------------------------- in memory

Bytes write_params(const Params& params) {
  const auto& lit = params.literal();
  ByteWriter w = begin_blob(ObjectType::params, params.fingerprint());
  w.str(lit.name);
  w.i32(lit.log_n);
  write_bit_sizes(w, lit.log_q);
  write_bit_sizes(w, lit.log_p);
  w.i32(lit.dnum);
  w.i32(lit.digit_bits);
  w.u8(lit.secret == rlwe::SecretDistribution::SparseTernary ? 1 : 0);
  w.i32(lit.hamming_weight);
  w.f64(lit.log_default_scale);
  w.f64(lit.sigma);
  w.u8(lit.allow_insecure ? 1 : 0);
  return finish_blob(std::move(w));
}

rlwe::ParamsPtr read_params(std::span<const std::uint8_t> blob) {
  return read_params_impl(blob, name(ObjectType::params));
}

Bytes write_secret_key(const rlwe::SecretKey& sk, const Params& params) {
  ByteWriter w = begin_blob(ObjectType::secret_key, params.fingerprint());
  write_ntt_poly(w, params, sk.s, params.ring().qp_basis(params.max_level()), "secret key", "s");
  return finish_blob(std::move(w));
}

rlwe::SecretKey read_secret_key(std::span<const std::uint8_t> blob, const Params& params) {
  return read_secret_key_impl(blob, params, name(ObjectType::secret_key));
}

Bytes write_public_key(const rlwe::PublicKey& pk, const Params& params, WriteOptions opts) {
  const std::string what = "public key", op = "write public key";
  const int level = static_cast<int>(pk.b.limbs()) - 1;
  check_level<InvalidArgument>(level, params, op, "level");
  const auto basis = params.ring().q_basis(Level{level});
  ByteWriter w = begin_blob(ObjectType::public_key, params.fingerprint());
  w.u32(static_cast<std::uint32_t>(level));
  w.u8(opts.seeded ? kSeeded : kFull);
  w.bytes(pk.seed.data(), pk.seed.size());
  write_ntt_poly(w, params, pk.b, basis, what, "b");
  if (opts.seeded) {
    ring::RandomSource rng(pk.seed);
    require(pk.a == ring::sample_uniform(params.ring(), basis, rng), op,
            "a is not the expansion of the key's seed (write it with seeded = false)");
  } else {
    write_ntt_poly(w, params, pk.a, basis, what, "a");
  }
  return finish_blob(std::move(w));
}

rlwe::PublicKey read_public_key(std::span<const std::uint8_t> blob, const Params& params) {
  return read_public_key_impl(blob, params, name(ObjectType::public_key));
}

Bytes write_switching_key(const rlwe::SwitchingKey& key, const Params& params, WriteOptions opts) {
  ByteWriter w = begin_blob(ObjectType::switching_key, params.fingerprint());
  put_switching_key(w, key, params, opts.seeded, "switching key", "key");
  return finish_blob(std::move(w));
}

rlwe::SwitchingKey read_switching_key(std::span<const std::uint8_t> blob, const Params& params) {
  return read_switching_key_impl(blob, params, name(ObjectType::switching_key));
}

Bytes write_evaluation_keys(const rlwe::EvaluationKeys& keys, const Params& params,
                            WriteOptions opts) {
  ByteWriter w = begin_blob(ObjectType::evaluation_keys, params.fingerprint());
  detail::put_evaluation_keys(w, keys, params, opts.seeded, "evaluation keys");
  return finish_blob(std::move(w));
}

rlwe::EvaluationKeys read_evaluation_keys(std::span<const std::uint8_t> blob, const Params& params) {
  return read_evaluation_keys_impl(blob, params, name(ObjectType::evaluation_keys));
}

Bytes write_ciphertext(const rlwe::Ciphertext& ct, const Params& params) {
  const std::string what = "ciphertext", op = "write ciphertext";
  require(ct.parts.size() == 2 || ct.parts.size() == 3, op, "the ciphertext has ",
          ct.parts.size(), " parts, expected 2 or 3");
  const int level = ct.level().value;
  check_level<InvalidArgument>(level, params, op, "level");
  check_scale_slots<InvalidArgument>(ct.scale, ct.slots, params, op);
  const auto basis = params.ring().q_basis(Level{level});
  ByteWriter w = begin_blob(ObjectType::ciphertext, params.fingerprint());
  w.u32(static_cast<std::uint32_t>(level));
  w.u32(static_cast<std::uint32_t>(ct.parts.size()));
  w.f64(ct.scale.value);
  w.u64(ct.slots);
  for (std::size_t i = 0; i < ct.parts.size(); ++i) {
    require(ct.parts[i].is_ntt() == ct.parts[0].is_ntt(), op, "part ", i,
            " and part 0 disagree on NTT form");
    write_poly(w, params.ring(), ct.parts[i], basis, what, "part " + std::to_string(i));
  }
  return finish_blob(std::move(w));
}

rlwe::Ciphertext read_ciphertext(std::span<const std::uint8_t> blob, const Params& params) {
  return read_ciphertext_impl(blob, params, name(ObjectType::ciphertext));
}

Bytes write_plaintext(const rlwe::Plaintext& pt, const Params& params) {
  const std::string op = "write plaintext";
  const int level = pt.level().value;
  check_level<InvalidArgument>(level, params, op, "level");
  check_scale_slots<InvalidArgument>(pt.scale, pt.slots, params, op);
  ByteWriter w = begin_blob(ObjectType::plaintext, params.fingerprint());
  w.u32(static_cast<std::uint32_t>(level));
  w.f64(pt.scale.value);
  w.u64(pt.slots);
  write_poly(w, params.ring(), pt.poly, params.ring().q_basis(Level{level}), "plaintext",
             "polynomial");
  return finish_blob(std::move(w));
}

rlwe::Plaintext read_plaintext(std::span<const std::uint8_t> blob, const Params& params) {
  return read_plaintext_impl(blob, params, name(ObjectType::plaintext));
}

BlobInfo inspect(std::span<const std::uint8_t> blob) {
  const std::string what = "fhecnn file";
  require<FormatError>(blob.size() >= 5 && std::memcmp(blob.data(), kMagic, sizeof kMagic) == 0 &&
                           object_name(blob[4]) != nullptr,
                       "read " + what, "bad magic (not an fhecnn file?)");
  const auto type = static_cast<ObjectType>(blob[4]);
  return open_blob(blob, type, name(type));
}

// ---------------------------------------------------------------- files

Bytes read_file(const std::string& path) {
  const std::string op = "read " + path;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail_errno(op, errno);
  FdCloser closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) fail_errno(op, errno);
  if (S_ISDIR(st.st_mode)) fail_errno(op, EISDIR);
  require<FormatError>(S_ISREG(st.st_mode), op, "not a regular file");
  Bytes out(static_cast<std::size_t>(st.st_size));
  std::size_t got = 0;
  while (got < out.size()) {
    const ssize_t k = ::read(fd, out.data() + got, out.size() - got);
    if (k < 0 && errno == EINTR) continue;
    if (k < 0) fail_errno(op, errno);
    if (k == 0) break;
    got += static_cast<std::size_t>(k);
  }
  require<FormatError>(got == out.size(), op, "the file shrank while reading: got ", got, " of ",
                       out.size(), " bytes");
  return out;
}

void write_file(const std::string& path, std::span<const std::uint8_t> data, bool owner_only) {
  const std::string op = "write " + path;
  const std::string tmp = path + ".tmp";
  const mode_t mode = owner_only ? 0600 : 0644;
  {
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) fail_errno(op, errno);
    FdCloser closer{fd};
    try {
      if (owner_only && ::fchmod(fd, 0600) != 0) fail_errno(op, errno);
      write_all(fd, data, op);
    } catch (...) {
      ::unlink(tmp.c_str());
      throw;
    }
    closer.fd = -1;
    if (::close(fd) != 0) {
      const int err = errno;
      ::unlink(tmp.c_str());
      fail_errno(op, err);
    }
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    fail_errno(op, err);
  }
}

void save_params(const std::string& path, const Params& params) {
  write_file(path, write_params(params));
}
rlwe::ParamsPtr load_params(const std::string& path) {
  return read_params_impl(read_file(path), from_file(ObjectType::params, path));
}

void save_secret_key(const std::string& path, const rlwe::SecretKey& sk, const Params& params) {
  write_file(path, write_secret_key(sk, params), /*owner_only=*/true);
}
rlwe::SecretKey load_secret_key(const std::string& path, const Params& params) {
  return read_secret_key_impl(read_file(path), params, from_file(ObjectType::secret_key, path));
}

void save_public_key(const std::string& path, const rlwe::PublicKey& pk, const Params& params,
                     WriteOptions opts) {
  write_file(path, write_public_key(pk, params, opts));
}
rlwe::PublicKey load_public_key(const std::string& path, const Params& params) {
  return read_public_key_impl(read_file(path), params, from_file(ObjectType::public_key, path));
}

void save_switching_key(const std::string& path, const rlwe::SwitchingKey& key,
                        const Params& params, WriteOptions opts) {
  write_file(path, write_switching_key(key, params, opts));
}
rlwe::SwitchingKey load_switching_key(const std::string& path, const Params& params) {
  return read_switching_key_impl(read_file(path), params,
                                 from_file(ObjectType::switching_key, path));
}

void save_evaluation_keys(const std::string& path, const rlwe::EvaluationKeys& keys,
                          const Params& params, WriteOptions opts) {
  write_file(path, write_evaluation_keys(keys, params, opts));
}
rlwe::EvaluationKeys load_evaluation_keys(const std::string& path, const Params& params) {
  return read_evaluation_keys_impl(read_file(path), params,
                                   from_file(ObjectType::evaluation_keys, path));
}

void save_ciphertext(const std::string& path, const rlwe::Ciphertext& ct, const Params& params) {
  write_file(path, write_ciphertext(ct, params));
}
rlwe::Ciphertext load_ciphertext(const std::string& path, const Params& params) {
  return read_ciphertext_impl(read_file(path), params, from_file(ObjectType::ciphertext, path));
}

void save_plaintext(const std::string& path, const rlwe::Plaintext& pt, const Params& params) {
  write_file(path, write_plaintext(pt, params));
}
rlwe::Plaintext load_plaintext(const std::string& path, const Params& params) {
  return read_plaintext_impl(read_file(path), params, from_file(ObjectType::plaintext, path));
}

}  // namespace fhecnn::io
