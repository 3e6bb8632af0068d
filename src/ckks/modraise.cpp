#include "ckks/modraise.hpp"

#include <cmath>
#include <cstring>

#include "common/error.hpp"
#include "ring/poly_ops.hpp"
#include "ring/sampler.hpp"
#include "rlwe/keygen.hpp"
#include "rlwe/keyswitch.hpp"

namespace fhecnn::ckks {

using ring::RnsPoly;

namespace {

int bits_of(std::uint64_t q) { return static_cast<int>(std::ceil(std::log2(static_cast<double>(q)))); }

// Centred coefficients of a level-0 polynomial (NTT form over q_0).
std::vector<std::int64_t> centred_coefficients(const rlwe::Params& params, const RnsPoly& a) {
  RnsPoly coeff = a;
  ring::from_ntt(params.ring(), coeff);
  const std::uint64_t q0 = params.q_primes()[0];
  std::vector<std::int64_t> out(params.n());
  const std::uint64_t* v = coeff.limb(0);
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = v[i] > q0 / 2 ? -static_cast<std::int64_t>(q0 - v[i]) : static_cast<std::int64_t>(v[i]);
  }
  return out;
}

// The limbs of a main-parameter polynomial (over Q_L P) on the level-0 set's q_0, p_0, p_1.
RnsPoly restrict_to_level0(const rlwe::Params& main, const rlwe::Params& level0, const RnsPoly& s) {
  const auto& ring = main.ring();
  const auto basis = level0.ring().qp_basis(Level{0});
  RnsPoly out(level0.n(), basis, true, ring::Uninitialized{});
  const std::vector<std::size_t> from{0, main.max_level().limbs(), main.max_level().limbs() + 1};
  for (std::size_t k = 0; k < from.size(); ++k) {
    require(s.basis()[from[k]] == (k == 0 ? 0 : ring.p_index(k - 1)), "restrict secret",
            "unexpected basis layout");
    std::memcpy(out.limb(k), s.limb(from[k]), main.n() * sizeof(std::uint64_t));
  }
  return out;
}

}  // namespace

rlwe::Ciphertext mod_raise(const rlwe::Params& params, const rlwe::Ciphertext& c, Level target) {
  require(c.size() == 2, "mod raise", "the ciphertext has ", c.size(), " parts; relinearise first");
  require(c.level().value == 0, "mod raise", "the ciphertext is at level ", c.level().value,
          ", not 0; drop it to level 0 first");
  require(target.value >= 0 && target <= params.max_level(), "mod raise", "target ", target,
          " is outside [0, ", params.max_level().value, "]");
  rlwe::Ciphertext r;
  r.scale = c.scale;
  r.slots = c.slots;
  const auto basis = params.ring().q_basis(target);
  for (const auto& part : c.parts) {
    RnsPoly raised = ring::from_signed(params.ring(), centred_coefficients(params, part), basis);
    ring::to_ntt(params.ring(), raised);
    r.parts.push_back(std::move(raised));
  }
  return r;
}

rlwe::ParamsPtr encapsulation_params(const rlwe::Params& params, int hamming_weight) {
  require(params.p_primes().size() >= 2, "derive encapsulation parameters",
          "the parameter set has ", params.p_primes().size(), " special primes; 2 are needed");
  rlwe::ParamsLiteral lit;
  lit.name = params.name() + "-encapsulation";
  lit.log_n = params.log_n().value;
  lit.q_values = {params.q_primes()[0]};
  lit.p_values = {params.p_primes()[0], params.p_primes()[1]};
  lit.log_q = {bits_of(lit.q_values[0])};
  lit.log_p = {bits_of(lit.p_values[0]), bits_of(lit.p_values[1])};
  lit.dnum = 1;
  lit.secret = rlwe::SecretDistribution::SparseTernary;
  lit.hamming_weight = hamming_weight;
  lit.log_default_scale = params.literal().log_default_scale;
  lit.sigma = params.literal().sigma;
  lit.allow_insecure = params.literal().allow_insecure;
  return rlwe::Params::create(lit);
}

EncapsulationKeys gen_encapsulation_keys(const rlwe::ParamsPtr& params, const rlwe::SecretKey& sk,
                                         int hamming_weight) {
  EncapsulationKeys keys;
  keys.hamming_weight = hamming_weight;
  keys.level0 = encapsulation_params(*params, hamming_weight);
  ring::RandomSource rng;
  auto coeffs = ring::sample_sparse_ternary(params->n(), static_cast<std::size_t>(hamming_weight), rng);
  const auto& small_ring = keys.level0->ring();
  rlwe::SecretKey sparse_small{ring::from_signed(small_ring, coeffs, small_ring.qp_basis(Level{0}))};
  ring::to_ntt(small_ring, sparse_small.s);
  RnsPoly sparse_main = ring::from_signed(params->ring(), coeffs, params->ring().qp_basis(params->max_level()));
  ring::to_ntt(params->ring(), sparse_main);
  std::fill(coeffs.begin(), coeffs.end(), 0);
  keys.to_sparse = rlwe::KeyGenerator(keys.level0)
                       .gen_switching_key(sparse_small, restrict_to_level0(*params, *keys.level0, sk.s), Level{0});
  keys.to_dense = rlwe::KeyGenerator(params).gen_switching_key(sk, sparse_main, params->max_level());
  return keys;
}

rlwe::Ciphertext encapsulated_mod_raise(const rlwe::ParamsPtr& params, const EncapsulationKeys& keys,
                                        const rlwe::Ciphertext& c) {
  require(keys.level0 != nullptr && keys.level0->q_primes()[0] == params->q_primes()[0],
          "mod raise", "the encapsulation keys belong to other parameters");
  require(c.size() == 2 && c.level().value == 0, "mod raise",
          "needs a relinearised level-0 ciphertext, got level ", c.level().value, " with ", c.size(), " parts");
  // 1. s -> s' at level 0 (modulus q_0 p_0 p_1).
  rlwe::Ciphertext sparse = c;
  auto [d0, d1] = rlwe::KeySwitcher(keys.level0).switch_key(c.parts[1], keys.to_sparse);
  ring::add_inplace(params->ring(), sparse.parts[0], d0);
  sparse.parts[1] = std::move(d1);
  // 2. Raise under s'. 3. s' -> s at the top.
  rlwe::Ciphertext raised = mod_raise(*params, sparse, keys.to_dense.max_level);
  auto [e0, e1] = rlwe::KeySwitcher(params).switch_key(raised.parts[1], keys.to_dense);
  ring::add_inplace(params->ring(), raised.parts[0], e0);
  raised.parts[1] = std::move(e1);
  return raised;
}

}  // namespace fhecnn::ckks
