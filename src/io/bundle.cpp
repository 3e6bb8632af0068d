#include "io/bundle.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

#include "common/error.hpp"
#include "io/key_payload.hpp"

namespace fhecnn::io {
namespace {

using rlwe::Params;

const std::string kEncapsulation = object_name(ObjectType::encapsulation_keys);
const std::string kBundle = object_name(ObjectType::evaluation_bundle);

[[noreturn]] void fail_errno(const std::string& op, int err) {
  fail<FormatError>(op, std::strerror(err));
}

// ---- payloads ----

void put_encapsulation(ByteWriter& w, const ckks::EncapsulationKeys& keys, const Params& params,
                       bool seeded, const std::string& what) {
  const std::string op = "write " + what;
  const int h = keys.hamming_weight;
  require(h >= 1 && static_cast<std::size_t>(h) <= params.n(), op, "hamming weight ", h,
          " is outside [1, N = ", params.n(), "]");
  const rlwe::ParamsPtr level0 = ckks::encapsulation_params(params, h);
  require(keys.level0 != nullptr && keys.level0->fingerprint() == level0->fingerprint(), op,
          "the encapsulation keys' level-0 parameters are not those of ", params.name(),
          " with hamming weight ", h, " (keys of other parameters?)");
  w.i32(h);
  w.u64(level0->fingerprint());
  detail::put_switching_key(w, keys.to_sparse, *level0, seeded, what, "to-sparse key");
  detail::put_switching_key(w, keys.to_dense, params, seeded, what, "to-dense key");
}

ckks::EncapsulationKeys get_encapsulation(ByteReader& r, const Params& params) {
  const std::string op = "read " + r.what();
  ckks::EncapsulationKeys keys;
  keys.hamming_weight = r.i32();
  const int h = keys.hamming_weight;
  require<FormatError>(h >= 1 && static_cast<std::size_t>(h) <= params.n(), op, "hamming weight ",
                       h, " is outside [1, N = ", params.n(), "]");
  try {
    keys.level0 = ckks::encapsulation_params(params, h);
  } catch (const InvalidArgument& e) {
    fail<FormatError>(op, "no level-0 parameters for hamming weight ", h, " (", e.what(), ")");
  }
  const std::uint64_t fp = r.u64();
  require<FormatError>(fp == keys.level0->fingerprint(), op, "level-0 parameter fingerprint ",
                       format_fingerprint(fp), " does not match ",
                       format_fingerprint(keys.level0->fingerprint()),
                       " (derived from the main parameters and hamming weight ", h, ")");
  keys.to_sparse = detail::get_switching_key(r, *keys.level0, "to-sparse key");
  keys.to_dense = detail::get_switching_key(r, params, "to-dense key");
  return keys;
}

std::size_t key_count(const rlwe::EvaluationKeys& eval, const ckks::EncapsulationKeys* enc) {
  return (eval.has_relin_key() ? 1 : 0) + eval.galois_keys().size() + (enc ? 2 : 0);
}

// The bundle payload; `flush` is called after the encapsulation keys and after every key.
void put_bundle(ByteWriter& w, std::uint64_t plan, const rlwe::EvaluationKeys& eval,
                const ckks::EncapsulationKeys* enc, const Params& params, bool seeded,
                const std::function<void(ByteWriter&)>& flush) {
  w.u64(plan);
  w.u8(enc ? 1 : 0);
  if (enc) put_encapsulation(w, *enc, params, seeded, kBundle);
  flush(w);
  detail::put_evaluation_keys(w, eval, params, seeded, kBundle, flush);
}

EvaluationBundle get_bundle(ByteReader& r, const Params& params,
                            const std::function<void()>& after_key) {
  EvaluationBundle b;
  b.plan_fingerprint = r.u64();
  if (detail::read_flag(r, "encapsulation flag") == 1) {
    b.encapsulation = get_encapsulation(r, params);
    if (after_key) after_key();
  }
  b.eval = detail::get_evaluation_keys(r, params, after_key);
  detail::finish_read(r);
  return b;
}

// ---- files ----

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

void write_all(int fd, const std::uint8_t* p, std::size_t n, const std::string& op) {
  while (n > 0) {
    const ssize_t k = ::write(fd, p, n);
    if (k < 0 && errno == EINTR) continue;
    if (k < 0) fail_errno(op, errno);
    p += k;
    n -= static_cast<std::size_t>(k);
  }
}

// SHA-256 of the first `bytes` bytes of the open file, read back in chunks.
std::array<std::uint8_t, 32> sha256_of_file(int fd, std::uint64_t bytes, const std::string& op) {
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  require<Error>(ctx && EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) == 1, op,
                 "OpenSSL SHA-256 failed");
  std::vector<std::uint8_t> buf(std::size_t{8} << 20);
  std::uint64_t at = 0;
  while (at < bytes) {
    const std::size_t want =
        static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), bytes - at));
    const ssize_t k = ::pread(fd, buf.data(), want, static_cast<off_t>(at));
    if (k < 0 && errno == EINTR) continue;
    if (k < 0) fail_errno(op, errno);
    require<FormatError>(k > 0, op, "the file shrank while it was being written");
    require<Error>(EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<std::size_t>(k)) == 1, op,
                   "OpenSSL SHA-256 failed");
    at += static_cast<std::uint64_t>(k);
  }
  std::array<std::uint8_t, 32> md{};
  unsigned int len = 0;
  require<Error>(EVP_DigestFinal_ex(ctx.get(), md.data(), &len) == 1 && len == md.size(), op,
                 "OpenSSL SHA-256 failed");
  return md;
}

