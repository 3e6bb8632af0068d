#include "ckks/evaluator.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>

#include "common/error.hpp"
#include "common/parallel.hpp"
#include "math/vecops.hpp"
#include "ring/poly_ops.hpp"

namespace fhecnn::ckks {

using ring::RnsPoly;
using ring::u64;

Evaluator::Evaluator(rlwe::ParamsPtr params, const rlwe::KeyProvider* keys)
    : params_(std::move(params)), keys_(keys), encoder_(params_), switcher_(params_) {}

const rlwe::KeyProvider& Evaluator::keys(const char* op) const {
  require(keys_ != nullptr, op, "the evaluator was built without evaluation keys");
  return *keys_;
}

namespace {

bool scales_match(Scale a, Scale b) {
  return std::fabs(a.value - b.value) <= 1e-9 * std::max(a.value, b.value);
}

void check_slots(const Ciphertext& a, std::size_t slots, const char* op) {
  require(a.slots == slots, op, "slot counts differ (", a.slots, " vs ", slots, ")");
}

// Multiplies limb values by w_lo in the first half of the NTT slots and w_hi in the second
// (the NTT of a + b X^(N/2) is a + b I there and a - b I here, with I = psi^(N/2)).
void scale_halves(const u64* in, u64* out, std::size_t n, u64 w_lo, u64 w_hi,
                  const math::Modulus& q, bool accumulate) {
  const std::size_t h = n / 2;
  if (accumulate) {
    math::mul_scalar_add_mod_vec(in, w_lo, out, h, q);
    math::mul_scalar_add_mod_vec(in + h, w_hi, out + h, h, q);
  } else {
    math::mul_scalar_mod_vec(in, w_lo, out, h, q);
    math::mul_scalar_mod_vec(in + h, w_hi, out + h, h, q);
  }
}

// (re + im I, re - im I) mod q for the constant re + im X^(N/2).
std::pair<u64, u64> constant_halves(const rlwe::Params& p, std::size_t limb, u64 re, u64 im) {
  const auto& tables = p.ring().ntt(static_cast<ring::PrimeIndex>(limb));
  const auto& q = tables.modulus();
  const u64 i_unit = math::pow_mod(tables.psi(), p.n() / 2, q);
  const u64 t = math::mul_mod(im, i_unit, q);
  return {math::add_mod(re, t, q.value), math::sub_mod(re, t, q.value)};
}

}  // namespace

void Evaluator::align(Ciphertext& a, const Ciphertext& b, const char* op) const {
  check_slots(a, b.slots, op);
  require(scales_match(a.scale, b.scale), op, "scales differ (", a.scale, " vs ", b.scale, ")");
  if (b.level() < a.level()) drop_to_level_inplace(a, b.level());
}

void Evaluator::add_inplace(Ciphertext& a, const Ciphertext& b) const {
  align(a, b, "add");
  const auto& ring = params_->ring();
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    ring::add(ring, a.parts[i], b.parts[i], a.parts[i]);
  }
  for (std::size_t i = a.size(); i < b.size(); ++i) {
    a.parts.push_back(b.parts[i].select(a.parts[0].basis()));
  }
}

void Evaluator::sub_inplace(Ciphertext& a, const Ciphertext& b) const {
  align(a, b, "subtract");
  const auto& ring = params_->ring();
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    ring::sub(ring, a.parts[i], b.parts[i], a.parts[i]);
  }
  for (std::size_t i = a.size(); i < b.size(); ++i) {
    a.parts.push_back(b.parts[i].select(a.parts[0].basis()));
    ring::negate_inplace(ring, a.parts.back());
  }
}

Ciphertext Evaluator::add(const Ciphertext& a, const Ciphertext& b) const {
  Ciphertext r = a;
  add_inplace(r, b);
  return r;
}

Ciphertext Evaluator::sub(const Ciphertext& a, const Ciphertext& b) const {
  Ciphertext r = a;
  sub_inplace(r, b);
  return r;
}

void Evaluator::negate_inplace(Ciphertext& a) const {
  for (auto& p : a.parts) ring::negate_inplace(params_->ring(), p);
}

void Evaluator::add_plain_inplace(Ciphertext& a, const Plaintext& p) const {
  check_slots(a, p.slots, "add plaintext");
  require(scales_match(a.scale, p.scale), "add plaintext", "scales differ (", a.scale, " vs ",
          p.scale, ")");
  if (p.level() < a.level()) drop_to_level_inplace(a, p.level());
  ring::add(params_->ring(), a.parts[0], p.poly, a.parts[0]);
}

