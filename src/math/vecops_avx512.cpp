// AVX-512 element-wise kernels (this file alone is compiled with -mavx512f/dq/vl/ifma; vecops.cpp
// calls it only on CPUs with AVX-512F/DQ/VL, and the IFMA bodies check IFMA52 themselves).
//
// a * b mod q for q < 2^51 with IFMA52 Barrett: the product P = H * 2^52 + L < 2^102 comes from
// vpmadd52huq / vpmadd52luq. With b = bitlen(q), s = b - 1 and mu = floor(2^(52+s) / q) < 2^52,
// the quotient estimate floor(floor(P / 2^s) * mu / 2^52) is short of floor(P / q) by less than
// 3 (the two truncations cost < 2^s / q < 1 and < P / 2^(52+s) < 2^(b-51) <= 1), so
// P - quot * q lies in [0, 3q) and two conditional subtractions finish. mul_add adds the
// accumulator first ([0, 4q)) and reuses the same two.
//
// 2^51 <= q < 2^61 (IFMA52 and AVX-512DQ): a * b split over three 52-bit columns and reduced
// with three Shoup52 products (avx512_wide.hpp), [0, 6q) before the final subtractions.
//
// Products by a fixed scalar s < q (Shoup, s' precomputed once per call): for q < 2^52 with IFMA52
// the Shoup52 product of avx512_wide.hpp ([0, 2q), one IFMA52 and two vpmullq); otherwise 64-bit
// Shoup with s' = floor(s * 2^64 / q), any q < 2^62: the high product floor(x * s' / 2^64) is
// built from 32-bit halves without the low carries (at most 2 short), so x * s - quot * q lies in
// [0, 4q). Its two cross terms come from vpmuludq + shift, or, with IFMA52, from one vpmadd52huq
// each on operands pre-shifted by 20 bits.
//
// add/sub: one addition and one unsigned-min correction, any q < 2^63.
//
// reduce_signed (AVX-512DQ, 2^12 <= q < 2^61): the quotient t = floor(double(v) * (1 / q)) is
// within 1 of floor(v / q) (relative error below 3 * 2^-53 on |v| / q <= 2^51), so r = v - t q,
// exact in 64-bit two's complement, lies in [-q, 2q) and signed corrections finish.
//
// Like ntt_avx512.cpp, this file uses no inline function or template of the portable headers,
// so no AVX-512 copy of shared code can reach the portable code through the linker.
#include "math/avx512_common.hpp"
#include "math/avx512_wide.hpp"

#include <cstddef>

#include "math/cpu.hpp"
#include "math/vecops.hpp"

namespace fhecnn::math::detail {
namespace {

// Narrow (q < 2^50): P - quot * q < 3q < 2^52 is formed modulo 2^52 from the low halves.
// Wide (2^50 < q < 2^51): 3q may exceed 2^52, so P - quot * q is formed exactly in 64 bits from
// both halves of P and of quot * q.
template <bool Wide>
struct IfmaBarrett {
  V q, two_q, neg_q, mask52, mu;
  __m128i shift_right, shift_left;  // s and 52 - s

  explicit IfmaBarrett(const Modulus& m)
      : q(set1(m.value)), two_q(set1(2 * m.value)), neg_q(set1((u64{1} << 52) - m.value)),
        mask52(set1((u64{1} << 52) - 1)) {
    const int s = m.bits - 1;
    mu = set1(static_cast<u64>((static_cast<u128>(1) << (52 + s)) / m.value));
    shift_right = _mm_cvtsi64_si128(s);
    shift_left = _mm_cvtsi64_si128(52 - s);
  }

