#include "rlwe/keyswitch.hpp"

#include <algorithm>

#include "common/error.hpp"
#include "math/dotmod.hpp"
#include "math/vecops.hpp"
#include "ring/poly_ops.hpp"

namespace fhecnn::rlwe {

using ring::RnsPoly;

KeySwitcher::KeySwitcher(ParamsPtr params) : params_(std::move(params)) {}

Decomposition KeySwitcher::decompose(const RnsPoly& c, std::size_t specials) const {
  require(c.is_ntt(), "key switch", "input must be in NTT form");
  require(specials >= 1 && specials <= params_->p_primes().size(), "key switch", specials,
          " special primes requested, the parameters have ", params_->p_primes().size());
  const Level level{static_cast<int>(c.limbs()) - 1};
  RnsPoly coeff = c;
  ring::from_ntt(params_->ring(), coeff);
  Decomposition d{level, specials, {}};
  for (std::size_t j = 0; j < params_->digits_at(level); ++j) {
    const auto [begin, end] = params_->digit_range(j, level);
    d.digits.push_back(params_->tools().mod_up(coeff, c, begin, end, specials));
  }
  return d;
}

std::size_t KeySwitcher::specials(const SwitchingKey& key) const {
  return params_->special_primes_at(key.max_level);
}

namespace {

// out = sum_j a_j * b_j mod q over any number of terms (chunks of 16 for the kernel).
void dot_chunked(const std::vector<const ring::u64*>& a, const std::vector<const ring::u64*>& b,
                 ring::u64* out, std::size_t n, const math::Modulus& q) {
  std::vector<ring::u64> part;
  for (std::size_t first = 0; first < a.size(); first += 16) {
    const std::size_t cnt = std::min<std::size_t>(16, a.size() - first);
    if (first == 0) {
      math::dot_mod_pairs(a.data(), b.data(), cnt, out, n, q);
    } else {
      part.resize(n);
      math::dot_mod_pairs(a.data() + first, b.data() + first, cnt, part.data(), n, q);
      math::add_mod_vec(out, part.data(), out, n, q);
    }
  }
}

// out0 = sum_j digit_j * b_j, out1 = sum_j digit_j * a_j on limb i (ring prime `prime`).
// a_scratch: digits * n residues when the key is compressed (its a_j limbs, expanded here).
void inner_product_limb(const ring::RingContext& ring, const Decomposition& d,
                        const SwitchingKey& key, std::size_t i, std::size_t key_limb,
                        ring::PrimeIndex prime, ring::u64* a_scratch, ring::u64* out0,
                        ring::u64* out1, std::size_t n) {
  const math::Modulus& q = ring.modulus(prime);
  const std::size_t digits = d.digits.size();
  std::vector<const ring::u64*> x(digits), kb(digits), ka(digits);
  for (std::size_t j = 0; j < digits; ++j) {
    x[j] = d.digits[j].limb(i);
    kb[j] = key.b[j].limb(key_limb);
    if (key.compressed()) {
      expand_key_a_limb(ring, key.seed, j, prime, a_scratch + j * n);
      ka[j] = a_scratch + j * n;
    } else {
      ka[j] = key.a[j].limb(key_limb);
    }
  }
  dot_chunked(x, kb, out0, n, q);
  dot_chunked(x, ka, out1, n, q);
}

}  // namespace

void KeySwitcher::check_inner_product(const Decomposition& d, const SwitchingKey& key) const {
  require(key.max_level >= d.level, "key switch", "key was generated up to level ",
          key.max_level.value, " but the ciphertext is at level ", d.level.value);
  require(key.digits() >= d.digits.size(), "key switch", "key has ", key.digits(),
          " digits, needs ", d.digits.size());
  require(specials(key) == d.specials, "key switch", "the key uses ", specials(key),
          " special primes, the decomposition ", d.specials);
}

void KeySwitcher::inner_product_limbs(const Decomposition& d, const SwitchingKey& key,
                                      std::array<RnsPoly, 2>* out, const LimbSink* sink) const {
  check_inner_product(d, key);
  const auto& ring = params_->ring();
  const auto basis = ring.qp_basis(d.level, d.specials);
  const std::size_t n = params_->n(), nq = d.level.limbs();
  const std::size_t key_p_offset = key.max_level.limbs();
  if (out) {
    for (auto& p : *out) p = RnsPoly(n, basis, true, ring::Uninitialized{});
  }
#pragma omp parallel
  {
    ring::LimbStorage a_scratch(key.compressed() ? d.digits.size() * n : 0);
    ring::LimbStorage r0(out ? 0 : n), r1(out ? 0 : n);  // per-thread buffers without `out`
#pragma omp for schedule(static, 1)
    for (long il = 0; il < static_cast<long>(basis.size()); ++il) {
      const std::size_t i = static_cast<std::size_t>(il);
      const std::size_t key_limb = i < nq ? i : key_p_offset + (i - nq);
      ring::u64* k0 = out ? (*out)[0].limb(i) : r0.data();
      ring::u64* k1 = out ? (*out)[1].limb(i) : r1.data();
      inner_product_limb(ring, d, key, i, key_limb, basis[i], a_scratch.data(), k0, k1, n);
      if (sink) (*sink)(i, k0, k1);
    }
  }
}

void KeySwitcher::inner_product_limbwise(const Decomposition& d, const SwitchingKey& key,
                                         const LimbSink& sink) const {
  inner_product_limbs(d, key, nullptr, &sink);
}

std::pair<RnsPoly, RnsPoly> KeySwitcher::inner_product(const Decomposition& d,
                                                       const SwitchingKey& key) const {
  std::array<RnsPoly, 2> r;
  inner_product_limbs(d, key, &r, nullptr);
  return {std::move(r[0]), std::move(r[1])};
}

std::pair<RnsPoly, RnsPoly> KeySwitcher::apply(const Decomposition& d,
                                               const SwitchingKey& key) const {
  auto r = inner_product(d, key);
  params_->tools().mod_down_inplace(r.first);
  params_->tools().mod_down_inplace(r.second);
  return r;
}

std::pair<RnsPoly, RnsPoly> KeySwitcher::switch_key(const RnsPoly& c, const SwitchingKey& key) const {
  return apply(decompose(c, specials(key)), key);
}

}  // namespace fhecnn::rlwe