void Evaluator::sub_plain_inplace(Ciphertext& a, const Plaintext& p) const {
  check_slots(a, p.slots, "subtract plaintext");
  require(scales_match(a.scale, p.scale), "subtract plaintext", "scales differ (", a.scale,
          " vs ", p.scale, ")");
  if (p.level() < a.level()) drop_to_level_inplace(a, p.level());
  ring::sub(params_->ring(), a.parts[0], p.poly, a.parts[0]);
}

void Evaluator::add_const_inplace(Ciphertext& a, Complex c) const {
  const auto [re, im] = encoder_.constant_residues(c, a.scale, a.level());
  const std::size_t n = params_->n(), h = n / 2;
  for (std::size_t i = 0; i < a.level().limbs(); ++i) {
    const auto [lo, hi] = constant_halves(*params_, i, re[i], im[i]);
    const u64 q = params_->ring().modulus(static_cast<ring::PrimeIndex>(i)).value;
    u64* x = a.parts[0].limb(i);
    for (std::size_t k = 0; k < h; ++k) x[k] = math::add_mod(x[k], lo, q);
    for (std::size_t k = h; k < n; ++k) x[k] = math::add_mod(x[k], hi, q);
  }
}

void Evaluator::multiply_plain_inplace(Ciphertext& a, const Plaintext& p) const {
  check_slots(a, p.slots, "multiply by plaintext");
  if (p.level() < a.level()) drop_to_level_inplace(a, p.level());
  for (auto& part : a.parts) ring::mul(params_->ring(), part, p.poly, part);
  a.scale = Scale{a.scale.value * p.scale.value};
}

void Evaluator::multiply_plain_then_add(const Ciphertext& a, const Plaintext& p,
                                        Ciphertext& acc) const {
  check_slots(a, p.slots, "multiply-add plaintext");
  check_slots(acc, a.slots, "multiply-add plaintext");
  require(scales_match(acc.scale, Scale{a.scale.value * p.scale.value}), "multiply-add plaintext",
          "accumulator scale ", acc.scale, " differs from the product's ",
          Scale{a.scale.value * p.scale.value});
  const Level l = std::min({a.level(), p.level(), acc.level()});
  if (acc.level() > l) drop_to_level_inplace(acc, l);
  require(acc.size() >= a.size(), "multiply-add plaintext", "accumulator has fewer parts");
  for (std::size_t i = 0; i < a.size(); ++i) {
    ring::mul_add_inplace(params_->ring(), a.parts[i], p.poly, acc.parts[i]);
  }
}

void Evaluator::mul_const_residues(const Ciphertext& a, Complex c, Scale const_scale,
                                   bool accumulate, Ciphertext& out) const {
  require(const_scale.value >= 1 && std::isfinite(const_scale.value), "multiply by constant",
          "constant scale ", const_scale.value, " must be finite and >= 1");
  const Level l = std::min(a.level(), out.level());
  if (out.level() > l) drop_to_level_inplace(out, l);
  const auto [re, im] = encoder_.constant_residues(c, const_scale, l);
  const std::size_t n = params_->n();
  for (std::size_t part = 0; part < a.size(); ++part) {
#pragma omp parallel for schedule(static, 1)
    for (long il = 0; il < static_cast<long>(l.limbs()); ++il) {
      const std::size_t i = static_cast<std::size_t>(il);
      const auto [lo, hi] = constant_halves(*params_, i, re[i], im[i]);
      const auto& q = params_->ring().modulus(static_cast<ring::PrimeIndex>(i));
      scale_halves(a.parts[part].limb(i), out.parts[part].limb(i), n, lo, hi, q, accumulate);
    }
  }
}

void Evaluator::multiply_const_inplace(Ciphertext& a, Complex c, Scale const_scale) const {
  mul_const_residues(a, c, const_scale, false, a);
  a.scale = Scale{a.scale.value * const_scale.value};
}

void Evaluator::multiply_const_inplace(Ciphertext& a, Complex c) const {
  multiply_const_inplace(a, c, Scale{params_->q_prime(a.level())});
}

void Evaluator::multiply_const_then_add(const Ciphertext& a, Complex c, Scale const_scale,
                                        Ciphertext& acc) const {
  check_slots(acc, a.slots, "multiply-add constant");
  require(scales_match(acc.scale, Scale{a.scale.value * const_scale.value}),
          "multiply-add constant", "accumulator scale ", acc.scale, " differs from the product's ",
          Scale{a.scale.value * const_scale.value});
  require(acc.size() >= a.size(), "multiply-add constant", "accumulator has fewer parts");
  mul_const_residues(a, c, const_scale, true, acc);
}

