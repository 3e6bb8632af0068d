#include "ring/sampler.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cmath>
#include <cstring>

#include "common/error.hpp"

namespace fhecnn::ring {

namespace {
constexpr std::size_t kBufferBytes = 1 << 14;
}

RandomSource::RandomSource() : buf_(kBufferBytes), pos_(kBufferBytes) {}

RandomSource::RandomSource(const Seed& seed) : buf_(kBufferBytes), pos_(kBufferBytes) {
  auto* ctx = EVP_CIPHER_CTX_new();
  require<Error>(ctx != nullptr, "expand seed", "OpenSSL could not allocate a cipher context");
  const std::uint8_t iv[16] = {0};
  if (EVP_EncryptInit_ex(ctx, EVP_aes_256_ctr(), nullptr, seed.data(), iv) != 1) {
    EVP_CIPHER_CTX_free(ctx);
    fail<Error>("expand seed", "OpenSSL AES-256-CTR initialisation failed");
  }
  cipher_ = ctx;
}

RandomSource::~RandomSource() {
  if (cipher_) EVP_CIPHER_CTX_free(static_cast<EVP_CIPHER_CTX*>(cipher_));
}

void RandomSource::refill() {
  if (cipher_) {
    std::vector<std::uint8_t> zeros(kBufferBytes, 0);
    int len = 0;
    const int ok = EVP_EncryptUpdate(static_cast<EVP_CIPHER_CTX*>(cipher_), buf_.data(), &len,
                                     zeros.data(), static_cast<int>(kBufferBytes));
    require<Error>(ok == 1 && len == static_cast<int>(kBufferBytes), "expand seed",
                   "OpenSSL AES-256-CTR failed");
  } else {
    require<Error>(RAND_bytes(buf_.data(), static_cast<int>(kBufferBytes)) == 1,
                   "draw random bytes", "OpenSSL RAND_bytes failed");
  }
  pos_ = 0;
}

void RandomSource::fill(void* out, std::size_t bytes) {
  auto* dst = static_cast<std::uint8_t*>(out);
  while (bytes > 0) {
    if (pos_ == buf_.size()) refill();
    const std::size_t take = std::min(bytes, buf_.size() - pos_);
    std::memcpy(dst, buf_.data() + pos_, take);
    pos_ += take;
    dst += take;
    bytes -= take;
  }
}

std::uint64_t RandomSource::next_u64() {
  std::uint64_t v;
  fill(&v, sizeof v);
  return v;
}

std::uint64_t RandomSource::uniform(std::uint64_t bound) {
  require(bound > 0, "draw uniform integer", "bound is 0");
  const int bits = 64 - __builtin_clzll(bound);
  const std::uint64_t mask = bits == 64 ? ~0ull : ((1ull << bits) - 1);
  for (;;) {
    const std::uint64_t v = next_u64() & mask;
    if (v < bound) return v;
  }
}

double RandomSource::uniform_real() {
  return static_cast<double>(next_u64() >> 11) * 0x1.0p-53;
}

Seed random_seed() {
  Seed s;
  require<Error>(RAND_bytes(s.data(), static_cast<int>(s.size())) == 1, "draw a seed",
                 "OpenSSL RAND_bytes failed");
  return s;
}

void expand_uniform(const Seed& seed, u64 q, u64* out, std::size_t n) {
  require(q > 0, "expand uniform residues", "modulus is 0");
  auto* ctx = EVP_CIPHER_CTX_new();
  require<Error>(ctx != nullptr, "expand seed", "OpenSSL could not allocate a cipher context");
  const std::uint8_t iv[16] = {0};
  const auto encrypt_in_place = [&](u64* p, std::size_t words) {
    std::memset(p, 0, words * sizeof(u64));
    auto* bytes = reinterpret_cast<std::uint8_t*>(p);
    int len = 0;
    const bool ok = EVP_EncryptUpdate(ctx, bytes, &len, bytes, static_cast<int>(words * 8)) == 1 &&
                    len == static_cast<int>(words * 8);
    if (!ok) {
      EVP_CIPHER_CTX_free(ctx);
      fail<Error>("expand seed", "OpenSSL AES-256-CTR failed");
    }
  };
  if (EVP_EncryptInit_ex(ctx, EVP_aes_256_ctr(), nullptr, seed.data(), iv) != 1) {
    EVP_CIPHER_CTX_free(ctx);
    fail<Error>("expand seed", "OpenSSL AES-256-CTR initialisation failed");
  }
  const int bits = 64 - __builtin_clzll(q);
  const u64 mask = bits == 64 ? ~0ull : ((1ull << bits) - 1);
  std::size_t filled = 0;
  while (filled < n) {  // each pass draws exactly the words still missing
    const std::size_t want = n - filled;
    encrypt_in_place(out + filled, want);
    std::size_t kept = filled;
    for (std::size_t k = filled; k < n; ++k) {
      const u64 v = out[k] & mask;
      if (v < q) out[kept++] = v;
    }
    filled = kept;
  }
  EVP_CIPHER_CTX_free(ctx);
}

RnsPoly sample_uniform(const RingContext& ctx, const Basis& basis, RandomSource& rng) {
  RnsPoly out(ctx.n(), basis, true);
  for (std::size_t i = 0; i < basis.size(); ++i) {
    const u64 q = ctx.modulus(basis[i]).value;
    u64* x = out.limb(i);
    for (std::size_t k = 0; k < ctx.n(); ++k) x[k] = rng.uniform(q);
  }
  return out;
}

std::vector<std::int64_t> sample_ternary(std::size_t n, RandomSource& rng) {
  std::vector<std::int64_t> s(n);
  std::size_t k = 0;
  while (k < n) {
    std::uint8_t b;
    rng.fill(&b, 1);
    if (b >= 255) continue;  // 255 = 3 * 85: reject to stay uniform
    s[k++] = static_cast<std::int64_t>(b % 3) - 1;
  }
  return s;
}

std::vector<std::int64_t> sample_sparse_ternary(std::size_t n, std::size_t h, RandomSource& rng) {
  require(h <= n, "sample sparse secret", "Hamming weight ", h, " exceeds ring degree ", n);
  std::vector<std::int64_t> s(n, 0);
  std::size_t placed = 0;
  while (placed < h) {
    const std::size_t pos = rng.uniform(n);
    if (s[pos] != 0) continue;
    s[pos] = (rng.next_u64() & 1) ? 1 : -1;
    ++placed;
  }
  return s;
}

std::vector<std::int64_t> sample_gaussian(std::size_t n, double sigma, RandomSource& rng) {
  std::vector<std::int64_t> e(n);
  const double bound = 6 * sigma;
  for (std::size_t k = 0; k < n;) {
    // Box-Muller: two independent normals per draw.
    const double u1 = 1.0 - rng.uniform_real(), u2 = rng.uniform_real();
    const double r = sigma * std::sqrt(-2.0 * std::log(u1));
    for (double z : {r * std::cos(2 * M_PI * u2), r * std::sin(2 * M_PI * u2)}) {
      if (k < n && std::fabs(z) <= bound) e[k++] = std::llround(z);
    }
  }
  return e;
}

}  // namespace fhecnn::ring