  // a * b mod q in [0, 3q) for a, b < q.
  V mul_lazy(V a, V b) const {
    const V zero = _mm512_setzero_si512();
    const V lo = _mm512_madd52lo_epu64(zero, a, b);
    const V hi = _mm512_madd52hi_epu64(zero, a, b);
    const V top =
        _mm512_or_si512(_mm512_sll_epi64(hi, shift_left), _mm512_srl_epi64(lo, shift_right));
    const V quot = _mm512_madd52hi_epu64(zero, top, mu);
    if constexpr (Wide) {
      const V qlo = _mm512_madd52lo_epu64(zero, quot, q);
      const V qhi = _mm512_madd52hi_epu64(zero, quot, q);
      const V hi_diff = _mm512_slli_epi64(_mm512_sub_epi64(hi, qhi), 52);
      return _mm512_add_epi64(hi_diff, _mm512_sub_epi64(lo, qlo));
    } else {
      return _mm512_and_si512(_mm512_madd52lo_epu64(lo, quot, neg_q), mask52);
    }
  }
  // x in [0, 4q) to [0, q).
  V finish(V x) const { return reduce_once(reduce_once(x, two_q), q); }
};

constexpr u64 kNarrowBound = u64{1} << 50;
constexpr u64 kWideBound = u64{1} << 51;

// mu < 2^52 needs q > 2^(bits - 1), i.e. q not a power of two.
bool ifma_applies(const Modulus& q) {
  return q.value < kWideBound && (q.value & (q.value - 1)) != 0 && cpu_features().avx512ifma;
}

template <bool Wide, bool Accumulate>
void mul_loop(const u64* a, const u64* b, u64* out, std::size_t n, const Modulus& q) {
  const IfmaBarrett<Wide> br(q);
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    V r = br.mul_lazy(_mm512_loadu_si512(a + i), _mm512_loadu_si512(b + i));
    if constexpr (Accumulate) r = _mm512_add_epi64(r, _mm512_loadu_si512(out + i));
    _mm512_storeu_si512(out + i, br.finish(r));
  }
  if (i < n) {
    const __mmask8 k = static_cast<__mmask8>((1u << (n - i)) - 1);
    V r = br.mul_lazy(_mm512_maskz_loadu_epi64(k, a + i), _mm512_maskz_loadu_epi64(k, b + i));
    if constexpr (Accumulate) r = _mm512_add_epi64(r, _mm512_maskz_loadu_epi64(k, out + i));
    _mm512_mask_storeu_epi64(out + i, k, br.finish(r));
  }
}

// Whole vectors, then a masked tail: f(i, Full{}) or f(i, Tail{k}) with ld/st below.
struct Full {};
struct Tail {
  __mmask8 k;
};
inline V ld(const u64* p, Full) { return _mm512_loadu_si512(p); }
inline V ld(const u64* p, Tail t) { return _mm512_maskz_loadu_epi64(t.k, p); }
inline void st(u64* p, V x, Full) { _mm512_storeu_si512(p, x); }
inline void st(u64* p, V x, Tail t) { _mm512_mask_storeu_epi64(p, t.k, x); }

template <class F>
inline void for_each_vec(std::size_t n, F&& f) {
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) f(i, Full{});
  if (i < n) f(i, Tail{static_cast<__mmask8>((1u << (n - i)) - 1)});
}

// 2^51 <= q < 2^61: the three-column product of avx512_wide.hpp.
bool col3_applies(const Modulus& q) {
  const auto& f = cpu_features();
  return q.value >= kWideBound && q.value < kWideModBound && f.avx512ifma && f.avx512dq;
}

template <bool Accumulate>
void col3_mul_loop(const u64* a, const u64* b, u64* out, std::size_t n, const Modulus& q) {
  const WideReducer red(q.value);
  for_each_vec(n, [&](std::size_t i, auto m) {
    const V x = ld(a + i, m), y = ld(b + i, m);
    Columns acc;
    mac_wide(acc, x, shr52(x), y, shr52(y));
    V r = red.reduce_lazy(acc);  // [0, 6q)
    if constexpr (Accumulate) r = _mm512_add_epi64(r, ld(out + i, m));
    st(out + i, red.finish(r), m);
  });
}

template <bool Accumulate>
bool mul_dispatch(const u64* a, const u64* b, u64* out, std::size_t n, const Modulus& q) {
  if (ifma_applies(q)) {
    if (q.value < kNarrowBound) mul_loop<false, Accumulate>(a, b, out, n, q);
    else mul_loop<true, Accumulate>(a, b, out, n, q);
    return true;
  }
  if (!col3_applies(q)) return false;
  col3_mul_loop<Accumulate>(a, b, out, n, q);
  return true;
}

// x * s mod q for a fixed s < q < 2^52 and x < 2^52: [0, 2q).
struct ScalarShoup52 {
  static constexpr int kLazyBound = 2;
  V q, s, s52;
  ScalarShoup52(u64 sv, u64 qv) : q(set1(qv)), s(set1(sv)), s52(set1(shoup52_companion(sv, qv))) {}
  V mul_lazy(V x) const { return shoup52(x, s, s52, q); }
};