void Evaluator::multiply_integer_inplace(Ciphertext& a, std::int64_t k) const {
  std::vector<u64> r(a.level().limbs());
  for (std::size_t i = 0; i < r.size(); ++i) {
    r[i] = math::from_signed(k, params_->ring().modulus(static_cast<ring::PrimeIndex>(i)));
  }
  for (auto& p : a.parts) ring::mul_scalar_inplace(params_->ring(), p, r);
}

Ciphertext Evaluator::multiply_no_relin(const Ciphertext& a, const Ciphertext& b) const {
  require(a.size() == 2 && b.size() == 2, "multiply", "operands must be relinearized");
  check_slots(a, b.slots, "multiply");
  const Level l = std::min(a.level(), b.level());
  const auto& ring = params_->ring();
  const auto basis = ring.q_basis(l);
  const std::size_t n = params_->n();
  Ciphertext r;
  r.slots = a.slots;
  r.scale = Scale{a.scale.value * b.scale.value};
  for (int i = 0; i < 3; ++i) r.parts.emplace_back(n, basis, true, ring::Uninitialized{});
  ring::mul(ring, a.parts[0], b.parts[0], r.parts[0]);
  ring::mul(ring, a.parts[0], b.parts[1], r.parts[1]);
  ring::mul_add_inplace(ring, a.parts[1], b.parts[0], r.parts[1]);
  ring::mul(ring, a.parts[1], b.parts[1], r.parts[2]);
  return r;
}

void Evaluator::relinearize_inplace(Ciphertext& a) const {
  if (a.size() == 2) return;
  require(a.size() == 3, "relinearize", "ciphertext has ", a.size(), " parts");
  const auto& key = keys("relinearize").relin_key();
  auto [d0, d1] = switcher_.switch_key(a.parts[2], key);
  const auto& ring = params_->ring();
  ring::add_inplace(ring, a.parts[0], d0);
  ring::add_inplace(ring, a.parts[1], d1);
  a.parts.pop_back();
}

Ciphertext Evaluator::multiply(const Ciphertext& a, const Ciphertext& b) const {
  Ciphertext r = multiply_no_relin(a, b);
  relinearize_inplace(r);
  return r;
}

void Evaluator::multiply_inplace(Ciphertext& a, const Ciphertext& b) const { a = multiply(a, b); }

Ciphertext Evaluator::square(const Ciphertext& a) const { return multiply(a, a); }

void Evaluator::rescale_inplace(Ciphertext& a) const {
  require(a.level().value >= 1, "rescale", "ciphertext is at level 0: no prime left to divide by");
  const double q = params_->q_prime(a.level());
  for (auto& p : a.parts) params_->tools().rescale_inplace(p);
  a.scale = Scale{a.scale.value / q};
}

Ciphertext Evaluator::rescale(const Ciphertext& a) const {
  Ciphertext r = a;
  rescale_inplace(r);
  return r;
}

void Evaluator::drop_to_level_inplace(Ciphertext& a, Level level) const {
  require(level.value >= 0 && level <= a.level(), "drop level", "target ", level,
          " is not in [0, ", a.level().value, "]");
  for (auto& p : a.parts) p.truncate_limbs(level.limbs());
}

Ciphertext Evaluator::galois_output(const Ciphertext& a, std::pair<RnsPoly, RnsPoly> k,
                                    GaloisElement g) const {
  // Galois keys are in output form (keygen.hpp): (c0 + k0, k1) decrypts under sigma_g^-1(s), and
  // sigma_g of it is the rotated ciphertext under s.
  const auto& ring = params_->ring();
  ring::add_inplace(ring, k.first, a.parts[0]);
  Ciphertext r;
  r.slots = a.slots;
  r.scale = a.scale;
  r.parts.reserve(2);
  for (const RnsPoly* p : {&k.first, &k.second}) {
    RnsPoly out(p->n(), p->basis(), true, ring::Uninitialized{});
    ring::automorphism_ntt(ring, *p, g, out);
    r.parts.push_back(std::move(out));
  }
  return r;
}

Ciphertext Evaluator::rotate_decomposed(const Ciphertext& a, const rlwe::Decomposition& d,
                                        GaloisElement g) const {
  return galois_output(a, switcher_.apply(d, keys("rotate").galois_key(g)), g);
}

