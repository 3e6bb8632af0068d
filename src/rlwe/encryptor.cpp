#include "rlwe/encryptor.hpp"

#include "common/error.hpp"
#include "ring/poly_ops.hpp"

namespace fhecnn::rlwe {

using ring::RnsPoly;

Encryptor::Encryptor(ParamsPtr params, const PublicKey& pk) : params_(std::move(params)), pk_(&pk) {}
Encryptor::Encryptor(ParamsPtr params, const SecretKey& sk) : params_(std::move(params)), sk_(&sk) {}

namespace {

RnsPoly error_poly(const Params& p, const ring::Basis& basis, ring::RandomSource& rng) {
  auto e = ring::from_signed(p.ring(), ring::sample_gaussian(p.n(), p.literal().sigma, rng), basis);
  ring::to_ntt(p.ring(), e);
  return e;
}

}  // namespace

Ciphertext Encryptor::encrypt_zero(Level level, Scale scale, std::size_t slots) const {
  require(level.value >= 0 && level <= params_->max_level(), "encrypt", level,
          " is outside [0, ", params_->max_level().value, "]");
  const auto& ring = params_->ring();
  const auto basis = ring.q_basis(level);
  const std::size_t n = params_->n();
  ring::RandomSource rng;
  Ciphertext ct;
  ct.scale = scale;
  ct.slots = slots;
  if (pk_) {
    // (u b + e0, u a + e1) with ternary u.
    RnsPoly u = ring::from_signed(ring, ring::sample_ternary(n, rng), basis);
    ring::to_ntt(ring, u);
    RnsPoly c0 = error_poly(*params_, basis, rng), c1 = error_poly(*params_, basis, rng);
    ring::mul_add_inplace(ring, u, pk_->b.select(basis), c0);
    ring::mul_add_inplace(ring, u, pk_->a.select(basis), c1);
    ct.parts = {std::move(c0), std::move(c1)};
  } else {
    // (-a s + e, a) with a uniform.
    RnsPoly a = ring::sample_uniform(ring, basis, rng);
    RnsPoly c0 = error_poly(*params_, basis, rng);
    RnsPoly as(n, basis, true);
    ring::mul(ring, a, sk_->s.select(basis), as);
    ring::sub_inplace(ring, c0, as);
    ct.parts = {std::move(c0), std::move(a)};
  }
  return ct;
}

Ciphertext Encryptor::encrypt(const Plaintext& pt) const {
  require(pt.poly.is_ntt() && pt.poly.limbs() >= 1, "encrypt", "plaintext must be in NTT form");
  Ciphertext ct = encrypt_zero(pt.level(), pt.scale, pt.slots);
  ring::add_inplace(params_->ring(), ct.parts[0], pt.poly);
  return ct;
}

Decryptor::Decryptor(ParamsPtr params, const SecretKey& sk) : params_(std::move(params)), sk_(sk) {}

Plaintext Decryptor::decrypt(const Ciphertext& ct) const {
  require(ct.size() >= 2 && ct.size() <= 3, "decrypt", "ciphertext has ", ct.size(), " parts");
  const auto& ring = params_->ring();
  const auto basis = ring.q_basis(ct.level());
  const RnsPoly s = sk_.s.select(basis);
  Plaintext pt{ct.parts[0], ct.scale, ct.slots};
  ring::mul_add_inplace(ring, ct.parts[1], s, pt.poly);
  if (ct.size() == 3) {
    RnsPoly s2 = s;
    ring::mul_inplace(ring, s2, s);
    ring::mul_add_inplace(ring, ct.parts[2], s2, pt.poly);
  }
  return pt;
}

}  // namespace fhecnn::rlwe