// A read-only private mapping of a whole file; pages already parsed can be given back.
class MappedFile {
 public:
  explicit MappedFile(const std::string& path) {
    const std::string op = "read " + path;
    Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
    if (f.fd < 0) fail_errno(op, errno);
    struct stat st {};
    if (::fstat(f.fd, &st) != 0) fail_errno(op, errno);
    if (S_ISDIR(st.st_mode)) fail_errno(op, EISDIR);
    require<FormatError>(S_ISREG(st.st_mode), op, "not a regular file");
    size_ = static_cast<std::size_t>(st.st_size);
    if (size_ == 0) return;
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, f.fd, 0);
    if (p == MAP_FAILED) fail_errno(op, errno);
    data_ = static_cast<const std::uint8_t*>(p);
    ::madvise(p, size_, MADV_SEQUENTIAL);
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile() {
    if (data_ != nullptr) ::munmap(const_cast<std::uint8_t*>(data_), size_);
  }
  std::span<const std::uint8_t> bytes() const { return {data_, size_}; }
  // Drops the resident pages of [0, end) from this process (they are re-read if touched again).
  void release_before(const std::uint8_t* end) const {
    if (data_ == nullptr) return;
    const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    const std::size_t n = static_cast<std::size_t>(end - data_) / page * page;
    if (n > 0) ::madvise(const_cast<std::uint8_t*>(data_), n, MADV_DONTNEED);
  }

