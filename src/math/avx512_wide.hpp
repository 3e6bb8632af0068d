// Arithmetic for moduli up to 2^61 with IFMA52 limbs and 64-bit low products (AVX-512F/DQ and
// IFMA52), shared by dotmod_avx512.cpp and vecops_avx512.cpp. Include it ONLY from files compiled
// with the AVX-512 flags (see avx512_common.hpp).
//
// With beta = 2^52, a value below 2^61 is x = x1 * beta + x0 (x1 < 2^9). vpmadd52luq/huq use only
// the low 52 bits of their operands, so x itself serves as x0. A product x * y (< 2^122) is then
//   x0 y0 + (x1 y0 + x0 y1) beta + x1 y1 beta^2,
// seven IFMA52 operations spread over three 52-bit-aligned columns c0, c1, c2 (mac_wide); sums of
// up to 16 products keep every column below 2^59. reduce_lazy turns c0 + c1 beta + c2 beta^2
// into [0, 6q) with three "Shoup52" products: x * w - floor(x * w' / beta) * q for x < beta,
// w < q and w' = floor(w * beta / q) lies in [0, 2q) for any q < 2^62 (the quotient is at most
// one short), and its low 64 bits come from two vpmullq.
#pragma once

#include "math/avx512_common.hpp"
#include "math/modarith.hpp"

namespace fhecnn::math::detail {
namespace {

constexpr u64 kWideModBound = u64{1} << 61;  // q and every input below this

inline V mask52v() { return set1((u64{1} << 52) - 1); }

// floor(w * 2^52 / q) (w < q): the companion of w for shoup52.
inline u64 shoup52_companion(u64 w, u64 q) {
  return static_cast<u64>((static_cast<u128>(w) << 52) / q);
}

// x * w mod q in [0, 2q) for x < 2^52 (bits above 52 ignored), w < q < 2^62, ws = floor(w 2^52/q).
inline V shoup52(V x, V w, V ws, V q) {
  const V quot = _mm512_madd52hi_epu64(_mm512_setzero_si512(), x, ws);
  return _mm512_sub_epi64(_mm512_mullo_epi64(x, w), _mm512_mullo_epi64(quot, q));
}

// A sum of products c0 + c1 * 2^52 + c2 * 2^104, each column a plain 64-bit sum.
struct Columns {
  V c0 = _mm512_setzero_si512(), c1a = c0, c1b = c0, c2a = c0, c2b = c0;
};

// acc += x * y for x, y < 2^61, x1 = x >> 52, y1 = y >> 52. Two accumulators per busy column
// halve the IFMA dependency chains.
inline void mac_wide(Columns& acc, V x, V x1, V y, V y1) {
  acc.c0 = _mm512_madd52lo_epu64(acc.c0, x, y);
  acc.c1a = _mm512_madd52hi_epu64(acc.c1a, x, y);
  acc.c1b = _mm512_madd52lo_epu64(acc.c1b, x1, y);
  acc.c1a = _mm512_madd52lo_epu64(acc.c1a, x, y1);
  acc.c2a = _mm512_madd52hi_epu64(acc.c2a, x1, y);
  acc.c2b = _mm512_madd52hi_epu64(acc.c2b, x, y1);
  acc.c2a = _mm512_madd52lo_epu64(acc.c2a, x1, y1);
}

inline V shr52(V x) { return _mm512_srli_epi64(x, 52); }

// Reduction of column sums (total below 2^126, columns below 2^63) mod q < 2^61.
struct WideReducer {
  V q, two_q, four_q, mask, one_s, r1, r1_s, r2, r2_s;

  explicit WideReducer(u64 qv)
      : q(set1(qv)), two_q(set1(2 * qv)), four_q(set1(4 * qv)), mask(mask52v()) {
    const u64 b1 = static_cast<u64>((static_cast<u128>(1) << 52) % qv);  // 2^52 mod q
    const u64 b2 = static_cast<u64>((static_cast<u128>(b1) << 52) % qv);  // 2^104 mod q
    one_s = set1(shoup52_companion(1, qv));
    r1 = set1(b1);
    r1_s = set1(shoup52_companion(b1, qv));
    r2 = set1(b2);
    r2_s = set1(shoup52_companion(b2, qv));
  }

  // The value mod q in [0, 6q): carries make every column a 52-bit limb (the top one below
  // 2^22), then l0 + l1 * (2^52 mod q) + l2 * (2^104 mod q) with one shoup52 per limb.
  V reduce_lazy(const Columns& a) const {
    V c1 = _mm512_add_epi64(a.c1a, a.c1b);
    V c2 = _mm512_add_epi64(a.c2a, a.c2b);
    c1 = _mm512_add_epi64(c1, shr52(a.c0));
    c2 = _mm512_add_epi64(c2, shr52(c1));
    const V l0 = _mm512_and_si512(a.c0, mask), l1 = _mm512_and_si512(c1, mask);
    const V quot0 = _mm512_madd52hi_epu64(_mm512_setzero_si512(), l0, one_s);
    const V r0 = _mm512_sub_epi64(l0, _mm512_mullo_epi64(quot0, q));
    return _mm512_add_epi64(_mm512_add_epi64(r0, shoup52(l1, r1, r1_s, q)),
                            shoup52(c2, r2, r2_s, q));
  }
  // x in [0, 8q) to [0, q).
  V finish(V x) const { return reduce_once(reduce_once(reduce_once(x, four_q), two_q), q); }
};

}  // namespace
}  // namespace fhecnn::math::detail
