// Limb-parallel arithmetic on RnsPoly (OpenMP over limbs). Operands must share n, basis prefix
// and NTT form as stated; violations throw InvalidArgument. Results are fully reduced.
#pragma once

#include <cstdint>
#include <vector>

#include "ring/poly.hpp"

namespace fhecnn::ring {

void to_ntt(const RingContext& ctx, RnsPoly& a);
void from_ntt(const RingContext& ctx, RnsPoly& a);

// out = a + b etc. over the limbs of `out`'s basis, which must be a prefix of both inputs'.
void add(const RingContext& ctx, const RnsPoly& a, const RnsPoly& b, RnsPoly& out);
void sub(const RingContext& ctx, const RnsPoly& a, const RnsPoly& b, RnsPoly& out);
void add_inplace(const RingContext& ctx, RnsPoly& a, const RnsPoly& b);
void sub_inplace(const RingContext& ctx, RnsPoly& a, const RnsPoly& b);
void negate_inplace(const RingContext& ctx, RnsPoly& a);
// Pointwise products (both in NTT form).
void mul(const RingContext& ctx, const RnsPoly& a, const RnsPoly& b, RnsPoly& out);
void mul_inplace(const RingContext& ctx, RnsPoly& a, const RnsPoly& b);
void mul_add_inplace(const RingContext& ctx, const RnsPoly& a, const RnsPoly& b, RnsPoly& acc);
// a *= s_i in limb i, where scalars[i] < q_i (one residue per limb).
void mul_scalar_inplace(const RingContext& ctx, RnsPoly& a, const std::vector<u64>& scalars);
// acc += a * s_i in limb i, over a's limbs (a prefix of acc's basis), scalars[i] < q_i.
void mul_scalar_add_inplace(const RingContext& ctx, const RnsPoly& a,
                            const std::vector<u64>& scalars, RnsPoly& acc);
// a += s_i in every coefficient of limb i (in NTT form this adds the constant polynomial s).
void add_scalar_inplace(const RingContext& ctx, RnsPoly& a, const std::vector<u64>& scalars);

// Residues of a signed integer polynomial (one int64 per coefficient) over `basis`.
RnsPoly from_signed(const RingContext& ctx, const std::vector<std::int64_t>& coeffs,
                    const Basis& basis);

// X -> X^g on a polynomial in NTT form.
void automorphism_ntt(const RingContext& ctx, const RnsPoly& a, GaloisElement g, RnsPoly& out);

// Checks that two operands agree (same n and NTT form, `a` has at least b's limbs as prefix).
void check_compatible(const RnsPoly& a, const RnsPoly& b, const char* op);

}  // namespace fhecnn::ring
