#include "ring/context.hpp"

#include <algorithm>

#include "common/error.hpp"

namespace fhecnn::ring {

RingContext::RingContext(LogN log_n, std::vector<u64> q_primes, std::vector<u64> p_primes)
    : n_(log_n.degree()), log_n_(log_n), q_count_(q_primes.size()) {
  require(!q_primes.empty(), "build ring context", "no ciphertext primes");
  std::vector<u64> all = q_primes;
  all.insert(all.end(), p_primes.begin(), p_primes.end());
  auto sorted = all;
  std::sort(sorted.begin(), sorted.end());
  require(std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end(), "build ring context",
          "a prime appears twice");
  for (u64 q : all) {
    moduli_.emplace_back(q);
    ntt_.push_back(std::make_unique<math::NttTables>(n_, moduli_.back()));
  }
}

Basis RingContext::q_basis(Level level) const {
  require(level.value >= 0 && static_cast<std::size_t>(level.value) < q_count_,
          "select primes", level, " is outside [0, ", q_count_ - 1, "]");
  Basis b(level.limbs());
  for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<PrimeIndex>(i);
  return b;
}

Basis RingContext::p_basis() const { return p_basis(p_count()); }

Basis RingContext::p_basis(std::size_t specials) const {
  require(specials <= p_count(), "select special primes", specials, " of ", p_count());
  Basis b(specials);
  for (std::size_t j = 0; j < b.size(); ++j) b[j] = p_index(j);
  return b;
}

Basis RingContext::qp_basis(Level level) const { return qp_basis(level, p_count()); }

Basis RingContext::qp_basis(Level level, std::size_t specials) const {
  Basis b = q_basis(level);
  const Basis p = p_basis(specials);
  b.insert(b.end(), p.begin(), p.end());
  return b;
}

const std::vector<std::uint32_t>& RingContext::automorphism_permutation(GaloisElement g) const {
  const u64 two_n = 2 * n_;
  require(g.value % 2 == 1 && g.value < two_n, "apply automorphism", g, " is not odd in [1, ",
          two_n, ")");
  std::lock_guard<std::mutex> lock(perm_mutex_);
  auto it = perms_.find(g.value);
  if (it != perms_.end()) return it->second;
  const int log_n = log_n_.value;
  std::vector<std::uint32_t> perm(n_);
  // Slot k holds a(psi^(2 brv(k) + 1)); a(X^g) there equals a at exponent (2 brv(k) + 1) g.
  for (std::size_t k = 0; k < n_; ++k) {
    const u64 e = ((2 * math::bit_reverse(k, log_n) + 1) * g.value) % two_n;
    perm[k] = static_cast<std::uint32_t>(math::bit_reverse((e - 1) / 2, log_n));
  }
  return perms_.emplace(g.value, std::move(perm)).first->second;
}

}  // namespace fhecnn::ring