Ciphertext Evaluator::apply_galois(const Ciphertext& a, GaloisElement g) const {
  require(a.size() == 2, "rotate", "ciphertext must be relinearized first");
  const auto& key = keys("rotate").galois_key(g);  // fail on a missing key before any work
  return galois_output(a, switcher_.switch_key(a.parts[1], key), g);
}

Ciphertext Evaluator::rotate(const Ciphertext& a, RotationStep step) const {
  const GaloisElement g = params_->rotation_element(step, a.slots);
  if (g.value == 1) return a;
  return apply_galois(a, g);
}

Ciphertext Evaluator::conjugate(const Ciphertext& a) const {
  return apply_galois(a, params_->conjugation_element());
}

const rlwe::Decomposition& Evaluator::decomposition(const Ciphertext& a, const rlwe::SwitchingKey& key,
                                                   Decompositions& cache) const {
  const std::size_t k = switcher_.specials(key);
  auto it = cache.find(k);
  if (it == cache.end()) it = cache.emplace(k, switcher_.decompose(a.parts[1], k)).first;
  return it->second;
}

std::array<RnsPoly, 2> Evaluator::rotation_times_p(const Ciphertext& a, GaloisElement g,
                                                   Decompositions& cache) const {
  if (g.value == 1) return extend(a, params_->special_primes_at(a.level())).parts;  // P a
  const auto& ring = params_->ring();
  const std::size_t n = params_->n();
  const rlwe::Decomposition& d = decomposition(a, keys("rotate").galois_key(g), cache);
  const auto& p_mod_q = params_->tools().p_mod_q(d.specials);
  const std::size_t nq = a.level().limbs();
  return rotated_inner_product(d, g, [&](std::size_t i, u64* k0) {
    if (i < nq) {
      math::mul_scalar_add_mod_vec(a.parts[0].limb(i), p_mod_q[i], k0, n,
                                   ring.modulus(static_cast<ring::PrimeIndex>(i)));
    }
  });
}

std::array<RnsPoly, 2> Evaluator::rotated_inner_product(const rlwe::Decomposition& d,
                                                        GaloisElement g,
                                                        const LimbAdd& add_c0) const {
  const auto& ring = params_->ring();
  const std::size_t n = params_->n();
  const ring::Basis basis = ring.qp_basis(d.level, d.specials);
  std::array<RnsPoly, 2> rot;
  for (auto& p : rot) p = RnsPoly(n, basis, true, ring::Uninitialized{});
  const auto& perm = ring.automorphism_permutation(g);
  // Limb by limb, while the inner product's limb is in cache: + c0, then the automorphism.
  switcher_.inner_product_limbwise(d, keys("rotate").galois_key(g), [&](std::size_t i, u64* k0, u64* k1) {
    add_c0(i, k0);
    math::permute_vec(k0, perm.data(), rot[0].limb(i), n);
    math::permute_vec(k1, perm.data(), rot[1].limb(i), n);
  });
  return rot;
}

std::vector<Ciphertext> Evaluator::rotate_hoisted(const Ciphertext& a,
                                                  const std::vector<int>& steps) const {
  require(a.size() == 2, "rotate", "ciphertext must be relinearized first");
  std::vector<GaloisElement> gs;
  for (int s : steps) {
    gs.push_back(params_->rotation_element(RotationStep{s}, a.slots));
    if (gs.back().value != 1) keys("rotate").galois_key(gs.back());
  }
  Decompositions decompositions;
  std::vector<Ciphertext> out;
  out.reserve(steps.size());
  for (GaloisElement g : gs) {
    if (g.value == 1) {
      out.push_back(a);
      continue;
    }
    out.push_back(rotate_decomposed(a, decomposition(a, keys("rotate").galois_key(g), decompositions), g));
  }
  return out;
}

