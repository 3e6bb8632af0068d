// CKKS/RLWE parameters in two stages: a plain ParamsLiteral (what a user writes or a file holds)
// goes through Params::create, which validates it, generates the primes and the ring, and runs
// the 128-bit security check. Params is immutable and shared by every object that uses it.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/types.hpp"
#include "ring/context.hpp"
#include "ring/rns_tools.hpp"

namespace fhecnn::rlwe {

enum class SecretDistribution { UniformTernary, SparseTernary };

struct ParamsLiteral {
  std::string name;
  int log_n = 0;
  std::vector<int> log_q;  // ciphertext primes q_0 (bottom) .. q_L (top), bit sizes
  std::vector<int> log_p;  // special primes for hybrid key switching
  int dnum = 1;            // digits of the gadget decomposition at the top level
  // 0: the dnum digits hold ceil(L + 1 / dnum) primes each. > 0: each digit takes consecutive
  // primes while their bit sizes (log_q) sum to at most digit_bits, so digits of small primes
  // hold more of them; dnum must then equal the number of digits this gives at the top level.
  int digit_bits = 0;
  SecretDistribution secret = SecretDistribution::UniformTernary;
  int hamming_weight = 0;  // non-zero coefficients of a SparseTernary secret
  double log_default_scale = 40;
  double sigma = 3.2;           // error standard deviation
  bool allow_insecure = false;  // must be set to build parameters that fail the 128-bit check
  // Explicit primes instead of generated ones (empty: generate from log_q / log_p). Used for
  // parameter sets derived from another one that must share its primes (e.g. the level-0 ring
  // of sparse-secret encapsulation). Each must be an NTT-friendly prime of the named bit size.
  std::vector<std::uint64_t> q_values, p_values;
};

struct SecurityCheck {
  bool secure_128 = false;
  double log_qp = 0;  // bits of Q * P
  double bound = 0;   // largest log QP allowed at 128 bits for this N and secret (0: none known)
  std::string reason;
};

// Largest log QP with 128-bit classical security (HE standard tables; N = 2^16 dense ternary:
// 1772; sparse ternary h >= 192 at N = 2^16: 1553 as used by common bootstrapping presets;
// sparse ternary h >= 32 at N = 2^16: 160, for the level-0 key of sparse-secret encapsulation
// only, see docs/parameters.md).
SecurityCheck check_security_128(int log_n, SecretDistribution secret, int hamming_weight,
                                 double log_qp);

class Params {
 public:
  // Validates `lit` and builds the ring. Throws InvalidArgument with the failed check, including
  // a set that is not 128-bit secure unless lit.allow_insecure.
  static std::shared_ptr<const Params> create(const ParamsLiteral& lit);

  const ParamsLiteral& literal() const { return lit_; }
  const std::string& name() const { return lit_.name; }
  LogN log_n() const { return LogN{lit_.log_n}; }
  std::size_t n() const { return ring_->n(); }
  std::size_t max_slots() const { return n() / 2; }
  Level max_level() const { return ring_->max_level(); }
  int dnum() const { return lit_.dnum; }
  // Most primes in one digit.
  std::size_t digit_size() const;
  // Digits used at `level`: ceil((level + 1) / alpha).
  std::size_t digits_at(Level level) const;
  // Limb range [begin, end) of digit j at `level`.
  std::pair<std::size_t, std::size_t> digit_range(std::size_t j, Level level) const;
  // Special primes p_0..p_{k-1} that key switching uses at `level` (and that keys generated up to
  // `level` carry). With digit_bits > 0, the fewest whose product P_k keeps the preset's margin
  // over the largest digit at that level: log2 P_k - log2(digit) >= log2 P - digit_bits (so the
  // key-switching noise stays at its top-level size while low levels switch over far fewer
  // primes: boot_n16 uses 2 of its 7 at level 0, 3 at levels 1-2). Otherwise all K.
  std::size_t special_primes_at(Level level) const;
  // q_0..q_level, p_0..p_{special_primes_at(level) - 1}: the basis of a switching key generated up
  // to `level` and of a decomposition at `level`.
  ring::Basis key_basis(Level level) const;
  // In-memory bytes of a switching key generated up to `level` (digits_at(level) pairs of
  // polynomials over key_basis(level)).
  std::size_t switching_key_bytes(Level level) const;

  const std::vector<ring::u64>& q_primes() const { return q_; }
  const std::vector<ring::u64>& p_primes() const { return p_; }
  double q_prime(Level l) const { return static_cast<double>(q_.at(static_cast<std::size_t>(l.value))); }
  Scale default_scale() const { return Scale::from_log2(lit_.log_default_scale); }
  const SecurityCheck& security() const { return security_; }
  // 64-bit fingerprint of everything that determines compatibility (N, primes, dnum, secret).
  std::uint64_t fingerprint() const { return fingerprint_; }

  const ring::RingContext& ring() const { return *ring_; }
  const ring::RnsTools& tools() const { return *tools_; }

  // Galois element 5^r mod 2N for a left rotation by `step` on `slots` slots, r the representative
  // of step mod slots in (-slots/2, slots/2] taken mod N/2 (shared by every slot count).
  GaloisElement rotation_element(RotationStep step, std::size_t slots) const;
  GaloisElement conjugation_element() const { return GaloisElement{2 * n() - 1}; }
  // g^-1 mod 2N (g odd): sigma_{g^-1} undoes sigma_g.
  GaloisElement inverse_galois(GaloisElement g) const;

 private:
  explicit Params(const ParamsLiteral& lit);
  ring::u64 pow_mod_2n(ring::u64 base, std::uint64_t e) const;
  ParamsLiteral lit_;
  std::vector<ring::u64> q_, p_;
  std::vector<std::size_t> digit_begin_;  // first limb of each digit at the top level, then L + 1
  std::vector<std::size_t> specials_;     // special_primes_at(level), by level
  SecurityCheck security_;
  std::uint64_t fingerprint_ = 0;
  std::unique_ptr<ring::RingContext> ring_;
  std::unique_ptr<ring::RnsTools> tools_;
};

using ParamsPtr = std::shared_ptr<const Params>;

}  // namespace fhecnn::rlwe
