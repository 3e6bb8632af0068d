#include "math/crt.hpp"

#include <cmath>

#include "common/error.hpp"

namespace fhecnn::math {
namespace {

using Words = std::vector<u64>;

// a += b * m (b has the same length as a, m a word); returns nothing, carries are dropped past a.
void add_mul(Words& a, const Words& b, u64 m) {
  u64 carry = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const u128 t = static_cast<u128>(b[i]) * m + a[i] + carry;
    a[i] = static_cast<u64>(t);
    carry = static_cast<u64>(t >> 64);
  }
}

bool geq(const Words& a, const Words& b) {
  for (std::size_t i = a.size(); i-- > 0;) {
    if (a[i] != b[i]) return a[i] > b[i];
  }
  return true;
}

void sub_in(Words& a, const Words& b) {
  u64 borrow = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const u64 t = a[i] - b[i] - borrow;
    borrow = (a[i] < b[i] || (a[i] == b[i] && borrow)) ? 1 : 0;
    a[i] = t;
  }
}

long double to_ld(const Words& a) {
  long double r = 0;
  for (std::size_t i = a.size(); i-- > 0;) r = r * 18446744073709551616.0L + a[i];
  return r;
}

}  // namespace

CrtComposer::CrtComposer(std::vector<Modulus> moduli) : moduli_(std::move(moduli)) {
  require(!moduli_.empty(), "build CRT composer", "empty basis");
  const std::size_t k = moduli_.size();
  words_ = k + 1;
  big_q_.assign(words_, 0);
  big_q_[0] = 1;
  for (const auto& q : moduli_) {
    Words t(words_, 0);
    add_mul(t, big_q_, q.value);
    big_q_ = t;
  }
  half_q_ = big_q_;
  for (std::size_t i = 0; i < words_; ++i) {
    half_q_[i] = (half_q_[i] >> 1) | (i + 1 < words_ ? (half_q_[i + 1] << 63) : 0);
  }
  qhat_.resize(k);
  qhat_inv_.resize(k);
  for (std::size_t i = 0; i < k; ++i) {
    Words h(words_, 0);
    h[0] = 1;
    u64 hmod = 1;
    for (std::size_t j = 0; j < k; ++j) {
      if (j == i) continue;
      Words t(words_, 0);
      add_mul(t, h, moduli_[j].value);
      h = t;
      hmod = mul_mod(hmod, reduce_64(moduli_[j].value, moduli_[i]), moduli_[i]);
    }
    qhat_[i] = h;
    qhat_inv_[i] = inv_mod(hmod, moduli_[i]);
  }
}

long double CrtComposer::compose_centered(const u64* residues, std::size_t stride) const {
  const std::size_t k = moduli_.size();
  Words acc(words_ + 1, 0);
  Words term(words_ + 1, 0);
  for (std::size_t i = 0; i < k; ++i) {
    const u64 y = mul_mod(residues[i * stride], qhat_inv_[i], moduli_[i]);
    std::copy(qhat_[i].begin(), qhat_[i].end(), term.begin());
    add_mul(acc, term, y);
  }
  // acc < k * Q: subtract Q until reduced (estimate the count first in floating point).
  Words q_ext(words_ + 1, 0), half_ext(words_ + 1, 0);
  std::copy(big_q_.begin(), big_q_.end(), q_ext.begin());
  std::copy(half_q_.begin(), half_q_.end(), half_ext.begin());
  long double est = to_ld(acc) / to_ld(q_ext);
  if (est >= 1) {
    u64 times = static_cast<u64>(std::floor(est));
    if (times > 0) times -= 1;  // stay conservative; the loop below finishes the job
    Words sub(words_ + 1, 0);
    add_mul(sub, q_ext, times);
    sub_in(acc, sub);
  }
  while (geq(acc, q_ext)) sub_in(acc, q_ext);
  if (geq(acc, half_ext) && !(acc == half_ext)) {
    Words neg = q_ext;
    sub_in(neg, acc);
    return -to_ld(neg);
  }
  return to_ld(acc);
}

}  // namespace fhecnn::math