std::vector<ExtendedCiphertext> Evaluator::rotate_multiply_sums_extended(
    const Ciphertext& a, const std::vector<int>& steps,
    const std::vector<std::vector<RotationTerm>>& sums, Scale plain_scale) const {
  constexpr const char* what = "sum rotations times plaintexts";
  require(a.size() == 2, what, "ciphertext must be relinearized first");
  // Terms by rotation, so that each rotation is computed once and dropped after use.
  std::vector<std::vector<std::pair<std::size_t, std::span<const Complex>>>> by_rotation(steps.size());
  for (std::size_t j = 0; j < sums.size(); ++j) {
    require(!sums[j].empty(), what, "sum ", j, " has no term");
    for (const RotationTerm& t : sums[j]) {
      require(t.rotation < steps.size(), what, "term of sum ", j, " names rotation ", t.rotation,
              " of ", steps.size());
      by_rotation[t.rotation].emplace_back(j, t.values);
    }
  }
  std::vector<GaloisElement> gs;
  for (int s : steps) {
    gs.push_back(params_->rotation_element(RotationStep{s}, a.slots));
    if (gs.back().value != 1) keys("rotate").galois_key(gs.back());  // fail before any work
  }
  // Each term's special FFT and rounding, once (independent: in parallel); they also check the
  // values before any key switch.
  std::vector<std::pair<std::size_t, std::size_t>> all;  // (rotation, index in by_rotation)
  for (std::size_t r = 0; r < steps.size(); ++r) {
    for (std::size_t t = 0; t < by_rotation[r].size(); ++t) all.emplace_back(r, t);
  }
  std::vector<std::vector<RoundedPlaintext>> rounded(steps.size());
  for (std::size_t r = 0; r < steps.size(); ++r) rounded[r].resize(by_rotation[r].size());
  parallel_for_checked(all.size(), [&](std::size_t i) {
    const auto [r, t] = all[i];
    rounded[r][t] = encoder_.round(by_rotation[r][t].second, plain_scale, a.slots);
  });
  const auto& ring = params_->ring();
  const Level level = a.level();
  const std::size_t n = params_->n();
  // Per special-prime count k (the keys' own; a step 0 uses the level's): the decomposition of
  // a.c1 and, for each sum, its accumulator over Q_l P_k, written by its first product.
  Decompositions decompositions;
  std::vector<std::map<std::size_t, std::array<RnsPoly, 2>>> acc(sums.size());
  for (std::size_t r = 0; r < steps.size(); ++r) {
    if (by_rotation[r].empty()) continue;
    const std::array<RnsPoly, 2> rot = rotation_times_p(a, gs[r], decompositions);
    const std::size_t k = rot[0].limbs() - level.limbs();  // its special primes
    struct Target {
      const RoundedPlaintext* plain;
      std::array<RnsPoly, 2>* sum;
      bool first;
    };
    std::vector<Target> targets;
    for (std::size_t t = 0; t < by_rotation[r].size(); ++t) {
      auto [it, first] = acc[by_rotation[r][t].first].try_emplace(k);
      if (first) {
        for (auto& p : it->second) p = RnsPoly(n, rot[0].basis(), true, ring::Uninitialized{});
      }
      targets.push_back(Target{&rounded[r][t], &it->second, first});
    }
    // Limb by limb: encode each term's plaintext limb into a per-thread buffer and multiply it
    // into its sum while both are in cache (no plaintext polynomial is ever built).
    const ring::Basis& basis = rot[0].basis();
#pragma omp parallel
    {
      ring::LimbStorage plain(n);
#pragma omp for schedule(static, 1)
      for (long il = 0; il < static_cast<long>(basis.size()); ++il) {
        const auto i = static_cast<std::size_t>(il);
        const auto& q = ring.modulus(basis[i]);
        for (const Target& t : targets) {
          encoder_.encode_limb(*t.plain, basis[i], plain.data());
          for (std::size_t part = 0; part < 2; ++part) {
            u64* sum = (*t.sum)[part].limb(i);
            if (t.first) math::mul_mod_vec(plain.data(), rot[part].limb(i), sum, n, q);
            else math::mul_add_mod_vec(plain.data(), rot[part].limb(i), sum, n, q);
          }
        }
      }
    }
  }
  std::vector<ExtendedCiphertext> out;
  out.reserve(sums.size());
  const Scale scale{a.scale.value * plain_scale.value};
  for (auto& by_k : acc) {
    if (by_k.size() == 1) {  // the usual case: every key of the sum has the same special primes
      auto& [k, polys] = *by_k.begin();
      out.push_back(ExtendedCiphertext{std::move(polys), k, scale, a.slots});
      continue;
    }
    // Keys of different levels: reduce each part, add, extend to the largest special count.
    Ciphertext c;
    for (auto& [k, polys] : by_k) {
      Ciphertext part = mod_down(ExtendedCiphertext{std::move(polys), k, scale, a.slots});
      if (c.parts.empty()) c = std::move(part); else add_inplace(c, part);
    }
    out.push_back(extend(c, by_k.rbegin()->first));
  }
  return out;
}