// x * s mod q for a fixed s < q < 2^62 and any x < 2^64: [0, 4q).
template <bool Ifma>
struct ScalarShoup64 {
  static constexpr int kLazyBound = 4;
  V q, s, s_hi, s_lo;  // s_lo: low half of s' (Ifma: shifted left by 20)
  ScalarShoup64(u64 sv, u64 qv) : q(set1(qv)), s(set1(sv)) {
    const u64 ss = static_cast<u64>((static_cast<u128>(sv) << 64) / qv);
    s_hi = set1(ss >> 32);
    s_lo = set1(Ifma ? (ss & 0xffffffffu) << 20 : ss);
  }
  V mul_lazy(V x) const {
    const V x_hi = _mm512_srli_epi64(x, 32);
    V quot = _mm512_mul_epu32(x_hi, s_hi);
    if constexpr (Ifma) {  // x_lo * 2^20 in the low 52 bits of x << 20
      quot = _mm512_madd52hi_epu64(quot, _mm512_slli_epi64(x, 20), s_hi);
      quot = _mm512_madd52hi_epu64(quot, x_hi, s_lo);
    } else {
      quot = _mm512_add_epi64(quot, _mm512_srli_epi64(_mm512_mul_epu32(x, s_hi), 32));
      quot = _mm512_add_epi64(quot, _mm512_srli_epi64(_mm512_mul_epu32(x_hi, s_lo), 32));
    }
    return _mm512_sub_epi64(_mm512_mullo_epi64(x, s), _mm512_mullo_epi64(quot, q));
  }
};

enum class ScalarOp { Mul, MulAdd, SubMul };

// out = a * s, out + a * s or (a - b) * s, mod q, with one of the ScalarShoup products.
template <ScalarOp Op, class Mul>
void scalar_loop(const Mul& mul, const u64* a, const u64* b, u64* out, std::size_t n) {
  const V q = mul.q, two_q = _mm512_add_epi64(q, q);
  for_each_vec(n, [&](std::size_t i, auto m) {
    V x = ld(a + i, m);
    if constexpr (Op == ScalarOp::SubMul) {
      const V d = _mm512_sub_epi64(x, ld(b + i, m));
      x = _mm512_min_epu64(d, _mm512_add_epi64(d, q));
    }
    V r = mul.mul_lazy(x);
    if constexpr (Mul::kLazyBound == 4) r = reduce_once(r, two_q);
    if constexpr (Op == ScalarOp::MulAdd) {
      r = reduce_once(_mm512_add_epi64(r, ld(out + i, m)), two_q);
    }
    st(out + i, reduce_once(r, q), m);
  });
}

template <ScalarOp Op>
void scalar_dispatch(const u64* a, const u64* b, u64 s, u64* out, std::size_t n,
                     const Modulus& q) {
  if (cpu_features().avx512ifma && q.value < (u64{1} << 52)) {
    scalar_loop<Op>(ScalarShoup52(s, q.value), a, b, out, n);
  } else if (cpu_features().avx512ifma) {
    scalar_loop<Op>(ScalarShoup64<true>(s, q.value), a, b, out, n);
  } else {
    scalar_loop<Op>(ScalarShoup64<false>(s, q.value), a, b, out, n);
  }
}

// (a + c) mod q for a + c < 2^52: the Barrett product by 1 (P = a + c < 2^52 <= q^2 for the
// primes IFMA takes) leaves [0, 3q).
template <bool Wide>
void add_reduce_loop(const u64* a, u64 c, u64* out, std::size_t n, const Modulus& q) {
  const IfmaBarrett<Wide> br(q);
  const V vc = set1(c), one = set1(1);
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const V x = _mm512_add_epi64(_mm512_loadu_si512(a + i), vc);
    _mm512_storeu_si512(out + i, br.finish(br.mul_lazy(x, one)));
  }
  if (i < n) {
    const __mmask8 k = static_cast<__mmask8>((1u << (n - i)) - 1);
    const V x = _mm512_add_epi64(_mm512_maskz_loadu_epi64(k, a + i), vc);
    _mm512_mask_storeu_epi64(out + i, k, br.finish(br.mul_lazy(x, one)));
  }
}

}  // namespace

