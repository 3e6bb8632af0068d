// AVX-512 negacyclic NTT kernels (this file alone is compiled with -mavx512f/dq/vl/ifma; the
// dispatcher in ntt.cpp calls it only on CPUs that have them). All return exactly the
// reference's output. NttKernel::Avx512Ifma runs Ifma52 below 2^51 and Shoup64<true, _> above;
// NttKernel::Avx512 (no IFMA52 instruction) runs Shoup64<false, _> for every q < 2^62.
//
// One algorithm, three arithmetic policies:
//   Ifma52<false>  q < 2^50: Harvey butterflies in 52-bit lanes. y * w mod q for y < 2^52 is
//                  y*w - floor(y * w' / 2^52) * q with w' = floor(w * 2^52 / q), in [0, 2q): the
//                  low products come from vpmadd52luq, the quotient from vpmadd52huq. Lazy: a
//                  lane may carry garbage above bit 52 (vpmadd52 ignores it) as long as its true
//                  value, the low 52 bits, is tracked below 2^52; reductions are skipped while
//                  that bound allows (forward_plan, inverse_plan).
//   Ifma52<true>   2^50 <= q < 2^51: the same product, but 4q > 2^52, so multiplicands are first
//                  reduced to [0, 2q) and every value stays exact.
//   Shoup64<Ifma, Exact>  q < 2^62: 64-bit Shoup with w' = floor(w * 2^64 / q). The high
//                  product floor(y * w' / 2^64) is built from 32-bit halves, dropping the low
//                  carries, so the quotient is at most 2 short and y * w - quot * q lies in
//                  [0, 4q) for any y < 2^64. Of its three partial products, the two cross terms
//                  floor(y_lo * w'_hi / 2^32) and floor(y_hi * w'_lo / 2^32) are each one
//                  vpmadd52huq on operands shifted left by 20 bits (Ifma), or vpmuludq + shift
//                  (AVX-512F/DQ only). The low products are vpmullq. Lazy in 64-bit words like
//                  Ifma52<false> in 52-bit ones: for q < 2^61 products stay in [0, 4q) and
//                  reductions are skipped while the tracked bound allows (forward_plan64,
//                  inverse_plan64); for 2^61 <= q < 2^62 (Exact) products are reduced to [0, 2q)
//                  and the plans fall back to Harvey's [0, 4q) / [0, 2q) bounds.
//                  Five multiplications per butterfly (Ifma52: three); on Zen 4 vpmullq,
//                  vpmuludq and vpmadd52 all issue at one 512-bit operation per cycle, and an
//                  IFMA52 split of the 64-bit products would need more of them, so the IFMA
//                  variant only saves the shifts and additions of the cross terms.
//
// Stage plan (n = 2^L >= 16; stage m has butterfly span n / 2m):
//   * spans >= 8 (whole vectors): radix-8 (and radix-4) passes, three stages per load/store.
//     Stages whose groups exceed 2^11 values run over the whole array; then each 16 KiB block
//     runs all its remaining stages while it is in L1;
//   * spans 4, 2, 1: one pass over 16-value blocks held in two registers (four blocks
//     interleaved). Between stages the pair is re-paired with a perfect shuffle (zip:
//     [a0 b0 a1 b1 ...]); in that layout the twiddles of the three stages are a 128-bit
//     broadcast, a 256-bit broadcast and a plain load of consecutive table entries.
//   The forward ends with the full reduction to [0, q); the inverse folds 1/n into its last
//   stage (twiddles n^-1 and inv_roots[1] * n^-1).
//
// This file deliberately uses no inline function or template of the portable headers beyond
// trivial accessors, so that no AVX-512 copy of shared code can be picked by the linker.
#include "math/avx512_common.hpp"

#include <cstddef>

#include "math/ntt.hpp"