std::vector<Ciphertext> Evaluator::rotate_multiply_sums(
    const Ciphertext& a, const std::vector<int>& steps,
    const std::vector<std::vector<RotationTerm>>& sums, Scale plain_scale) const {
  std::vector<ExtendedCiphertext> ext = rotate_multiply_sums_extended(a, steps, sums, plain_scale);
  std::vector<Ciphertext> out;
  out.reserve(ext.size());
  for (auto& e : ext) out.push_back(mod_down(std::move(e)));
  return out;
}

ExtendedCiphertext Evaluator::extend(const Ciphertext& a, std::size_t specials) const {
  require(a.size() == 2, "extend ciphertext", "ciphertext must be relinearized first");
  require(specials <= params_->p_primes().size(), "extend ciphertext", specials,
          " special primes requested, the parameters have ", params_->p_primes().size());
  const auto& ring = params_->ring();
  const std::size_t n = params_->n(), nq = a.level().limbs();
  const ring::Basis basis = ring.qp_basis(a.level(), specials);
  const auto& p_mod_q = params_->tools().p_mod_q(specials);
  ExtendedCiphertext e{{}, specials, a.scale, a.slots};
  for (std::size_t part = 0; part < 2; ++part) {
    e.parts[part] = RnsPoly(n, basis, true, ring::Uninitialized{});
#pragma omp parallel for schedule(static, 1)
    for (long il = 0; il < static_cast<long>(basis.size()); ++il) {
      const auto i = static_cast<std::size_t>(il);
      u64* out = e.parts[part].limb(i);
      if (i < nq) math::mul_scalar_mod_vec(a.parts[part].limb(i), p_mod_q[i], out, n, ring.modulus(basis[i]));
      else std::fill(out, out + n, u64{0});  // P c = 0 mod the special primes
    }
  }
  return e;
}

Ciphertext Evaluator::mod_down(ExtendedCiphertext a) const {
  Ciphertext c;
  c.scale = a.scale;
  c.slots = a.slots;
  for (auto& p : a.parts) {
    if (a.specials > 0) params_->tools().mod_down_inplace(p);
    c.parts.push_back(std::move(p));
  }
  return c;
}

void Evaluator::add_inplace(ExtendedCiphertext& a, const ExtendedCiphertext& b) const {
  constexpr const char* what = "add extended ciphertexts";
  require(a.slots == b.slots, what, "slot counts differ (", a.slots, " vs ", b.slots, ")");
  require(scales_match(a.scale, b.scale), what, "scales differ (", a.scale, " vs ", b.scale, ")");
  require(a.level() == b.level(), what, "levels differ (", a.level().value, " vs ", b.level().value, ")");
  if (a.specials != b.specials) {
    const std::size_t k = std::max(a.specials, b.specials);
    Ciphertext sum = mod_down(std::move(a));
    add_inplace(sum, mod_down(b));
    a = extend(sum, k);
    return;
  }
  const auto& ring = params_->ring();
  for (std::size_t part = 0; part < 2; ++part) ring::add_inplace(ring, a.parts[part], b.parts[part]);
}

ExtendedCiphertext Evaluator::rotate(const ExtendedCiphertext& a, RotationStep step) const {
  const GaloisElement g = params_->rotation_element(step, a.slots);
  if (g.value == 1) return a;
  const rlwe::SwitchingKey& key = keys("rotate").galois_key(g);
  const std::size_t k = switcher_.specials(key);
  if (a.specials != k || k == 0) {  // reduce, then the rotation of a ciphertext times P_k
    const Ciphertext c = mod_down(a);
    Decompositions cache;
    return ExtendedCiphertext{rotation_times_p(c, g, cache), k, a.scale, a.slots};
  }
  // Only c1 needs dividing by P (to be decomposed); c0 = P c0' + small is added as it is: the
  // result differs from rotating round(a / P) by the rounding of c1 alone, the same size.
  const RnsPoly c1 = params_->tools().mod_down(a.parts[1]);
  const rlwe::Decomposition d = switcher_.decompose(c1, k);
  const std::size_t n = params_->n();
  const auto& ring = params_->ring();
  const ring::Basis& basis = a.parts[0].basis();
  return ExtendedCiphertext{rotated_inner_product(d, g,
                                                  [&](std::size_t i, u64* k0) {
                                                    math::add_mod_vec(a.parts[0].limb(i), k0, k0, n,
                                                                      ring.modulus(basis[i]));
                                                  }),
                            k, a.scale, a.slots};
}

}  // namespace fhecnn::ckks
