#include "rlwe/keygen.hpp"

#include "common/error.hpp"
#include "math/vecops.hpp"
#include "ring/poly_ops.hpp"

namespace fhecnn::rlwe {

using ring::RnsPoly;

KeyGenerator::KeyGenerator(ParamsPtr params) : params_(std::move(params)) {
  require(params_ != nullptr, "create key generator", "no parameters");
}

Level KeyGenerator::resolve(std::optional<Level> l) const {
  const Level top = params_->max_level();
  const Level v = l.value_or(top);
  require(v.value >= 0 && v <= top, "generate key", "level ", v.value, " is outside [0, ",
          top.value, "]");
  return v;
}

SecretKey KeyGenerator::gen_secret_key() const {
  ring::RandomSource rng;
  const auto& lit = params_->literal();
  const auto coeffs = lit.secret == SecretDistribution::SparseTernary
                          ? ring::sample_sparse_ternary(params_->n(),
                                                        static_cast<std::size_t>(lit.hamming_weight), rng)
                          : ring::sample_ternary(params_->n(), rng);
  const auto& ring = params_->ring();
  SecretKey sk{ring::from_signed(ring, coeffs, ring.qp_basis(params_->max_level()))};
  ring::to_ntt(ring, sk.s);
  return sk;
}

namespace {

// Gaussian error over `basis`, NTT form.
RnsPoly sample_error(const Params& params, const ring::Basis& basis, ring::RandomSource& rng) {
  auto e = ring::from_signed(params.ring(), ring::sample_gaussian(params.n(), params.literal().sigma, rng), basis);
  ring::to_ntt(params.ring(), e);
  return e;
}

}  // namespace

PublicKey KeyGenerator::gen_public_key(const SecretKey& sk) const {
  const auto& ring = params_->ring();
  const auto basis = ring.q_basis(params_->max_level());
  PublicKey pk;
  pk.seed = ring::random_seed();
  ring::RandomSource a_rng(pk.seed);
  pk.a = ring::sample_uniform(ring, basis, a_rng);
  ring::RandomSource rng;
  pk.b = sample_error(*params_, basis, rng);
  RnsPoly as(params_->n(), basis, true);
  ring::mul(ring, pk.a, sk.s, as);
  ring::sub_inplace(ring, pk.b, as);
  return pk;
}

RnsPoly expand_key_a(const Params& params, const ring::Seed& seed, std::size_t digit,
                     Level max_level) {
  const auto& ring = params.ring();
  const ring::Basis basis = params.key_basis(max_level);
  RnsPoly a(params.n(), basis, true, ring::Uninitialized{});
#pragma omp parallel for schedule(static, 1)
  for (long i = 0; i < static_cast<long>(basis.size()); ++i) {
    expand_key_a_limb(ring, seed, digit, basis[static_cast<std::size_t>(i)],
                      a.limb(static_cast<std::size_t>(i)));
  }
  return a;
}

SwitchingKey KeyGenerator::gen_switching_key(const SecretKey& sk, const RnsPoly& s_from,
                                             Level max_level) const {
  return gen_switching_key_to(sk.s, s_from, max_level);
}

SwitchingKey KeyGenerator::gen_switching_key_to(const RnsPoly& s_to, const RnsPoly& s_from,
                                                Level max_level) const {
  const auto& ring = params_->ring();
  const auto basis = params_->key_basis(max_level);
  const RnsPoly s = s_to.select(basis);
  const RnsPoly sf = s_from.select(basis);
  // P mod q_i for the gadget term, P = the special primes of the key's level.
  const auto& p_mod =
      params_->tools().p_mod_q(params_->special_primes_at(max_level));
  SwitchingKey key;
  key.max_level = max_level;
  key.seed = ring::random_seed();
  ring::RandomSource rng;
  const std::size_t n = params_->n();
  for (std::size_t j = 0; j < params_->digits_at(max_level); ++j) {
    RnsPoly a = expand_key_a(*params_, key.seed, j, max_level);
    RnsPoly b = sample_error(*params_, basis, rng);
    RnsPoly as(n, basis, true);
    ring::mul(ring, a, s, as);
    ring::sub_inplace(ring, b, as);
    const auto [begin, end] = params_->digit_range(j, max_level);
    for (std::size_t i = begin; i < end; ++i) {
      const auto& qi = ring.modulus(static_cast<ring::PrimeIndex>(i));
      math::mul_scalar_add_mod_vec(sf.limb(i), p_mod[i], b.limb(i), n, qi);
    }
    key.b.push_back(std::move(b));
    key.a.push_back(std::move(a));
  }
  return key;
}

SwitchingKey KeyGenerator::gen_relin_key(const SecretKey& sk, std::optional<Level> max_level) const {
  RnsPoly s2 = sk.s;
  ring::mul_inplace(params_->ring(), s2, sk.s);
  return gen_switching_key(sk, s2, resolve(max_level));
}

SwitchingKey KeyGenerator::gen_galois_key(const SecretKey& sk, GaloisElement g,
                                          std::optional<Level> max_level) const {
  // Output form: a switching key from s to sigma_g^-1(s). Key-switching c under it gives
  // (u0, u1) with u0 + u1 sigma_g^-1(s) ~= c s, so sigma_g(u0, u1) decrypts under s to
  // sigma_g(c) sigma_g(s): the automorphism is applied once to the two outputs instead of to
  // every digit of a hoisted decomposition.
  const auto& ring = params_->ring();
  RnsPoly s_inv(sk.s.n(), sk.s.basis(), true);
  ring::automorphism_ntt(ring, sk.s, params_->inverse_galois(g), s_inv);
  return gen_switching_key_to(s_inv, sk.s, resolve(max_level));
}

void KeyGenerator::add_rotation_keys(EvaluationKeys& keys, const SecretKey& sk,
                                     const std::vector<int>& steps, std::size_t slots,
                                     std::optional<Level> max_level) const {
  for (int step : steps) {
    const GaloisElement g = params_->rotation_element(RotationStep{step}, slots);
    if (g.value == 1 || keys.has_galois_key(g)) continue;
    keys.add_galois_key(g, gen_galois_key(sk, g, max_level));
  }
}

void KeyGenerator::add_conjugation_key(EvaluationKeys& keys, const SecretKey& sk,
                                       std::optional<Level> max_level) const {
  const GaloisElement g = params_->conjugation_element();
  keys.add_galois_key(g, gen_galois_key(sk, g, max_level));
}

}  // namespace fhecnn::rlwe