namespace fhecnn::math::detail {
namespace {

constexpr u64 kTwo52 = u64{1} << 52;

inline V load(const u64* p) { return _mm512_loadu_si512(p); }
inline void store(u64* p, V x) { _mm512_storeu_si512(p, x); }
inline V add(V a, V b) { return _mm512_add_epi64(a, b); }
inline V sub(V a, V b) { return _mm512_sub_epi64(a, b); }
// Two twiddle lanes (p[0], p[1]) repeated: the span-4 stage layout.
inline V bcast2(const u64* p) {
  return _mm512_broadcast_i64x2(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}
// Four twiddle lanes (p[0..3]) repeated: the span-2 stage layout.
inline V bcast4(const u64* p) {
  return _mm512_broadcast_i64x4(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
}

// A twiddle factor in one vector, with its Shoup companion.
struct Twiddle {
  V w, ws;
};

// What one forward stage does to its x inputs: subtract c from x >= c, or nothing.
struct FwdStage {
  V c;
  bool reduce;
};

// The forward's last step to [0, q) for the 64-bit policies: x < 2^steps q loses c[j] = 2^j q
// (j = steps - 1 .. 0) where it can.
struct FwdFinal {
  V c[8];
  int steps = 0;
};

// What one inverse stage does: y' = (x - y + dq) w, and x' = x + y reduced by `reduce`:
// 0 not at all, 1 by subtracting 2q (Ifma52) or c (Shoup64) once, 2 by Barrett to [0, 2q).
struct InvStage {
  V dq, c;
  int reduce;
};

template <bool Wide>
struct Ifma52 {
  static constexpr bool kLazy = !Wide;
  static constexpr bool kWord64 = false;
  V q, two_q, neg_q, mask52, mu52;
  V mq;  // bound of the products fwd_mul returns (2q)
  explicit Ifma52(u64 qv)
      : q(set1(qv)), two_q(set1(2 * qv)), neg_q(set1(kTwo52 - qv)), mask52(set1(kTwo52 - 1)),
        mu52(set1(kTwo52 / qv)), mq(two_q) {}

  // y * w mod q plus a multiple of 2^52 (low 52 bits in [0, 2q)), for the true value y mod 2^52:
  // y*w - quot*q is formed as y*w + quot*(2^52 - q).
  V mul52(V y, const Twiddle& t) const {
    const V zero = _mm512_setzero_si512();
    const V quot = _mm512_madd52hi_epu64(zero, y, t.ws);
    return _mm512_madd52lo_epu64(_mm512_madd52lo_epu64(zero, y, t.w), quot, neg_q);
  }
  // y * w mod q in [0, 2q), exact; y < 2^52 (narrow, garbage allowed) or y < 4q (wide).
  V mul_lazy(V y, const Twiddle& t) const {
    if constexpr (Wide) y = reduce_once(y, two_q);
    return _mm512_and_si512(mul52(y, t), mask52);
  }
  // x mod q in [0, 2q), exact, for a true value below 2^52: quotient floor(x * mu / 2^52) with
  // mu = floor(2^52 / q) is at most 1 short.
  V barrett(V x) const {
    const V quot = _mm512_madd52hi_epu64(_mm512_setzero_si512(), x, mu52);
    return _mm512_and_si512(_mm512_madd52lo_epu64(x, quot, neg_q), mask52);
  }

  V fwd_x(V x, const FwdStage& s) const {
    if constexpr (Wide) return reduce_once(x, two_q);
    return s.reduce ? reduce_once(_mm512_and_si512(x, mask52), s.c) : x;
  }
  V fwd_mul(V y, const Twiddle& t) const {
    if constexpr (Wide) return mul_lazy(y, t);
    return mul52(y, t);
  }
  V fwd_final(V x, const FwdFinal&) const {
    if constexpr (Wide) return reduce_once(reduce_once(x, two_q), q);
    return reduce_once(barrett(x), q);
  }
  // y * w mod q in [0, q).
  V mul_full(V y, const Twiddle& t) const { return reduce_once(mul_lazy(y, t), q); }

  V inv_x(V s, const InvStage& st) const {
    if constexpr (Wide) return reduce_once(s, two_q);
    if (st.reduce == 0) return s;
    if (st.reduce == 1) return reduce_once(_mm512_and_si512(s, mask52), two_q);
    return barrett(s);
  }
  V inv_mul(V d, const Twiddle& t) const {
    if constexpr (Wide) return mul_lazy(d, t);
    return mul52(d, t);
  }
};

template <bool Ifma, bool Exact>
struct Shoup64 {
  static constexpr bool kWord64 = true;
  static constexpr u64 kMulBound = Exact ? 2 : 4;  // products in [0, kMulBound q)
  V q, two_q, mq;
  explicit Shoup64(u64 qv) : q(set1(qv)), two_q(set1(2 * qv)), mq(set1(kMulBound * qv)) {}
  // y * w mod q in [0, kMulBound q) for any y < 2^64.
  V mul_lazy(V y, const Twiddle& t) const {
    const V y_hi = _mm512_srli_epi64(y, 32), ws_hi = _mm512_srli_epi64(t.ws, 32);
    // floor(y * ws / 2^64) minus at most 2: the low cross-term carries are dropped.
    V quot = _mm512_mul_epu32(y_hi, ws_hi);
    if constexpr (Ifma) {  // y_lo * 2^20 and ws_lo * 2^20 are the low 52 bits of y, ws << 20
      quot = _mm512_madd52hi_epu64(quot, _mm512_slli_epi64(y, 20), ws_hi);
      quot = _mm512_madd52hi_epu64(quot, y_hi, _mm512_slli_epi64(t.ws, 20));
    } else {
      quot = add(quot, _mm512_srli_epi64(_mm512_mul_epu32(y, ws_hi), 32));
      quot = add(quot, _mm512_srli_epi64(_mm512_mul_epu32(y_hi, t.ws), 32));
    }
    const V r = sub(_mm512_mullo_epi64(y, t.w), _mm512_mullo_epi64(quot, q));  // [0, 4q)
    if constexpr (Exact) return reduce_once(r, two_q);
    return r;
  }
  V mul_full(V y, const Twiddle& t) const {
    const V r = mul_lazy(y, t);
    if constexpr (Exact) return reduce_once(r, q);
    return reduce_once(reduce_once(r, two_q), q);
  }
  V fwd_x(V x, const FwdStage& s) const { return s.reduce ? reduce_once(x, s.c) : x; }
  V fwd_mul(V y, const Twiddle& t) const { return mul_lazy(y, t); }
  V fwd_final(V x, const FwdFinal& f) const {
    for (int j = 0; j < f.steps; ++j) x = reduce_once(x, f.c[j]);
    return x;
  }
  V inv_x(V s, const InvStage& st) const { return st.reduce ? reduce_once(s, st.c) : s; }
  V inv_mul(V d, const Twiddle& t) const { return mul_lazy(d, t); }
};

// Cooley-Tukey butterfly: x + wy, x - wy + Mq where wy < Mq (exact policies: [0, 4q) in and
// out).
template <class A>
FHECNN_ALWAYS_INLINE void fwd_bf(const A& ar, V& x, V& y, const Twiddle& t, const FwdStage& s) {
  const V u = ar.fwd_x(x, s);
  const V v = ar.fwd_mul(y, t);
  x = add(u, v);
  y = sub(add(u, ar.mq), v);
}

// Gentleman-Sande butterfly: x + y, (x - y + dq) w (exact policies: [0, 2q) in and out).
template <class A>
FHECNN_ALWAYS_INLINE void inv_bf(const A& ar, V& x, V& y, const Twiddle& t, const InvStage& s) {
  const V sum = add(x, y);
  const V d = sub(add(x, s.dq), y);
  x = ar.inv_x(sum, s);
  y = ar.inv_mul(d, t);
}

// The last inverse stage, with 1/n folded in; outputs exact in [0, q).
template <class A>
FHECNN_ALWAYS_INLINE void inv_bf_last(const A& ar, V& x, V& y, const Twiddle& ninv,
                                      const Twiddle& t, const InvStage& s) {
  const V sum = add(x, y);
  const V d = sub(add(x, s.dq), y);
  x = ar.mul_full(sum, ninv);
  y = ar.mul_full(d, t);
}

// Forward reductions, per stage index ilog2(m). Lazy: all values stay below B * q, B tracked
// (inputs: B = 1). A stage without reduction adds 2q, so it is skipped while (B + 2) q <= 2^52;
// otherwise x >= c = ceil(B / 2) q loses c, which leaves B = c + 2 (<= B as q <= 2^50).
template <class A>
void forward_plan(u64 q, int log_n, FwdStage* plan) {
  u64 b = 1;
  for (int s = 0; s < log_n; ++s) {
    const bool reduce = !A::kLazy || static_cast<u128>(b + 2) * q > kTwo52;
    const u64 c = A::kLazy ? (b + 1) / 2 : 2;
    plan[s] = {set1(reduce ? c * q : 0), reduce};
    b = reduce ? c + 2 : b + 2;
  }
}

// 64-bit lazy forward plan (Shoup64): values below B q, B tracked (inputs: B = 4, as the
// reference accepts); products below M q. A stage leaves x alone while (B + M) q <= 2^64 (B grows
// by M); otherwise, and always in the three register stages so that few subtractions remain at
// the end, x >= c = ceil(B / 2) q loses c, which leaves B = c + M. Then the final subtractions
// for x < 2^steps q.
template <class A>
void forward_plan64(u64 q, int log_n, FwdStage* plan, FwdFinal& fin) {
  const u128 word = static_cast<u128>(1) << 64;
  const u64 m = A::kMulBound;
  u64 b = 4;
  for (int s = 0; s < log_n; ++s) {
    const bool reduce = static_cast<u128>(b + m) * q > word || s >= log_n - 3;
    const u64 c = (b + 1) / 2;
    plan[s] = {set1(reduce ? c * q : 0), reduce};
    b = reduce ? c + m : b + m;
  }
  fin.steps = 0;
  while ((u64{1} << fin.steps) < b) ++fin.steps;
  for (int j = 0; j < fin.steps; ++j) fin.c[j] = set1((u64{1} << (fin.steps - 1 - j)) * q);
}

// 64-bit lazy inverse plan (Shoup64), per stage index ilog2(m) from log_n - 1 down: inputs below
// B q (first B = 2, as the reference accepts) with 2 B q <= 2^64 (x + y and x - y + B q fit);
// y' below M q. x + y stays unreduced (B doubles) while 4 B q <= 2^64, and otherwise loses B q
// once; then B = max(B, M).
template <class A>
void inverse_plan64(u64 q, int log_n, InvStage* plan) {
  const u128 word = static_cast<u128>(1) << 64;
  u64 b = 2;
  for (int s = log_n - 1; s >= 0; --s) {
    plan[s].dq = set1(b * q);
    plan[s].c = plan[s].dq;
    plan[s].reduce = static_cast<u128>(4 * b) * q > word ? 1 : 0;
    if (plan[s].reduce == 0) b *= 2;
    b = b < A::kMulBound ? A::kMulBound : b;
  }
}

// Inverse reductions, per stage index ilog2(m) (run from log_n - 1 down). Lazy: values below
// B * q with 2 B q <= 2^52, so that x + y and x - y + B q fit; y' is always below 2q. A stage
// leaves x + y unreduced (B doubles) while 4 B q <= 2^52, and otherwise reduces it to [0, 2q).
template <class A>
void inverse_plan(u64 q, int log_n, InvStage* plan) {
  u64 b = A::kLazy ? 1 : 2;
  for (int s = log_n - 1; s >= 0; --s) {
    plan[s].dq = set1(b * q);
    if (!A::kLazy) {
      plan[s].reduce = 1;
    } else if (static_cast<u128>(4 * b) * q <= kTwo52) {
      plan[s].reduce = 0;
      b *= 2;
    } else {
      plan[s].reduce = b <= 2 ? 1 : 2;
      b = 2;
    }
  }
}

// Twiddle tables of one direction for one policy.
struct Roots {
  const u64* w;
  const u64* ws;
  Twiddle at(std::size_t i) const { return {set1(w[i]), set1(ws[i])}; }
  Twiddle pair_at(std::size_t i) const { return {bcast2(w + i), bcast2(ws + i)}; }
  Twiddle quad_at(std::size_t i) const { return {bcast4(w + i), bcast4(ws + i)}; }
  Twiddle octet_at(std::size_t i) const { return {load(w + i), load(ws + i)}; }
};

// Perfect shuffle of two registers and its inverse.
struct Zip {
  V lo = _mm512_set_epi64(11, 3, 10, 2, 9, 1, 8, 0);
  V hi = _mm512_set_epi64(15, 7, 14, 6, 13, 5, 12, 4);
  V even = _mm512_set_epi64(14, 12, 10, 8, 6, 4, 2, 0);
  V odd = _mm512_set_epi64(15, 13, 11, 9, 7, 5, 3, 1);
  void zip(V& a, V& b) const {
    const V l = _mm512_permutex2var_epi64(a, lo, b);
    b = _mm512_permutex2var_epi64(a, hi, b);
    a = l;
  }
  void unzip(V& a, V& b) const {
    const V e = _mm512_permutex2var_epi64(a, even, b);
    b = _mm512_permutex2var_epi64(a, odd, b);
    a = e;
  }
};

// Blocks of 2^11 values (16 KiB) go through all their remaining stages while in L1; up to 2^12
// the whole array is one block (rather than one lone radix-2 pass over it).
inline std::size_t block_size(std::size_t n) { return n <= 4096 ? n : 2048; }

// 16-value blocks the span-4/2/1 passes interleave, so that their dependency chains overlap.
constexpr int kLanes = 4;

// Number of stages the next pass does when `left` stages remain: radix 8 where it can, two
// radix-4 passes rather than 8 + 2.
inline int pass_stages(int left) { return left == 4 ? 2 : left < 3 ? left : 3; }

inline int ilog2(std::size_t m) { return __builtin_ctzll(m); }

// ---- forward ----

// Forward passes over the groups [i0, i1) of their first stage m (group i spans 2 * len values
// from 2 * i * len, len = n / 2m, and uses w[m + i]).
template <class A>
struct Forward {
  const A& ar;
  Roots r;
  const FwdStage* plan;
  const FwdFinal* fin;
  u64* a;
  std::size_t n;

  // Stage m alone (len >= 8).
  void radix2(std::size_t m, std::size_t i0, std::size_t i1) const {
    const std::size_t len = n / (2 * m);
    const FwdStage& s = plan[ilog2(m)];
    for (std::size_t i = i0; i < i1; ++i) {
      const Twiddle t = r.at(m + i);
      u64* x = a + 2 * i * len;
      for (std::size_t j = 0; j < len; j += 8) {
        V u = load(x + j), v = load(x + len + j);
        fwd_bf(ar, u, v, t, s);
        store(x + j, u);
        store(x + len + j, v);
      }
    }
  }

  // Stages m, 2m (len / 2 >= 8).
  void radix4(std::size_t m, std::size_t i0, std::size_t i1) const {
    const std::size_t len = n / (2 * m), h = len / 2;
    const FwdStage* s = plan + ilog2(m);
    for (std::size_t i = i0; i < i1; ++i) {
      const Twiddle t0 = r.at(m + i), t1 = r.at(2 * m + 2 * i), t2 = r.at(2 * m + 2 * i + 1);
      u64* x = a + 2 * i * len;
      for (std::size_t j = 0; j < h; j += 8) {
        V v[4];
        for (int k = 0; k < 4; ++k) v[k] = load(x + k * h + j);
        fwd_bf(ar, v[0], v[2], t0, s[0]);
        fwd_bf(ar, v[1], v[3], t0, s[0]);
        fwd_bf(ar, v[0], v[1], t1, s[1]);
        fwd_bf(ar, v[2], v[3], t2, s[1]);
        for (int k = 0; k < 4; ++k) store(x + k * h + j, v[k]);
      }
    }
  }

  // Stages m, 2m, 4m (len / 4 >= 8).
  void radix8(std::size_t m, std::size_t i0, std::size_t i1) const {
    const std::size_t len = n / (2 * m), e = len / 4;
    const FwdStage* s = plan + ilog2(m);
    for (std::size_t i = i0; i < i1; ++i) {
      const Twiddle t0 = r.at(m + i), t1 = r.at(2 * m + 2 * i), t2 = r.at(2 * m + 2 * i + 1);
      const Twiddle t3 = r.at(4 * m + 4 * i), t4 = r.at(4 * m + 4 * i + 1);
      const Twiddle t5 = r.at(4 * m + 4 * i + 2), t6 = r.at(4 * m + 4 * i + 3);
      u64* x = a + 2 * i * len;
      for (std::size_t j = 0; j < e; j += 8) {
        V v[8];
        for (int k = 0; k < 8; ++k) v[k] = load(x + k * e + j);
        for (int k = 0; k < 4; ++k) fwd_bf(ar, v[k], v[k + 4], t0, s[0]);
        fwd_bf(ar, v[0], v[2], t1, s[1]);
        fwd_bf(ar, v[1], v[3], t1, s[1]);
        fwd_bf(ar, v[4], v[6], t2, s[1]);
        fwd_bf(ar, v[5], v[7], t2, s[1]);
        fwd_bf(ar, v[0], v[1], t3, s[2]);
        fwd_bf(ar, v[2], v[3], t4, s[2]);
        fwd_bf(ar, v[4], v[5], t5, s[2]);
        fwd_bf(ar, v[6], v[7], t6, s[2]);
        for (int k = 0; k < 8; ++k) store(x + k * e + j, v[k]);
      }
    }
  }

  // `count` stages from m on, over part p of P equal parts of the array.
  void stages(std::size_t m, int count, std::size_t p, std::size_t P) const {
    while (count > 0) {
      const int s = pass_stages(count);
      const std::size_t i0 = p * m / P, i1 = (p + 1) * m / P;
      if (s == 3) radix8(m, i0, i1);
      else if (s == 2) radix4(m, i0, i1);
      else radix2(m, i0, i1);
      m <<= s;
      count -= s;
    }
  }

  // Stages of span 4, 2, 1 on the 16-value blocks [k0, k1), then the reduction to [0, q).
  void last3(std::size_t k0, std::size_t k1) const {
    std::size_t k = k0;
    for (; k + kLanes <= k1; k += kLanes) last3_blocks<kLanes>(k);
    for (; k < k1; ++k) last3_blocks<1>(k);
  }

  template <int U>
  void last3_blocks(std::size_t k) const {
    const Zip z;
    const FwdStage* s = plan + ilog2(n) - 3;
    V x[U], y[U];
    for (int u = 0; u < U; ++u) {
      x[u] = load(a + 16 * (k + u));
      y[u] = load(a + 16 * (k + u) + 8);
      z.zip(x[u], y[u]);
    }
    for (int u = 0; u < U; ++u) fwd_bf(ar, x[u], y[u], r.pair_at(n / 8 + 2 * (k + u)), s[0]);
    for (int u = 0; u < U; ++u) z.zip(x[u], y[u]);
    for (int u = 0; u < U; ++u) fwd_bf(ar, x[u], y[u], r.quad_at(n / 4 + 4 * (k + u)), s[1]);
    for (int u = 0; u < U; ++u) z.zip(x[u], y[u]);
    for (int u = 0; u < U; ++u) fwd_bf(ar, x[u], y[u], r.octet_at(n / 2 + 8 * (k + u)), s[2]);
    for (int u = 0; u < U; ++u) {
      x[u] = ar.fwd_final(x[u], *fin);
      y[u] = ar.fwd_final(y[u], *fin);
      z.zip(x[u], y[u]);
      store(a + 16 * (k + u), x[u]);
      store(a + 16 * (k + u) + 8, y[u]);
    }
  }

  // Stages whose groups exceed a block run over the whole array; then each block runs the rest.
  void run() const {
    const std::size_t B = block_size(n), P = n / B;
    const int top = ilog2(P), inner = ilog2(B) - 3;
    stages(1, top, 0, 1);
    for (std::size_t p = 0; p < P; ++p) {
      stages(P, inner, p, P);
      last3(p * B / 16, (p + 1) * B / 16);
    }
  }
};

// ---- inverse ----

// 1/n and inv_roots[1]/n, used by the stage with m = 1.
struct LastTwiddles {
  Twiddle n_inv, root1_n_inv;
};

// Inverse passes over the groups [i0, i1) of their last (widest) stage. Stage m has span
// len = n / 2m and group i (2 * len values from 2 * i * len) uses inv[m + i]; the stage with
// m = 1 is done with 1/n folded in (outputs in [0, q)).
template <class A>
struct Inverse {
  const A& ar;
  Roots r;
  LastTwiddles lt;
  const InvStage* plan;
  u64* a;
  std::size_t n;

  void bf(V& x, V& y, const Twiddle& t, const InvStage& s, bool last) const {
    if (last) inv_bf_last(ar, x, y, lt.n_inv, lt.root1_n_inv, s);
    else inv_bf(ar, x, y, t, s);
  }

  // Stages of span 1, 2, 4 on the 16-value blocks [k0, k1) (the mirror image of last3).
  void first3(std::size_t k0, std::size_t k1) const {
    std::size_t k = k0;
    for (; k + kLanes <= k1; k += kLanes) first3_blocks<kLanes>(k);
    for (; k < k1; ++k) first3_blocks<1>(k);
  }

  template <int U>
  void first3_blocks(std::size_t k) const {
    const Zip z;
    const InvStage* s = plan + ilog2(n) - 3;
    V x[U], y[U];
    for (int u = 0; u < U; ++u) {
      x[u] = load(a + 16 * (k + u));
      y[u] = load(a + 16 * (k + u) + 8);
      z.unzip(x[u], y[u]);
    }
    for (int u = 0; u < U; ++u) inv_bf(ar, x[u], y[u], r.octet_at(n / 2 + 8 * (k + u)), s[2]);
    for (int u = 0; u < U; ++u) z.unzip(x[u], y[u]);
    for (int u = 0; u < U; ++u) inv_bf(ar, x[u], y[u], r.quad_at(n / 4 + 4 * (k + u)), s[1]);
    for (int u = 0; u < U; ++u) z.unzip(x[u], y[u]);
    for (int u = 0; u < U; ++u) inv_bf(ar, x[u], y[u], r.pair_at(n / 8 + 2 * (k + u)), s[0]);
    for (int u = 0; u < U; ++u) {
      z.unzip(x[u], y[u]);
      store(a + 16 * (k + u), x[u]);
      store(a + 16 * (k + u) + 8, y[u]);
    }
  }

  // Stage m alone (len >= 8).
  template <bool Last>
  void radix2(std::size_t m, std::size_t i0, std::size_t i1) const {
    const std::size_t len = n / (2 * m);
    const InvStage& s = plan[ilog2(m)];
    for (std::size_t i = i0; i < i1; ++i) {
      const Twiddle t = r.at(m + i);
      u64* x = a + 2 * i * len;
      for (std::size_t j = 0; j < len; j += 8) {
        V u = load(x + j), v = load(x + len + j);
        bf(u, v, t, s, Last);
        store(x + j, u);
        store(x + len + j, v);
      }
    }
  }

  // Stages m, m/2 (len >= 8); i over the groups of stage m/2.
  template <bool Last>
  void radix4(std::size_t m, std::size_t i0, std::size_t i1) const {
    const std::size_t len = n / (2 * m);
    const InvStage* s = plan + ilog2(m) - 1;
    for (std::size_t i = i0; i < i1; ++i) {
      const Twiddle t0 = r.at(m + 2 * i), t1 = r.at(m + 2 * i + 1), t2 = r.at(m / 2 + i);
      u64* x = a + 4 * i * len;
      for (std::size_t j = 0; j < len; j += 8) {
        V v[4];
        for (int k = 0; k < 4; ++k) v[k] = load(x + k * len + j);
        inv_bf(ar, v[0], v[1], t0, s[1]);
        inv_bf(ar, v[2], v[3], t1, s[1]);
        bf(v[0], v[2], t2, s[0], Last);
        bf(v[1], v[3], t2, s[0], Last);
        for (int k = 0; k < 4; ++k) store(x + k * len + j, v[k]);
      }
    }
  }

  // Stages m, m/2, m/4 (len >= 8); i over the groups of stage m/4.
  template <bool Last>
  void radix8(std::size_t m, std::size_t i0, std::size_t i1) const {
    const std::size_t len = n / (2 * m);
    const InvStage* s = plan + ilog2(m) - 2;
    for (std::size_t i = i0; i < i1; ++i) {
      const Twiddle t0 = r.at(m + 4 * i), t1 = r.at(m + 4 * i + 1), t2 = r.at(m + 4 * i + 2);
      const Twiddle t3 = r.at(m + 4 * i + 3), t4 = r.at(m / 2 + 2 * i);
      const Twiddle t5 = r.at(m / 2 + 2 * i + 1), t6 = r.at(m / 4 + i);
      u64* x = a + 8 * i * len;
      for (std::size_t j = 0; j < len; j += 8) {
        V v[8];
        for (int k = 0; k < 8; ++k) v[k] = load(x + k * len + j);
        inv_bf(ar, v[0], v[1], t0, s[2]);
        inv_bf(ar, v[2], v[3], t1, s[2]);
        inv_bf(ar, v[4], v[5], t2, s[2]);
        inv_bf(ar, v[6], v[7], t3, s[2]);
        inv_bf(ar, v[0], v[2], t4, s[1]);
        inv_bf(ar, v[1], v[3], t4, s[1]);
        inv_bf(ar, v[4], v[6], t5, s[1]);
        inv_bf(ar, v[5], v[7], t5, s[1]);
        for (int k = 0; k < 4; ++k) bf(v[k], v[k + 4], t6, s[0], Last);
        for (int k = 0; k < 8; ++k) store(x + k * len + j, v[k]);
      }
    }
  }

  // `count` stages from m down, over part p of P equal parts of the array.
  void stages(std::size_t m, int count, std::size_t p, std::size_t P) const {
    while (count > 0) {
      const int s = pass_stages(count);
      const std::size_t mw = m >> (s - 1);  // the pass's widest stage
      const std::size_t i0 = p * mw / P, i1 = (p + 1) * mw / P;
      const bool last = mw == 1;
      if (s == 3) last ? radix8<true>(m, i0, i1) : radix8<false>(m, i0, i1);
      else if (s == 2) last ? radix4<true>(m, i0, i1) : radix4<false>(m, i0, i1);
      else last ? radix2<true>(m, i0, i1) : radix2<false>(m, i0, i1);
      m >>= s;
      count -= s;
    }
  }

  void run() const {
    const std::size_t B = block_size(n), P = n / B;
    const int top = ilog2(P), inner = ilog2(B) - 3;
    for (std::size_t p = 0; p < P; ++p) {
      first3(p * B / 16, (p + 1) * B / 16);
      stages(n / 16, inner, p, P);
    }
    stages(P / 2, top, 0, 1);
  }
};

constexpr u64 kIfmaBound = u64{1} << 51;
constexpr u64 kIfmaNarrowBound = u64{1} << 50;
constexpr u64 kShoup64LazyBound = u64{1} << 61;
constexpr u64 kShoup64Bound = u64{1} << 62;
constexpr int kMaxLogN = 17;

// The transform of size 2^log_size (<= t.n()) uses the first 2^log_size roots of t.
template <class A>
void run_forward(const NttTables& t, const u64* ws, u64* a, int log_size) {
  const u64 q = t.modulus().value;
  const A ar(q);
  FwdStage plan[kMaxLogN];
  FwdFinal fin;
  if constexpr (A::kWord64) forward_plan64<A>(q, log_size, plan, fin);
  else forward_plan<A>(q, log_size, plan);
  Forward<A>{ar, {t.fwd_roots().data(), ws}, plan, &fin, a, std::size_t{1} << log_size}.run();
}

template <class A>
void run_inverse(const NttTables& t, const u64* ws, u64 n_inv_s, u64 root1_s, u64* a) {
  const u64 q = t.modulus().value;
  const A ar(q);
  InvStage plan[kMaxLogN];
  if constexpr (A::kWord64) inverse_plan64<A>(q, t.log_n(), plan);
  else inverse_plan<A>(q, t.log_n(), plan);
  const LastTwiddles lt{{set1(t.n_inv()), set1(n_inv_s)},
                        {set1(t.inv_root1_n_inv()), set1(root1_s)}};
  Inverse<A>{ar, {t.inv_roots().data(), ws}, lt, plan, a, t.n()}.run();
}

// The 64-bit Shoup policies with the standard tables.
template <bool Ifma>
void forward_shoup64(const NttTables& t, u64* a, int log_size) {
  if (t.modulus().value < kShoup64LazyBound) {
    run_forward<Shoup64<Ifma, false>>(t, t.fwd_roots_shoup().data(), a, log_size);
  } else {
    run_forward<Shoup64<Ifma, true>>(t, t.fwd_roots_shoup().data(), a, log_size);
  }
}

template <bool Ifma>
void inverse_shoup64(const NttTables& t, u64* a) {
  const u64* ws = t.inv_roots_shoup().data();
  if (t.modulus().value < kShoup64LazyBound) {
    run_inverse<Shoup64<Ifma, false>>(t, ws, t.n_inv_shoup(), t.inv_root1_n_inv_shoup(), a);
  } else {
    run_inverse<Shoup64<Ifma, true>>(t, ws, t.n_inv_shoup(), t.inv_root1_n_inv_shoup(), a);
  }
}

}  // namespace

bool avx512_kernel_supports(const NttTables& t, bool ifma) {
  if (t.n() < 16 || t.log_n() > kMaxLogN) return false;
  const u64 q = t.modulus().value;
  if (ifma && q < kIfmaBound && t.fwd_roots_shoup52().size() != t.n()) return false;
  return q < kShoup64Bound;
}

bool ntt_forward_avx512(const NttTables& t, u64* a, bool ifma) {
  return ntt_forward_avx512(t, a, ifma, t.log_n());
}

bool ntt_forward_avx512(const NttTables& t, u64* a, bool ifma, int log_size) {
  if (!avx512_kernel_supports(t, ifma) || log_size < 4 || log_size > t.log_n()) return false;
  const u64 q = t.modulus().value;
  if (!ifma) {
    forward_shoup64<false>(t, a, log_size);
  } else if (q < kIfmaNarrowBound) {
    run_forward<Ifma52<false>>(t, t.fwd_roots_shoup52().data(), a, log_size);
  } else if (q < kIfmaBound) {
    run_forward<Ifma52<true>>(t, t.fwd_roots_shoup52().data(), a, log_size);
  } else {
    forward_shoup64<true>(t, a, log_size);
  }
  return true;
}

bool ntt_inverse_avx512(const NttTables& t, u64* a, bool ifma) {
  if (!avx512_kernel_supports(t, ifma)) return false;
  const u64 q = t.modulus().value;
  if (!ifma) {
    inverse_shoup64<false>(t, a);
  } else if (q < kIfmaNarrowBound) {
    run_inverse<Ifma52<false>>(t, t.inv_roots_shoup52().data(), t.n_inv_shoup52(),
                               t.inv_root1_n_inv_shoup52(), a);
  } else if (q < kIfmaBound) {
    run_inverse<Ifma52<true>>(t, t.inv_roots_shoup52().data(), t.n_inv_shoup52(),
                              t.inv_root1_n_inv_shoup52(), a);
  } else {
    inverse_shoup64<true>(t, a);
  }
  return true;
}

}  // namespace fhecnn::math::detail
