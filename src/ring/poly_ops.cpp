#include "ring/poly_ops.hpp"

#include "common/error.hpp"
#include "math/vecops.hpp"

// Threading: every loop over limbs runs `schedule(static, 1)` (here and in rns_tools,
// basis_ext, the key switcher and the encoder): limbs cost differently with their prime size
// (primes above 2^51 take the 64-bit NTT, about 1.8x slower), and a chain keeps its sizes
// together, so contiguous blocks would give one thread all the slow limbs.
namespace fhecnn::ring {
namespace {

long limbs_of(const RnsPoly& p) { return static_cast<long>(p.limbs()); }

void check_prefix(const RnsPoly& big, const RnsPoly& small, const char* op) {
  require(big.n() == small.n(), op, "ring degrees differ (", big.n(), " vs ", small.n(), ")");
  require(big.limbs() >= small.limbs(), op, "operand has ", big.limbs(), " limbs, needs ",
          small.limbs());
  for (std::size_t i = 0; i < small.limbs(); ++i) {
    require(big.basis()[i] == small.basis()[i], op, "RNS bases differ at limb ", i);
  }
}

}  // namespace

void check_compatible(const RnsPoly& a, const RnsPoly& b, const char* op) {
  check_prefix(a, b, op);
  require(a.is_ntt() == b.is_ntt(), op, "one operand is in NTT form and the other is not");
}

void to_ntt(const RingContext& ctx, RnsPoly& a) {
  require(!a.is_ntt(), "apply NTT", "polynomial is already in NTT form");
#pragma omp parallel for schedule(static, 1)
  for (long i = 0; i < limbs_of(a); ++i) math::ntt_forward(ctx.ntt(a.basis()[i]), a.limb(i));
  a.set_ntt(true);
}

void from_ntt(const RingContext& ctx, RnsPoly& a) {
  require(a.is_ntt(), "apply inverse NTT", "polynomial is not in NTT form");
#pragma omp parallel for schedule(static, 1)
  for (long i = 0; i < limbs_of(a); ++i) math::ntt_inverse(ctx.ntt(a.basis()[i]), a.limb(i));
  a.set_ntt(false);
}

void add(const RingContext& ctx, const RnsPoly& a, const RnsPoly& b, RnsPoly& out) {
  check_compatible(a, out, "add polynomials");
  check_compatible(b, out, "add polynomials");
  const std::size_t n = out.n();
#pragma omp parallel for schedule(static, 1)
  for (long i = 0; i < limbs_of(out); ++i) {
    math::add_mod_vec(a.limb(i), b.limb(i), out.limb(i), n, ctx.modulus(out.basis()[i]));
  }
}

void sub(const RingContext& ctx, const RnsPoly& a, const RnsPoly& b, RnsPoly& out) {
  check_compatible(a, out, "subtract polynomials");
  check_compatible(b, out, "subtract polynomials");
  const std::size_t n = out.n();
#pragma omp parallel for schedule(static, 1)
  for (long i = 0; i < limbs_of(out); ++i) {
    math::sub_mod_vec(a.limb(i), b.limb(i), out.limb(i), n, ctx.modulus(out.basis()[i]));
  }
}

void add_inplace(const RingContext& ctx, RnsPoly& a, const RnsPoly& b) { add(ctx, a, b, a); }
void sub_inplace(const RingContext& ctx, RnsPoly& a, const RnsPoly& b) { sub(ctx, a, b, a); }

void negate_inplace(const RingContext& ctx, RnsPoly& a) {
  const std::size_t n = a.n();
#pragma omp parallel for schedule(static, 1)
  for (long i = 0; i < limbs_of(a); ++i) {
    math::neg_mod_vec(a.limb(i), a.limb(i), n, ctx.modulus(a.basis()[i]));
  }
}

void mul(const RingContext& ctx, const RnsPoly& a, const RnsPoly& b, RnsPoly& out) {
  check_compatible(a, out, "multiply polynomials");
  check_compatible(b, out, "multiply polynomials");
  require(out.is_ntt(), "multiply polynomials", "operands must be in NTT form");
  const std::size_t n = out.n();
#pragma omp parallel for schedule(static, 1)
  for (long i = 0; i < limbs_of(out); ++i) {
    math::mul_mod_vec(a.limb(i), b.limb(i), out.limb(i), n, ctx.modulus(out.basis()[i]));
  }
}

void mul_inplace(const RingContext& ctx, RnsPoly& a, const RnsPoly& b) { mul(ctx, a, b, a); }

void mul_add_inplace(const RingContext& ctx, const RnsPoly& a, const RnsPoly& b, RnsPoly& acc) {
  check_compatible(a, acc, "multiply-add polynomials");
  check_compatible(b, acc, "multiply-add polynomials");
  require(acc.is_ntt(), "multiply-add polynomials", "operands must be in NTT form");
  const std::size_t n = acc.n();
#pragma omp parallel for schedule(static, 1)
  for (long i = 0; i < limbs_of(acc); ++i) {
    math::mul_add_mod_vec(a.limb(i), b.limb(i), acc.limb(i), n, ctx.modulus(acc.basis()[i]));
  }
}

void mul_scalar_inplace(const RingContext& ctx, RnsPoly& a, const std::vector<u64>& scalars) {
  require(scalars.size() >= a.limbs(), "multiply by scalar", scalars.size(),
          " residues for ", a.limbs(), " limbs");
  const std::size_t n = a.n();
#pragma omp parallel for schedule(static, 1)
  for (long i = 0; i < limbs_of(a); ++i) {
    math::mul_scalar_mod_vec(a.limb(i), scalars[i], a.limb(i), n, ctx.modulus(a.basis()[i]));
  }
}

void mul_scalar_add_inplace(const RingContext& ctx, const RnsPoly& a,
                            const std::vector<u64>& scalars, RnsPoly& acc) {
  check_compatible(acc, a, "multiply-add by scalar");
  require(scalars.size() >= a.limbs(), "multiply-add by scalar", scalars.size(),
          " residues for ", a.limbs(), " limbs");
  const std::size_t n = a.n();
#pragma omp parallel for schedule(static, 1)
  for (long i = 0; i < limbs_of(a); ++i) {
    math::mul_scalar_add_mod_vec(a.limb(i), scalars[i], acc.limb(i), n, ctx.modulus(a.basis()[i]));
  }
}

void add_scalar_inplace(const RingContext& ctx, RnsPoly& a, const std::vector<u64>& scalars) {
  require(scalars.size() >= a.limbs(), "add scalar", scalars.size(), " residues for ",
          a.limbs(), " limbs");
  const std::size_t n = a.n();
  for (std::size_t i = 0; i < a.limbs(); ++i) {
    const u64 q = ctx.modulus(a.basis()[i]).value, s = scalars[i];
    u64* x = a.limb(i);
    if (a.is_ntt()) {
      for (std::size_t k = 0; k < n; ++k) x[k] = math::add_mod(x[k], s, q);
    } else {
      x[0] = math::add_mod(x[0], s, q);
    }
  }
}

RnsPoly from_signed(const RingContext& ctx, const std::vector<std::int64_t>& coeffs,
                    const Basis& basis) {
  require(coeffs.size() == ctx.n(), "convert integer polynomial", coeffs.size(),
          " coefficients for ring degree ", ctx.n());
  RnsPoly out(ctx.n(), basis, false);
#pragma omp parallel for schedule(static, 1)
  for (long i = 0; i < static_cast<long>(basis.size()); ++i) {
    const auto& q = ctx.modulus(basis[i]);
    u64* x = out.limb(i);
    for (std::size_t k = 0; k < coeffs.size(); ++k) x[k] = math::from_signed(coeffs[k], q);
  }
  return out;
}

void automorphism_ntt(const RingContext& ctx, const RnsPoly& a, GaloisElement g, RnsPoly& out) {
  require(a.is_ntt(), "apply automorphism", "polynomial must be in NTT form");
  require(&a != &out, "apply automorphism", "input and output must differ");
  check_prefix(a, out, "apply automorphism");
  const auto& perm = ctx.automorphism_permutation(g);
  const std::size_t n = a.n();
  out.set_ntt(true);
#pragma omp parallel for schedule(static, 1)
  for (long i = 0; i < limbs_of(out); ++i) {
    math::permute_vec(a.limb(i), perm.data(), out.limb(i), n);
  }
}

}  // namespace fhecnn::ring
