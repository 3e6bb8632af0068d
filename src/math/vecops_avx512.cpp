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
// Like ntt_avx512.cpp, this file uses no inline function or template of the portable headers,
// so no AVX-512 copy of shared code can reach the portable code through the linker.
#include "math/avx512_common.hpp"

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

template <bool Accumulate>
bool mul_dispatch(const u64* a, const u64* b, u64* out, std::size_t n, const Modulus& q) {
  if (!ifma_applies(q)) return false;
  if (q.value < kNarrowBound) mul_loop<false, Accumulate>(a, b, out, n, q);
  else mul_loop<true, Accumulate>(a, b, out, n, q);
  return true;
}

template <bool Wide>
void sub_mul_scalar_loop(const u64* a, const u64* b, u64 s, u64* out, std::size_t n,
                         const Modulus& q) {
  const IfmaBarrett<Wide> br(q);
  const V vs = set1(s);
  const auto diff = [&](V x, V y) {  // x - y mod q for x, y < q
    const V d = _mm512_sub_epi64(x, y);
    return _mm512_min_epu64(d, _mm512_add_epi64(d, br.q));
  };
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const V d = diff(_mm512_loadu_si512(a + i), _mm512_loadu_si512(b + i));
    _mm512_storeu_si512(out + i, br.finish(br.mul_lazy(d, vs)));
  }
  if (i < n) {
    const __mmask8 k = static_cast<__mmask8>((1u << (n - i)) - 1);
    const V d = diff(_mm512_maskz_loadu_epi64(k, a + i), _mm512_maskz_loadu_epi64(k, b + i));
    _mm512_mask_storeu_epi64(out + i, k, br.finish(br.mul_lazy(d, vs)));
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

bool sub_mul_scalar_mod_vec_avx512(const u64* a, const u64* b, u64 s, u64* out, std::size_t n,
                                   const Modulus& q) {
  if (!ifma_applies(q)) return false;
  if (q.value < kNarrowBound) sub_mul_scalar_loop<false>(a, b, s, out, n, q);
  else sub_mul_scalar_loop<true>(a, b, s, out, n, q);
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