 private:
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

template <typename T>
T load_le(const std::uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

}  // namespace

// ---------------------------------------------------------------- encapsulation keys

Bytes write_encapsulation_keys(const ckks::EncapsulationKeys& keys, const Params& params,
                               WriteOptions opts) {
  ByteWriter w = begin_blob(ObjectType::encapsulation_keys, params.fingerprint());
  put_encapsulation(w, keys, params, opts.seeded, kEncapsulation);
  return finish_blob(std::move(w));
}

namespace {
ckks::EncapsulationKeys read_encapsulation_impl(std::span<const std::uint8_t> blob,
                                                const Params& params, const std::string& what) {
  ByteReader r = detail::open_payload(blob, ObjectType::encapsulation_keys, params, what);
  ckks::EncapsulationKeys keys = get_encapsulation(r, params);
  detail::finish_read(r);
  return keys;
}
}  // namespace

ckks::EncapsulationKeys read_encapsulation_keys(std::span<const std::uint8_t> blob,
                                                const Params& params) {
  return read_encapsulation_impl(blob, params, kEncapsulation);
}

void save_encapsulation_keys(const std::string& path, const ckks::EncapsulationKeys& keys,
                             const Params& params, WriteOptions opts) {
  write_file(path, write_encapsulation_keys(keys, params, opts));
}

ckks::EncapsulationKeys load_encapsulation_keys(const std::string& path, const Params& params) {
  return read_encapsulation_impl(read_file(path), params, kEncapsulation + " from " + path);
}

// ---------------------------------------------------------------- evaluation bundle

Bytes write_evaluation_bundle(std::uint64_t plan_fingerprint, const rlwe::EvaluationKeys& eval,
                              const ckks::EncapsulationKeys* encapsulation, const Params& params,
                              WriteOptions opts) {
  ByteWriter w = begin_blob(ObjectType::evaluation_bundle, params.fingerprint());
  put_bundle(w, plan_fingerprint, eval, encapsulation, params, opts.seeded, [](ByteWriter&) {});
  return finish_blob(std::move(w));
}

EvaluationBundle read_evaluation_bundle(std::span<const std::uint8_t> blob, const Params& params) {
  ByteReader r = detail::open_payload(blob, ObjectType::evaluation_bundle, params, kBundle);
  return get_bundle(r, params, {});
}

void save_evaluation_bundle(const std::string& path, std::uint64_t plan_fingerprint,
                            const rlwe::EvaluationKeys& eval,
                            const ckks::EncapsulationKeys* encapsulation, const Params& params,
                            WriteOptions opts, const KeyProgress& progress) {
  const std::string op = "write " + path;
  const std::string tmp = path + ".tmp";
  Fd f{::open(tmp.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)};
  if (f.fd < 0) fail_errno(op, errno);
  try {
    const Bytes header = begin_blob(ObjectType::evaluation_bundle, params.fingerprint()).take();
    write_all(f.fd, header.data(), header.size(), op);
    std::uint64_t written = header.size();
    const std::size_t total = key_count(eval, encapsulation);
    std::size_t done = 0;
    bool first = true;  // the first flush ends the encapsulation section
    ByteWriter w;
    put_bundle(w, plan_fingerprint, eval, encapsulation, params, opts.seeded, [&](ByteWriter& b) {
      const Bytes chunk = b.take();
      write_all(f.fd, chunk.data(), chunk.size(), op);
      written += chunk.size();
      if (first) {
        first = false;
        done += encapsulation ? 2 : 0;
      } else {
        ++done;
      }
      if (progress && done > 0) progress(static_cast<double>(done) / static_cast<double>(total));
    });
    const Bytes rest = w.take();  // the Galois key count when there is no Galois key
    write_all(f.fd, rest.data(), rest.size(), op);
    written += rest.size();
    const std::uint64_t length = written - kHeaderBytes;
    std::uint8_t le[8];
    std::memcpy(le, &length, sizeof le);
    if (::pwrite(f.fd, le, sizeof le, kLengthOffset) != static_cast<ssize_t>(sizeof le)) {
      fail_errno(op, errno);
    }
    const auto sum = sha256_of_file(f.fd, written, op);
    if (::lseek(f.fd, static_cast<off_t>(written), SEEK_SET) < 0) fail_errno(op, errno);
    write_all(f.fd, sum.data(), sum.size(), op);
    const int fd = f.fd;
    f.fd = -1;
    if (::close(fd) != 0) fail_errno(op, errno);
    if (::rename(tmp.c_str(), path.c_str()) != 0) fail_errno(op, errno);
  } catch (...) {
    ::unlink(tmp.c_str());
    throw;
  }
}

EvaluationBundle load_evaluation_bundle(const std::string& path, const Params& params,
                                        const KeyProgress& progress) {
  const std::string what = kBundle + " from " + path;
  const MappedFile file(path);
  const BlobInfo info = open_blob(file.bytes(), ObjectType::evaluation_bundle, what);
  check_fingerprint(info, params.fingerprint(), what);
  file.release_before(file.bytes().data() + file.bytes().size());  // hashed, not needed yet
  ByteReader r(info.payload.data(), info.payload.size(), what);
  const auto after_key = [&] {
    const std::size_t parsed = info.payload.size() - r.remaining();
    file.release_before(info.payload.data() + parsed);
    if (progress) progress(static_cast<double>(parsed) / static_cast<double>(info.payload.size()));
  };
  return get_bundle(r, params, after_key);
}

BundleHeader peek_evaluation_bundle(const std::string& path) {
  const std::string what = kBundle + " from " + path;
  const std::string op = "read " + what;
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) fail_errno("read " + path, errno);
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) fail_errno("read " + path, errno);
  if (S_ISDIR(st.st_mode)) fail_errno("read " + path, EISDIR);
  std::uint8_t buf[kHeaderBytes + 8] = {};
  std::size_t n = 0;
  while (n < sizeof buf) {
    const ssize_t k = ::pread(f.fd, buf + n, sizeof buf - n, static_cast<off_t>(n));
    if (k < 0 && errno == EINTR) continue;
    if (k < 0) fail_errno("read " + path, errno);
    if (k == 0) break;
    n += static_cast<std::size_t>(k);
  }
  const bool header_ok = n >= kHeaderBytes && std::memcmp(buf, kMagic, sizeof kMagic) == 0 &&
                         buf[4] == static_cast<std::uint8_t>(ObjectType::evaluation_bundle) &&
                         load_le<std::uint32_t>(buf + 5) == kFormatVersion;
  if (!header_ok) {  // open_blob names what is wrong (magic, type, version, short header)
    open_blob(std::span<const std::uint8_t>(buf, n), ObjectType::evaluation_bundle, what);
    fail<FormatError>(op, "bad header");
  }
  BundleHeader h;
  h.file_bytes = static_cast<std::uint64_t>(st.st_size);
  h.params_fingerprint = load_le<std::uint64_t>(buf + 9);
  const std::uint64_t length = load_le<std::uint64_t>(buf + kLengthOffset);
  const std::uint64_t after = h.file_bytes - kHeaderBytes;
  require<FormatError>(after >= kChecksumBytes && length <= after - kChecksumBytes, op,
                       "truncated: the header announces ", length, " payload bytes and a ",
                       kChecksumBytes, "-byte checksum, only ", after, " bytes follow it");
  require<FormatError>(length == after - kChecksumBytes, op, after - kChecksumBytes - length,
                       " trailing bytes after the end of the data");
  require<FormatError>(length >= 8, op, "truncated: the payload has ", length,
                       " bytes, the plan fingerprint alone needs 8");
  h.plan_fingerprint = load_le<std::uint64_t>(buf + kHeaderBytes);
  return h;
}

}  // namespace fhecnn::io
