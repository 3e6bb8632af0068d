#include "rlwe/keyswitch.hpp"

#include "common/error.hpp"
#include "ring/poly_ops.hpp"

namespace fhecnn::rlwe {

using math::u128;
using ring::RnsPoly;

KeySwitcher::KeySwitcher(ParamsPtr params) : params_(std::move(params)) {}

Decomposition KeySwitcher::decompose(const RnsPoly& c) const {
  require(c.is_ntt(), "key switch", "input must be in NTT form");
  const Level level{static_cast<int>(c.limbs()) - 1};
  RnsPoly coeff = c;
  ring::from_ntt(params_->ring(), coeff);
  Decomposition d{level, {}};
  for (std::size_t j = 0; j < params_->digits_at(level); ++j) {
    const auto [begin, end] = params_->digit_range(j, level);
    d.digits.push_back(params_->tools().mod_up(coeff, c, begin, end));
  }
  return d;
}

namespace {

// acc0 = sum_j digit_j(perm) * b_j, acc1 = sum_j digit_j(perm) * a_j on limb i, lazily reduced.
void inner_product_limb(const Decomposition& d, const SwitchingKey& key, std::size_t i,
                        std::size_t key_limb, const math::Modulus& q,
                        const std::vector<std::uint32_t>* perm, ring::u64* out0,
                        ring::u64* out1, std::size_t n) {
  const std::size_t digits = d.digits.size();
  for (std::size_t c = 0; c < n; ++c) {
    u128 acc0 = 0, acc1 = 0;
    const std::size_t src = perm ? (*perm)[c] : c;
    for (std::size_t j = 0; j < digits; ++j) {
      const ring::u64 x = d.digits[j].limb(i)[src];
      acc0 += static_cast<u128>(x) * key.b[j].limb(key_limb)[c];
      acc1 += static_cast<u128>(x) * key.a[j].limb(key_limb)[c];
      if ((j & 15) == 15) {
        acc0 = math::reduce_128(acc0, q);
        acc1 = math::reduce_128(acc1, q);
      }
    }
    out0[c] = math::reduce_128(acc0, q);
    out1[c] = math::reduce_128(acc1, q);
  }
}

}  // namespace

std::pair<RnsPoly, RnsPoly> KeySwitcher::apply(const Decomposition& d, const SwitchingKey& key,
                                               std::optional<GaloisElement> g) const {
  require(key.max_level >= d.level, "key switch", "key was generated up to level ",
          key.max_level.value, " but the ciphertext is at level ", d.level.value);
  require(key.digits() >= d.digits.size(), "key switch", "key has ", key.digits(),
          " digits, needs ", d.digits.size());
  const auto& ring = params_->ring();
  const auto basis = ring.qp_basis(d.level);
  const std::size_t n = params_->n(), nq = d.level.limbs();
  const std::size_t key_p_offset = key.max_level.limbs();
  const std::vector<std::uint32_t>* perm = g ? &ring.automorphism_permutation(*g) : nullptr;
  RnsPoly r0(n, basis, true), r1(n, basis, true);
#pragma omp parallel for schedule(static)
  for (long il = 0; il < static_cast<long>(basis.size()); ++il) {
    const std::size_t i = static_cast<std::size_t>(il);
    const std::size_t key_limb = i < nq ? i : key_p_offset + (i - nq);
    inner_product_limb(d, key, i, key_limb, ring.modulus(basis[i]), perm, r0.limb(i),
                       r1.limb(i), n);
  }
  params_->tools().mod_down_inplace(r0);
  params_->tools().mod_down_inplace(r1);
  return {std::move(r0), std::move(r1)};
}

std::pair<RnsPoly, RnsPoly> KeySwitcher::switch_key(const RnsPoly& c, const SwitchingKey& key) const {
  return apply(decompose(c), key);
}

}  // namespace fhecnn::rlwe
