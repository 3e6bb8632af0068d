#include "rlwe/params.hpp"

#include <openssl/evp.h>

#include <cmath>
#include <cstring>
#include <algorithm>
#include <map>

#include "common/bytes.hpp"
#include "common/error.hpp"
#include "math/primes.hpp"

namespace fhecnn::rlwe {

SecurityCheck check_security_128(int log_n, SecretDistribution secret, int hamming_weight,
                                 double log_qp) {
  // Homomorphic Encryption Standard (2018), classical 128-bit, uniform ternary secret.
  static const std::map<int, double> ternary{{10, 27}, {11, 54},  {12, 109}, {13, 218},
                                             {14, 438}, {15, 881}, {16, 1772}};
  SecurityCheck c;
  c.log_qp = log_qp;
  if (secret == SecretDistribution::UniformTernary) {
    auto it = ternary.find(log_n);
    c.bound = it == ternary.end() ? 0 : it->second;
  } else if (log_n == 16 && hamming_weight >= 192) {
    c.bound = 1553;
  } else if (log_n == 16 && hamming_weight >= 32) {
    c.bound = 160;
  }
  if (c.bound == 0) {
    c.reason = str_cat("no 128-bit bound is known for N = 2^", log_n,
                       secret == SecretDistribution::SparseTernary
                           ? str_cat(" with a sparse secret of weight ", hamming_weight)
                           : std::string(" with a ternary secret"));
  } else if (log_qp > c.bound) {
    c.reason = str_cat("log QP = ", log_qp, " exceeds the 128-bit bound ", c.bound, " for N = 2^", log_n);
  } else {
    c.secure_128 = true;
    c.reason = str_cat("log QP = ", log_qp, " <= ", c.bound);
  }
  return c;
}

namespace {

std::vector<ring::u64> make_primes(const std::vector<int>& bits, std::size_t n,
                                   std::vector<ring::u64>& used) {
  std::vector<ring::u64> out;
  std::map<int, std::vector<ring::u64>> pool;  // bit size -> primes not yet handed out
  for (int b : bits) {
    auto& avail = pool[b];
    if (avail.empty()) {
      std::size_t count = static_cast<std::size_t>(std::count(bits.begin(), bits.end(), b));
      avail = math::generate_ntt_primes(b, count, n, used);
      std::reverse(avail.begin(), avail.end());  // pop_back hands out the largest first
    }
    out.push_back(avail.back());
    used.push_back(avail.back());
    avail.pop_back();
  }
  return out;
}

std::uint64_t fingerprint_of(const ParamsLiteral& lit, const std::vector<ring::u64>& q,
                             const std::vector<ring::u64>& p) {
  ByteWriter w;
  w.u32(static_cast<std::uint32_t>(lit.log_n));
  w.u32(static_cast<std::uint32_t>(lit.dnum));
  w.u32(static_cast<std::uint32_t>(lit.digit_bits));
  w.u32(static_cast<std::uint32_t>(lit.secret));
  w.u32(static_cast<std::uint32_t>(lit.hamming_weight));
  w.u32(static_cast<std::uint32_t>(q.size()));
  w.u64s(q.data(), q.size());
  w.u32(static_cast<std::uint32_t>(p.size()));
  w.u64s(p.data(), p.size());
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  require<Error>(EVP_Digest(w.data().data(), w.data().size(), md, &len, EVP_sha256(), nullptr) == 1,
                 "fingerprint parameters", "OpenSSL SHA-256 failed");
  std::uint64_t f;
  std::memcpy(&f, md, sizeof f);
  return f;
}

void check_explicit_primes(const ParamsLiteral& lit, const std::vector<std::uint64_t>& values,
                           const std::vector<int>& bits, const char* kind, const std::string& what) {
  if (values.empty()) return;
  require(values.size() == bits.size(), what, values.size(), " explicit ", kind, " primes for ",
          bits.size(), " prime sizes");
  const std::uint64_t two_n = std::uint64_t{2} << lit.log_n;
  for (std::size_t i = 0; i < values.size(); ++i) {
    const std::uint64_t q = values[i];
    require(math::is_prime(q) && q % two_n == 1, what, kind, " prime ", q,
            " is not an NTT-friendly prime for N = 2^", lit.log_n);
    const int b = static_cast<int>(std::ceil(std::log2(static_cast<double>(q))));
    require(b == bits[i], what, kind, " prime ", q, " has ", b, " bits, not ", bits[i]);
  }
}

// First limb of every digit over the whole chain, then L + 1 (ParamsLiteral::digit_bits).
std::vector<std::size_t> digit_boundaries(const ParamsLiteral& lit) {
  const std::size_t primes = lit.log_q.size();
  std::vector<std::size_t> begin;
  if (lit.digit_bits == 0) {
    const std::size_t alpha = (primes + static_cast<std::size_t>(lit.dnum) - 1) /
                              static_cast<std::size_t>(lit.dnum);
    for (std::size_t b = 0; b < primes; b += alpha) begin.push_back(b);
  } else {
    int bits = lit.digit_bits;  // forces a new digit at prime 0
    for (std::size_t i = 0; i < primes; ++i) {
      if (bits + lit.log_q[i] > lit.digit_bits) {
        begin.push_back(i);
        bits = 0;
      }
      bits += lit.log_q[i];
    }
  }
  begin.push_back(primes);
  return begin;
}

void validate(const ParamsLiteral& lit) {
  const std::string what = "create parameters '" + lit.name + "'";
  require(lit.log_n >= 4 && lit.log_n <= 17, what, "log N = ", lit.log_n, " is outside [4, 17]");
  require(!lit.log_q.empty(), what, "no ciphertext primes");
  require(!lit.log_p.empty(), what, "no special primes (hybrid key switching needs at least one)");
  require(lit.dnum >= 1 && static_cast<std::size_t>(lit.dnum) <= lit.log_q.size(), what,
          "dnum = ", lit.dnum, " is outside [1, ", lit.log_q.size(), "]");
  for (int b : lit.log_q) require(b >= 20 && b <= 60, what, "prime size ", b, " is outside [20, 60]");
  require(lit.digit_bits == 0 || lit.digit_bits >= 60, what, "digit_bits = ", lit.digit_bits,
          " cannot hold a prime (0 or at least 60)");
  if (lit.digit_bits > 0) {
    const std::size_t digits = digit_boundaries(lit).size() - 1;
    require(static_cast<std::size_t>(lit.dnum) == digits, what, "dnum = ", lit.dnum, " but digits of at most ",
            lit.digit_bits, " bits give ", digits, " digits");
  }
  for (int b : lit.log_p) require(b >= 20 && b <= 60, what, "prime size ", b, " is outside [20, 60]");
  require(lit.log_default_scale > 0 && lit.log_default_scale < 62, what, "default scale 2^",
          lit.log_default_scale, " is outside (1, 2^62)");
  require(lit.sigma > 0 && lit.sigma < 100, what, "error sigma ", lit.sigma, " is unreasonable");
  check_explicit_primes(lit, lit.q_values, lit.log_q, "ciphertext", what);
  check_explicit_primes(lit, lit.p_values, lit.log_p, "special", what);
  if (lit.secret == SecretDistribution::SparseTernary) {
    require(lit.hamming_weight > 0 && lit.hamming_weight <= (1 << lit.log_n), what,
            "Hamming weight ", lit.hamming_weight, " is outside [1, N]");
  }
}

// Params::special_primes_at for every level (see there).
std::vector<std::size_t> special_primes_by_level(const ParamsLiteral& lit,
                                                 const std::vector<ring::u64>& q,
                                                 const std::vector<ring::u64>& p,
                                                 const std::vector<std::size_t>& digit_begin) {
  const auto bits = [](ring::u64 x) { return std::log2(static_cast<double>(x)); };
  double log_p = 0;
  for (auto x : p) log_p += bits(x);
  std::vector<std::size_t> out(q.size(), p.size());
  if (lit.digit_bits <= 0 || p.empty()) return out;
  const double margin = log_p - lit.digit_bits;
  for (std::size_t level = 0; level < q.size(); ++level) {
    double widest = 0;  // bits of the largest digit at this level
    for (std::size_t j = 0; j + 1 < digit_begin.size() && digit_begin[j] <= level; ++j) {
      double d = 0;
      for (std::size_t i = digit_begin[j]; i < std::min(digit_begin[j + 1], level + 1); ++i) d += bits(q[i]);
      widest = std::max(widest, d);
    }
    double have = 0;
    std::size_t k = 0;
    while (k < p.size() && have - widest < margin) have += bits(p[k++]);
    out[level] = std::max<std::size_t>(k, 1);
  }
  return out;
}

}  // namespace

Params::Params(const ParamsLiteral& lit) : lit_(lit) {}

std::shared_ptr<const Params> Params::create(const ParamsLiteral& lit) {
  validate(lit);
  std::shared_ptr<Params> p(new Params(lit));
  const std::size_t n = std::size_t{1} << lit.log_n;
  std::vector<ring::u64> used;
  p->q_ = lit.q_values.empty() ? make_primes(lit.log_q, n, used) : lit.q_values;
  used.insert(used.end(), p->q_.begin(), p->q_.end());
  p->p_ = lit.p_values.empty() ? make_primes(lit.log_p, n, used) : lit.p_values;
  {
    std::vector<ring::u64> all = p->q_;
    all.insert(all.end(), p->p_.begin(), p->p_.end());
    std::sort(all.begin(), all.end());
    require(std::adjacent_find(all.begin(), all.end()) == all.end(), "create parameters '" + lit.name + "'",
            "the primes are not distinct");
  }
  p->digit_begin_ = digit_boundaries(lit);
  double log_qp = 0;
  for (auto q : p->q_) log_qp += std::log2(static_cast<double>(q));
  for (auto q : p->p_) log_qp += std::log2(static_cast<double>(q));
  p->security_ = check_security_128(lit.log_n, lit.secret, lit.hamming_weight, log_qp);
  require(p->security_.secure_128 || lit.allow_insecure, "create parameters '" + lit.name + "'",
          "not 128-bit secure (", p->security_.reason,
          "); set allow_insecure only for tests and demos");
  p->fingerprint_ = fingerprint_of(lit, p->q_, p->p_);
  p->specials_ = special_primes_by_level(lit, p->q_, p->p_, p->digit_begin_);
  p->ring_ = std::make_unique<ring::RingContext>(LogN{lit.log_n}, p->q_, p->p_);
  p->tools_ = std::make_unique<ring::RnsTools>(*p->ring_);
  return p;
}

std::size_t Params::switching_key_bytes(Level level) const {
  return digits_at(level) * 2 * key_basis(level).size() * n() * sizeof(ring::u64);
}

std::size_t Params::special_primes_at(Level level) const {
  require(level.value >= 0 && level <= max_level(), "select special primes", level,
          " is outside [0, ", max_level().value, "]");
  return specials_[static_cast<std::size_t>(level.value)];
}

ring::Basis Params::key_basis(Level level) const {
  return ring_->qp_basis(level, special_primes_at(level));
}

std::size_t Params::digits_at(Level level) const {
  std::size_t d = 0;
  while (d + 1 < digit_begin_.size() && digit_begin_[d] < level.limbs()) ++d;
  return d;
}

std::size_t Params::digit_size() const {
  std::size_t most = 0;
  for (std::size_t j = 0; j + 1 < digit_begin_.size(); ++j) {
    most = std::max(most, digit_begin_[j + 1] - digit_begin_[j]);
  }
  return most;
}

std::pair<std::size_t, std::size_t> Params::digit_range(std::size_t j, Level level) const {
  require(j + 1 < digit_begin_.size() && digit_begin_[j] < level.limbs(), "select digit", j,
          " at ", level, " does not exist");
  return {digit_begin_[j], std::min(digit_begin_[j + 1], level.limbs())};
}

GaloisElement Params::rotation_element(RotationStep step, std::size_t slots) const {
  require(slots >= 1 && slots <= max_slots() && (slots & (slots - 1)) == 0, "rotate",
          "slot count ", slots, " is not a power of two in [1, ", max_slots(), "]");
  // The message of a `slots`-slot ciphertext repeats with period `slots` on the full N/2 slots,
  // so any step congruent to `step` mod slots rotates it alike. Take the signed representative
  // r in (-slots/2, slots/2] and the element of r mod N/2: a step and its negative then map to
  // the same key for every slot count (a rotation by -j on 2^12 slots and on 2^15 slots share
  // one Galois key).
  const long s = static_cast<long>(slots), half = static_cast<long>(max_slots());
  long r = ((step.value % s) + s) % s;
  if (r > s / 2) r -= s;
  const std::uint64_t k = static_cast<std::uint64_t>(((r % half) + half) % half);
  return GaloisElement{pow_mod_2n(5, k)};
}

GaloisElement Params::inverse_galois(GaloisElement g) const {
  require(g.value % 2 == 1 && g.value < 2 * n(), "invert Galois element", g.value,
          " is not an odd residue mod 2N = ", 2 * n());
  // The units mod 2N form a group of order N, so g^(N-1) = g^-1.
  return GaloisElement{pow_mod_2n(g.value, n() - 1)};
}

ring::u64 Params::pow_mod_2n(ring::u64 base, std::uint64_t e) const {
  const ring::u64 two_n = 2 * n();  // <= 2^18: products fit in 64 bits
  ring::u64 r = 1;
  base %= two_n;
  for (; e; e >>= 1) {
    if (e & 1) r = r * base % two_n;
    base = base * base % two_n;
  }
  return r;
}

}  // namespace fhecnn::rlwe