bool add_scalar_reduce_vec_avx512(const u64* a, u64 c, u64* out, std::size_t n, const Modulus& q) {
  if (!ifma_applies(q) || q.value < (u64{1} << 26)) return false;
  if (q.value < kNarrowBound) add_reduce_loop<false>(a, c, out, n, q);
  else add_reduce_loop<true>(a, c, out, n, q);
  return true;
}

void permute_vec_avx512(const u64* src, const std::uint32_t* perm, u64* dst, std::size_t n) {
  std::size_t k = 0;
  for (; k + 8 <= n; k += 8) {
    const __m256i idx = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(perm + k));
    _mm512_storeu_si512(dst + k, _mm512_i32gather_epi64(idx, src, 8));
  }
  for (; k < n; ++k) dst[k] = src[perm[k]];
}

bool add_scalar_mod_vec_avx512(const u64* a, u64 c, u64* out, std::size_t n, const Modulus& q) {
  if (q.value >= (u64{1} << 63)) return false;
  const V vq = set1(q.value), vc = set1(c);
  for_each_vec(n, [&](std::size_t i, auto m) {
    st(out + i, reduce_once(_mm512_add_epi64(ld(a + i, m), vc), vq), m);
  });
  return true;
}

bool reduce_signed_vec_avx512(const std::int64_t* v, u64* out, std::size_t n, const Modulus& q) {
  if (q.value < (u64{1} << 12) || q.value >= (u64{1} << 61)) return false;
  const V vq = set1(q.value), zero = _mm512_setzero_si512();
  const __m512d inv = _mm512_set1_pd(1.0 / static_cast<double>(q.value));
  const u64* in = reinterpret_cast<const u64*>(v);
  for_each_vec(n, [&](std::size_t i, auto m) {
    const V x = ld(in + i, m);
    const __m512d t = _mm512_roundscale_pd(_mm512_mul_pd(_mm512_cvtepi64_pd(x), inv),
                                           _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
    V r = _mm512_sub_epi64(x, _mm512_mullo_epi64(_mm512_cvtpd_epi64(t), vq));
    for (int k = 0; k < 2; ++k) {
      r = _mm512_mask_add_epi64(r, _mm512_cmplt_epi64_mask(r, zero), r, vq);
      r = _mm512_mask_sub_epi64(r, _mm512_cmpge_epi64_mask(r, vq), r, vq);
    }
    st(out + i, r, m);
  });
  return true;
}

bool sub_mul_scalar_mod_vec_avx512(const u64* a, const u64* b, u64 s, u64* out, std::size_t n,
                                   const Modulus& q) {
  scalar_dispatch<ScalarOp::SubMul>(a, b, s, out, n, q);
  return true;
}

bool mul_scalar_mod_vec_avx512(const u64* a, u64 s, u64* out, std::size_t n, const Modulus& q) {
  scalar_dispatch<ScalarOp::Mul>(a, nullptr, s, out, n, q);
  return true;
}

bool mul_scalar_add_mod_vec_avx512(const u64* a, u64 s, u64* out, std::size_t n,
                                   const Modulus& q) {
  scalar_dispatch<ScalarOp::MulAdd>(a, nullptr, s, out, n, q);
  return true;
}

bool add_mod_vec_avx512(const u64* a, const u64* b, u64* out, std::size_t n, const Modulus& q) {
  if (q.value >= (u64{1} << 63)) return false;
  const V vq = set1(q.value);
  for_each_vec(n, [&](std::size_t i, auto m) {
    st(out + i, reduce_once(_mm512_add_epi64(ld(a + i, m), ld(b + i, m)), vq), m);
  });
  return true;
}

bool sub_mod_vec_avx512(const u64* a, const u64* b, u64* out, std::size_t n, const Modulus& q) {
  if (q.value >= (u64{1} << 63)) return false;
  const V vq = set1(q.value);
  for_each_vec(n, [&](std::size_t i, auto m) {
    const V d = _mm512_sub_epi64(ld(a + i, m), ld(b + i, m));
    st(out + i, _mm512_min_epu64(d, _mm512_add_epi64(d, vq)), m);
  });
  return true;
}

bool mul_mod_vec_avx512(const u64* a, const u64* b, u64* out, std::size_t n, const Modulus& q) {
  return mul_dispatch<false>(a, b, out, n, q);
}

bool mul_add_mod_vec_avx512(const u64* a, const u64* b, u64* acc, std::size_t n,
                            const Modulus& q) {
  return mul_dispatch<true>(a, b, acc, n, q);
}

}  // namespace fhecnn::math::detail
