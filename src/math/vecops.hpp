// Element-wise kernels on arrays of residues mod q (inputs in [0, q), outputs in [0, q)).
// Each has a portable reference and, where it pays, an AVX-512 variant chosen at run time
// (FHECNN_DISABLE_AVX512=1 forces the references); every variant gives the reference's output:
//   add/sub, add_scalar          AVX-512F, any q; permute (a gather) AVX-512F;
//   mul, mul_add                 IFMA52 Barrett for q < 2^51, IFMA52 + DQ three-column product
//                                for 2^51 <= q < 2^61, reference above;
//   mul_scalar(_add), sub_mul_scalar   Shoup: IFMA52 for q < 2^52, AVX-512DQ 64-bit otherwise;
//   reduce_signed                AVX-512DQ with a double-precision quotient, 2^12 <= q < 2^61.
#pragma once

#include <cstddef>
#include <cstdint>

#include "math/modarith.hpp"

namespace fhecnn::math {

void add_mod_vec(const u64* a, const u64* b, u64* out, std::size_t n, const Modulus& q);
void sub_mod_vec(const u64* a, const u64* b, u64* out, std::size_t n, const Modulus& q);
void neg_mod_vec(const u64* a, u64* out, std::size_t n, const Modulus& q);
// out = a * b mod q.
void mul_mod_vec(const u64* a, const u64* b, u64* out, std::size_t n, const Modulus& q);
// acc = acc + a * b mod q.
void mul_add_mod_vec(const u64* a, const u64* b, u64* acc, std::size_t n, const Modulus& q);
// out = a * s mod q for a fixed scalar s < q (Shoup).
void mul_scalar_mod_vec(const u64* a, u64 s, u64* out, std::size_t n, const Modulus& q);
// out = out + a * s mod q for a fixed scalar s < q (Shoup).
void mul_scalar_add_mod_vec(const u64* a, u64 s, u64* out, std::size_t n, const Modulus& q);
// dst[k] = src[perm[k]] (automorphisms in NTT form); dst must not overlap src.
void permute_vec(const u64* src, const std::uint32_t* perm, u64* dst, std::size_t n);
// out = (a + c) mod q for a[i] < q and a scalar c < q.
void add_scalar_mod_vec(const u64* a, u64 c, u64* out, std::size_t n, const Modulus& q);
// out = (a + c) mod q for inputs with a + c < 2^52 (not necessarily below q): reduces residues
// of another, larger prime (rescale).
void add_scalar_reduce_vec(const u64* a, u64 c, u64* out, std::size_t n, const Modulus& q);
// out = (a - b) * s mod q for a fixed scalar s < q (the last step of rescale and ModDown).
void sub_mul_scalar_mod_vec(const u64* a, const u64* b, u64 s, u64* out, std::size_t n,
                            const Modulus& q);
// out = v mod q in [0, q) for any signed 64-bit v (rounded CKKS coefficients to residues).
void reduce_signed_vec(const std::int64_t* v, u64* out, std::size_t n, const Modulus& q);

namespace detail {
// The portable loops (for tests and benchmarks).
void add_mod_vec_reference(const u64* a, const u64* b, u64* out, std::size_t n, const Modulus& q);
void sub_mod_vec_reference(const u64* a, const u64* b, u64* out, std::size_t n, const Modulus& q);
void mul_mod_vec_reference(const u64* a, const u64* b, u64* out, std::size_t n, const Modulus& q);
void mul_add_mod_vec_reference(const u64* a, const u64* b, u64* acc, std::size_t n,
                               const Modulus& q);
void mul_scalar_mod_vec_reference(const u64* a, u64 s, u64* out, std::size_t n, const Modulus& q);
void mul_scalar_add_mod_vec_reference(const u64* a, u64 s, u64* out, std::size_t n,
                                      const Modulus& q);
// AVX-512 versions (vecops_avx512.cpp); call only when the CPU has AVX-512F/DQ/VL. They return
// false when not applicable: mul / mul_add need IFMA52 and either q < 2^51 (q not a power of two)
// or 2^51 <= q < 2^61; add_scalar_reduce needs IFMA52 and 2^26 <= q < 2^51; the others always
// apply (q < 2^62).
bool add_mod_vec_avx512(const u64* a, const u64* b, u64* out, std::size_t n, const Modulus& q);
bool sub_mod_vec_avx512(const u64* a, const u64* b, u64* out, std::size_t n, const Modulus& q);
bool mul_scalar_mod_vec_avx512(const u64* a, u64 s, u64* out, std::size_t n, const Modulus& q);
bool mul_scalar_add_mod_vec_avx512(const u64* a, u64 s, u64* out, std::size_t n,
                                   const Modulus& q);
bool mul_mod_vec_avx512(const u64* a, const u64* b, u64* out, std::size_t n, const Modulus& q);
bool sub_mul_scalar_mod_vec_avx512(const u64* a, const u64* b, u64 s, u64* out, std::size_t n,
                                   const Modulus& q);
bool add_scalar_reduce_vec_avx512(const u64* a, u64 c, u64* out, std::size_t n, const Modulus& q);
void add_scalar_reduce_vec_reference(const u64* a, u64 c, u64* out, std::size_t n, const Modulus& q);
void sub_mul_scalar_mod_vec_reference(const u64* a, const u64* b, u64 s, u64* out, std::size_t n,
                                      const Modulus& q);
bool mul_add_mod_vec_avx512(const u64* a, const u64* b, u64* acc, std::size_t n,
                            const Modulus& q);
void reduce_signed_vec_reference(const std::int64_t* v, u64* out, std::size_t n, const Modulus& q);
void add_scalar_mod_vec_reference(const u64* a, u64 c, u64* out, std::size_t n, const Modulus& q);
bool add_scalar_mod_vec_avx512(const u64* a, u64 c, u64* out, std::size_t n, const Modulus& q);
void permute_vec_reference(const u64* src, const std::uint32_t* perm, u64* dst, std::size_t n);
void permute_vec_avx512(const u64* src, const std::uint32_t* perm, u64* dst, std::size_t n);
bool reduce_signed_vec_avx512(const std::int64_t* v, u64* out, std::size_t n, const Modulus& q);
}  // namespace detail

}  // namespace fhecnn::math
